# The archive's commands: `make start` runs it with demo data, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTANCE := var/instance
HOST ?= 127.0.0.1
PORT ?= 8080
SITE_ID ?= Plone
ADMIN_PASSWORD_FILE := var/admin-password
PYTEST_ARGS ?=
ES_VERSION ?= 8.19.7
# Elasticsearch refuses to run as root, so as root the tests run it as `nobody`, which must
# be able to reach its files: keep them outside a possibly private checkout in that case.
ES_HOME ?= $(shell if [ "$$(id -u)" = 0 ]; then echo /opt/archive-cache/elasticsearch-$(ES_VERSION); else echo $(CURDIR)/.cache/elasticsearch-$(ES_VERSION); fi)
export ARCHIVE_ES_HOME := $(ES_HOME)
export ES_VERSION
# The E-ARK judge (commons-ip2), cached like Elasticsearch (scripts/judges/pom.xml).
JUDGES_HOME ?= $(shell if [ "$$(id -u)" = 0 ]; then echo /opt/archive-cache/judges; else echo $(CURDIR)/.cache/judges; fi)
export ARCHIVE_COMMONS_IP2_HOME := $(JUDGES_HOME)/commons-ip2-2.10.0

.PHONY: start start-full test install system-deps elasticsearch judges bench test-buildout test-wheel clean

# --- installation -----------------------------------------------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U "pip==26.3" "setuptools==84.2.1" "wheel==0.48.0"

$(VENV)/.installed: $(BIN)/python constraints.txt setup.py
	$(BIN)/pip install -q -c constraints.txt -e ".[test]"
	touch $@

install: $(VENV)/.installed

# Debian packages the tests need: xmlsec1 (the independent signature judge), Redis,
# chromium (the browser the Playwright journeys drive).
system-deps:
	@need=""; \
	command -v xmlsec1 >/dev/null || need="$$need xmlsec1"; \
	command -v redis-server >/dev/null || need="$$need redis-server"; \
	command -v unzip >/dev/null || need="$$need unzip"; \
	command -v pdftotext >/dev/null || need="$$need poppler-utils"; \
	command -v zbarimg >/dev/null || need="$$need zbar-tools"; \
	test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || need="$$need fonts-dejavu-core"; \
	command -v chromium >/dev/null || need="$$need chromium"; \
	command -v msgfmt >/dev/null || need="$$need gettext"; \
	if [ -n "$$need" ]; then \
	  echo "Installing Debian packages:$$need"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; \
	fi

elasticsearch:
	bash scripts/install-elasticsearch.sh $(ES_HOME)

judges:
	bash scripts/install-judges.sh $(ARCHIVE_COMMONS_IP2_HOME)

# --- running ----------------------------------------------------------------

$(ADMIN_PASSWORD_FILE):
	@mkdir -p var
	@$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(12))" > $@
	@chmod 600 $@

start: install $(ADMIN_PASSWORD_FILE)
	@$(BIN)/python scripts/instance.py $(INSTANCE) --host $(HOST) --port $(PORT) >/dev/null
	@export ARCHIVE_ADMIN_PASSWORD="$$(cat $(ADMIN_PASSWORD_FILE))" ARCHIVE_DEMO_PASSWORD="$$(cat $(ADMIN_PASSWORD_FILE))" ARCHIVE_SITE_ID=$(SITE_ID); \
	  $(BIN)/zconsole run $(INSTANCE)/etc/zope.conf scripts/create_site.py 2>&1 | grep -v -E "WARNING|^$$" ; \
	  echo ""; \
	  echo "  Archive: http://$(if $(filter 127.0.0.1,$(HOST)),localhost,$(HOST)):$(PORT)/$(SITE_ID)"; \
	  echo "  Log in as admin / $$ARCHIVE_ADMIN_PASSWORD (password kept in $(ADMIN_PASSWORD_FILE))"; \
	  echo "  Demo officers (same password): tiepnhan, chuyenvien, lanhdao, phapche, luutru, lienthong, thanhtra"; \
	  echo "  Stop with Ctrl-C. Data stays in $(INSTANCE)/filestorage and $(INSTANCE)/blobstorage."; \
	  echo ""; \
	  exec $(BIN)/runwsgi $(INSTANCE)/etc/zope.ini

# `make start` with the real search engine: Elasticsearch, Redis and a Celery worker on free
# loopback ports, the index built from the site first, all stopped with the site (scripts/start_full.py).
start-full: install elasticsearch $(ADMIN_PASSWORD_FILE)
	@export ARCHIVE_ADMIN_PASSWORD="$$(cat $(ADMIN_PASSWORD_FILE))" ARCHIVE_DEMO_PASSWORD="$$(cat $(ADMIN_PASSWORD_FILE))"; \
	  exec $(BIN)/python scripts/start_full.py $(INSTANCE) --host $(HOST) --port $(PORT) --site-id $(SITE_ID) \
	    --password-file $(ADMIN_PASSWORD_FILE)

# --- checking ---------------------------------------------------------------

test: install system-deps elasticsearch judges
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(MAKE) test-wheel
	$(MAKE) test-buildout

# A wheel built from the repository carries the profiles and the XML schemas.
test-wheel: install
	bash scripts/check-wheel.sh

# buildout.cfg builds the same instance from the same pins (versions.cfg is generated from
# constraints.txt: after changing a pin run `bash scripts/check-buildout.sh --update-versions`).
test-buildout: install
	bash scripts/check-buildout.sh

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) var build dist .cache
