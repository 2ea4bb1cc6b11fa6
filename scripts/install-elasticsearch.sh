#!/usr/bin/env bash
# Installs the servers the search tests run against: a minimal Elasticsearch and Redis.
#
# Usage: scripts/install-elasticsearch.sh [DEST]
#
# Elasticsearch comes from Maven Central (the "integ-test-zip" distribution: no
# bundled JDK, runs on the system Java 17) and is unzipped into DEST, by default
# <repo>/.cache/elasticsearch-<version>.  Redis comes from Debian's packages and
# is installed only when `redis-server` is missing.  Running it again does nothing
# for what is already there.
#
# Environment: ES_VERSION (default below) picks another Elasticsearch release.
set -euo pipefail

ES_VERSION="${ES_VERSION:-8.19.7}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/.cache/elasticsearch-$ES_VERSION}"
ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"

log() { printf 'install-elasticsearch: %s\n' "$*" >&2; }

install_elasticsearch() {
    if [ -x "$DEST/bin/elasticsearch" ]; then
        log "Elasticsearch $ES_VERSION already in $DEST"
        return 0
    fi
    command -v mvn >/dev/null || { log "mvn (Maven) is required"; exit 1; }
    command -v unzip >/dev/null || { log "unzip is required"; exit 1; }
    command -v java >/dev/null || { log "java (17 or later) is required"; exit 1; }

    local work
    work="$(mktemp -d)"
    # shellcheck disable=SC2064
    trap "rm -rf '$work'" EXIT

    log "fetching $ARTIFACT"
    mvn -q -B dependency:copy -Dartifact="$ARTIFACT" -DoutputDirectory="$work" >&2
    unzip -q "$work/elasticsearch-$ES_VERSION.zip" -d "$work/unpacked"

    mkdir -p "$(dirname "$DEST")"
    rm -rf "$DEST.partial"
    mv "$work/unpacked/elasticsearch-$ES_VERSION" "$DEST.partial"
    # The server runs as an unprivileged user when the tests run as root.
    chmod -R a+rX "$DEST.partial"
    mv "$DEST.partial" "$DEST"
    log "Elasticsearch $ES_VERSION installed in $DEST"
}

install_redis() {
    if command -v redis-server >/dev/null; then
        log "redis-server already installed"
        return 0
    fi
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    log "installing redis-server"
    $sudo apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q redis-server >&2
    # The package starts a system-wide server; the tests start their own.
    if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
        $sudo systemctl stop redis-server || true
    fi
}

install_elasticsearch
install_redis
