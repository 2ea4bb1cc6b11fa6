"""The installed `archive` console script answers with the documented exit codes."""
import os
import subprocess
import sys

ARCHIVE = os.path.join(os.path.dirname(sys.executable), "archive")


def run(*args):
    return subprocess.run([ARCHIVE, *args], capture_output=True, text=True, timeout=60)


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    assert "edxml" in result.stdout and "axis" in result.stdout


def test_inspect_of_a_missing_file_fails(tmp_path):
    result = run("edxml", "inspect", str(tmp_path / "missing.xml"))
    assert result.returncode == 2


def test_verify_of_garbage_is_refused(tmp_path):
    (tmp_path / "trust").mkdir()
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<not-edxml/>")
    result = run("edxml", "verify", str(bad), "--trust", str(tmp_path / "trust"))
    assert result.returncode == 1
    assert "REFUSED" in result.stderr
