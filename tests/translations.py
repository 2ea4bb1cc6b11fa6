"""Compile the archive's .mo files before a test layer loads ZCML (the layers read .mo, not .po).

Imported by test modules that check Vietnamese text, so they pass when run on their own
in a fresh clone too (the full run compiles them in tests/browser/conftest.py as well)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from site_process import compile_translations  # noqa: E402

compile_translations()
