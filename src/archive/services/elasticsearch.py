"""Run a throw-away single-node Elasticsearch on 127.0.0.1 (security off, small heap)."""

import glob
import json
import os
import re
import shutil
import urllib.error
import urllib.request

from archive.services.base import ManagedServer
from archive.services.base import ServiceError
from archive.services.base import free_port


# The release scripts/install-elasticsearch.sh installs by default.
ES_VERSION = "8.19.7"

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CACHE_DIR = os.path.join(REPO_ROOT, ".cache")


def _version_key(path):
    version = path.rsplit("-", 1)[-1]
    return tuple(int(part) if part.isdigit() else 0 for part in re.split(r"[.]", version))


def find_elasticsearch_home(home=None):
    """Return the Elasticsearch install directory, or raise ServiceError.

    Looked up in order: the ``home`` argument, ``$ARCHIVE_ES_HOME``,
    ``<repo>/.cache/elasticsearch-<ES_VERSION>``, then the newest
    ``<repo>/.cache/elasticsearch-*``.
    """
    candidates = []
    if home:
        candidates.append(home)
    elif os.environ.get("ARCHIVE_ES_HOME"):
        candidates.append(os.environ["ARCHIVE_ES_HOME"])
    else:
        candidates.append(os.path.join(CACHE_DIR, f"elasticsearch-{ES_VERSION}"))
        others = glob.glob(os.path.join(CACHE_DIR, "elasticsearch-*"))
        candidates.extend(sorted(others, key=_version_key, reverse=True))
    for candidate in candidates:
        if os.access(os.path.join(candidate, "bin", "elasticsearch"), os.X_OK):
            return os.path.abspath(candidate)
    raise ServiceError(
        "Elasticsearch is not installed (looked in: "
        + ", ".join(candidates)
        + "). Run scripts/install-elasticsearch.sh, or set ARCHIVE_ES_HOME."
    )


def find_java_home():
    """Return a Java home for Elasticsearch (``$ES_JAVA_HOME``, ``$JAVA_HOME`` or ``java`` on PATH)."""
    for variable in ("ES_JAVA_HOME", "JAVA_HOME"):
        value = os.environ.get(variable)
        if value and os.access(os.path.join(value, "bin", "java"), os.X_OK):
            return value
    java = shutil.which("java")
    if java:
        return os.path.dirname(os.path.dirname(os.path.realpath(java)))
    raise ServiceError("Java (17 or later) is required for Elasticsearch: no java on PATH")


class ElasticsearchServer(ManagedServer):
    """A single-node Elasticsearch with its own config, data and logs in ``workdir``.

    >>> with ElasticsearchServer() as es:
    ...     requests.get(es.url + "/_cluster/health")
    """

    name = "elasticsearch"
    needs_unprivileged_user = True
    start_timeout = 120.0
    stop_timeout = 30.0

    def __init__(self, home=None, port=None, workdir=None, heap="512m", settings=None, fast_start=True):
        """``settings`` adds or overrides node settings; ``fast_start`` trades peak JIT
        speed for a quicker start (C1 compiler only), right for short test runs."""
        self.home = find_elasticsearch_home(home)
        self.java_home = find_java_home()
        self.heap = heap
        self.fast_start = fast_start
        self.extra_settings = dict(settings or {})
        super().__init__(port=port, workdir=workdir)
        self.transport_port = free_port()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def _has_module(self, name):
        return os.path.isdir(os.path.join(self.home, "modules", name))

    def settings(self):
        """The node settings written to elasticsearch.yml."""
        values = {
            "cluster.name": f"archive-test-{self.port}",
            "node.name": "archive-test",
            "discovery.type": "single-node",
            "network.host": self.host,
            "http.port": self.port,
            "transport.port": self.transport_port,
            "path.data": os.path.join(self.workdir, "data"),
            "path.logs": os.path.join(self.workdir, "logs"),
            "xpack.security.enabled": False,
            # Tests run on nearly full disks too: never turn indices read-only.
            "cluster.routing.allocation.disk.threshold_enabled": False,
            "action.destructive_requires_name": False,
        }
        # Only set what the installed distribution knows; unknown settings are fatal.
        if self._has_module("x-pack-ml"):
            values["xpack.ml.enabled"] = False
        if self._has_module("ingest-geoip"):
            values["ingest.geoip.downloader.enabled"] = False
        values.update(self.extra_settings)
        return values

    def prepare(self):
        config = os.path.join(self.workdir, "config")
        if not os.path.isdir(config):
            shutil.copytree(os.path.join(self.home, "config"), config)
        for sub in ("data", "logs", "tmp"):
            os.makedirs(os.path.join(self.workdir, sub), exist_ok=True)
        with open(os.path.join(config, "elasticsearch.yml"), "w", encoding="utf-8") as handle:
            for key, value in self.settings().items():
                handle.write(f"{key}: {json.dumps(value)}\n")

    def command(self):
        return [os.path.join(self.home, "bin", "elasticsearch")]

    def environment(self):
        env = dict(os.environ)
        java_options = [f"-Xms{self.heap}", f"-Xmx{self.heap}"]
        if self.fast_start:
            java_options.append("-XX:TieredStopAtLevel=1")
        env.update(
            {
                "ES_JAVA_HOME": self.java_home,
                "ES_PATH_CONF": os.path.join(self.workdir, "config"),
                "ES_TMPDIR": os.path.join(self.workdir, "tmp"),
                "ES_JAVA_OPTS": " ".join(java_options),
                # The launcher's own scratch files go to the work directory too.
                "CLI_JAVA_OPTS": "-Djava.io.tmpdir=" + os.path.join(self.workdir, "tmp"),
            }
        )
        env.pop("JAVA_TOOL_OPTIONS", None)
        return env

    def health(self, timeout=2.0):
        """The ``_cluster/health`` document, or None if the server does not answer."""
        try:
            with urllib.request.urlopen(self.url + "/_cluster/health", timeout=timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except (OSError, ValueError, urllib.error.URLError):
            return None

    def is_healthy(self):
        health = self.health()
        return bool(health) and health.get("status") in ("green", "yellow")
