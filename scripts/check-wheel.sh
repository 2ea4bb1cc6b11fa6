#!/usr/bin/env bash
# Proves that a wheel built from the repository ships profiles/ and content-types/ and
# that the add-on's ZCML and GenericSetup profile load from the installed wheel alone.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$top/.venv/bin/pip" wheel -q --no-deps --no-build-isolation -w "$work/dist" "$top"
wheel=$(ls "$work"/dist/archive-*.whl)
"$top/.venv/bin/python" - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
required = [
    "archive/configure.zcml",
    "archive/profiles/default/metadata.xml",
    "archive/profiles/default/types/Dossier.xml",
    "archive/profiles/default/workflows/archive_dossier_workflow/definition.xml",
    "archive/profiles/demo/metadata.xml",
    "archive/profiles/uninstall/types.xml",
    "archive/content-types/dossier.xml",
    "archive/content-types/legal_document.xml",
    "archive/locales/vi/LC_MESSAGES/archive.po",
]
missing = [name for name in required if name not in names]
if missing:
    sys.exit(f"wheel lacks: {missing}")
print(f"wheel ok: {len(names)} files, profiles and schemas included")
PY
# Install the wheel into a throwaway target and parse every shipped schema from there.
"$top/.venv/bin/pip" install -q --no-deps --target "$work/site" "$wheel"
PYTHONPATH="$work/site" "$top/.venv/bin/python" - <<'PY'
import archive, os
from plone.supermodel import loadFile
here = os.path.dirname(archive.__file__)
assert "site" in here, here
import archive.content.fields  # noqa: registers nothing globally, but must import
from zope.configuration import xmlconfig
import Products.Five, plone.supermodel
ctx = xmlconfig.file("meta.zcml", package=Products.Five)
xmlconfig.file("configure.zcml", package=plone.supermodel, context=ctx)
xmlconfig.file("configure.zcml", package=archive.content, context=ctx)
schemas = sorted(os.listdir(os.path.join(here, "content-types")))
for name in schemas:
    loadFile(os.path.join(here, "content-types", name))
print(f"installed wheel at {here}: {len(schemas)} schemas parse")
PY
