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
# Install the wheel into a throwaway target, import the add-on from there (not from the
# checkout) and run the install tests: a Plone site gets the profile from the wheel alone.
"$top/.venv/bin/pip" install -q --no-deps --target "$work/site" "$wheel"
cd "$top"
PYTHONPATH="$work/site" "$top/.venv/bin/python" - "$work/site" <<'PY'
import os, sys
import archive
here = os.path.dirname(archive.__file__)
if not here.startswith(sys.argv[1]):
    sys.exit(f"archive imported from {here}, not from the wheel")
assert not os.path.islink(os.path.join(here, "profiles")), "wheel must hold real files"
import pytest
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "tests/test_install.py"]))
PY
