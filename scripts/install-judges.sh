#!/usr/bin/env bash
# Installs the independent judges the preservation tests run: commons-ip2, the E-ARK
# validator of the DILCIS board's reference implementation (CSIP/SIP/AIP 2.2.0).
#
# Usage: scripts/install-judges.sh [DEST]
#
# Maven copies commons-ip2 and its dependencies (scripts/judges/pom.xml) into DEST/lib,
# by default <repo>/.cache/judges/commons-ip2-<version>; run it with
#   java -cp 'DEST/lib/*' org.roda_project.commons_ip2.cli.Main validate -i PKG -o REPORT_DIR
# Running it again does nothing for what is already there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/scripts/judges/pom.xml"
VERSION="$(sed -n 's:.*<commons-ip2.version>\(.*\)</commons-ip2.version>.*:\1:p' "$POM")"
DEST="${1:-$ROOT/.cache/judges/commons-ip2-$VERSION}"

log() { printf 'install-judges: %s\n' "$*" >&2; }

if [ -f "$DEST/lib/commons-ip2-$VERSION.jar" ]; then
    log "commons-ip2 $VERSION already in $DEST"
    exit 0
fi
command -v mvn >/dev/null || { log "mvn (Maven) is required"; exit 1; }
command -v java >/dev/null || { log "java (17 or later) is required"; exit 1; }

mkdir -p "$(dirname "$DEST")"
rm -rf "$DEST.partial"
log "fetching org.roda-community:commons-ip2:$VERSION and its dependencies"
mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$DEST.partial/lib" >&2
chmod -R a+rX "$DEST.partial"
rm -rf "$DEST"
mv "$DEST.partial" "$DEST"
log "commons-ip2 $VERSION installed in $DEST"
