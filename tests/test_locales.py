"""The message catalogues stay loadable: every message defined once, every one compiles."""
import glob
import os
import subprocess

import pytest

LOCALES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src", "archive", "locales")
CATALOGUES = sorted(glob.glob(os.path.join(LOCALES, "*", "LC_MESSAGES", "*.po")))


def test_there_are_catalogues():
    assert {os.path.basename(os.path.dirname(os.path.dirname(p))) for p in CATALOGUES} >= {"vi", "en"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: os.path.relpath(p, LOCALES))
def test_each_message_is_defined_once_and_compiles(path):
    with open(path, encoding="utf-8") as stream:
        msgids = [line for line in stream if line.startswith("msgid ")]
    duplicates = sorted({m for m in msgids if msgids.count(m) > 1})
    assert duplicates == [], duplicates
    # msgfmt (gettext, installed with the system packages) is the reference compiler.
    result = subprocess.run(["msgfmt", "--check-format", "-o", os.devnull, path], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
