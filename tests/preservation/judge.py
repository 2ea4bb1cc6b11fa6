"""The independent E-ARK judge for the tests: commons-ip2 2.10.0's validator, run as a
separate Java process (installed by scripts/install-judges.sh; installed here if missing).

Its exit status is 0 for invalid packages too, so the verdict is read from the JSON
report's summary.result. A judge that cannot start raises: the test fails, never skips.
"""
import glob
import json
import os
import subprocess
import tempfile
from pathlib import Path

VERSION = "2.10.0"
ROOT = Path(__file__).resolve().parents[2]
MAIN = "org.roda_project.commons_ip2.cli.Main"


def home():
    configured = os.environ.get("ARCHIVE_COMMONS_IP2_HOME")
    if configured:
        return Path(configured)
    if os.getuid() == 0:
        return Path(f"/opt/archive-cache/judges/commons-ip2-{VERSION}")
    return ROOT / ".cache" / "judges" / f"commons-ip2-{VERSION}"


def ensure_installed():
    lib = home() / "lib"
    if not (lib / f"commons-ip2-{VERSION}.jar").exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "install-judges.sh"), str(home())], check=True)
    if not (lib / f"commons-ip2-{VERSION}.jar").exists():
        raise RuntimeError(f"commons-ip2 {VERSION} is not installed in {home()}")
    return lib


class Verdict:
    def __init__(self, report):
        self.report = report
        self.summary = report["summary"]
        self.result = self.summary["result"]

    @property
    def valid(self):
        return self.result == "VALID"

    def failures(self):
        """(requirement id, issues) of every requirement that failed at MUST level."""
        return [(item["id"], item["testing"]["issues"]) for item in self.report["validation"]
                if item["testing"]["outcome"] == "FAILED" and item["level"] == "MUST"]

    def __repr__(self):
        return f"<Verdict {self.result} {self.failures()}>"


def validate(package):
    """Judge a package (a ZIP or a root folder); returns a Verdict."""
    lib = ensure_installed()
    with tempfile.TemporaryDirectory() as reports:
        completed = subprocess.run(  # cwd: the CLI writes its log file there
            ["java", "-cp", f"{lib}/*", MAIN, "validate", "-i", os.path.abspath(package), "-o", reports,
             "--specification-version", "2.2.0"], capture_output=True, text=True, timeout=300, cwd=reports)
        found = glob.glob(os.path.join(reports, "*.json"))
        if not found:
            raise RuntimeError(f"commons-ip2 wrote no report (exit {completed.returncode}): "
                               f"{completed.stdout[-2000:]} {completed.stderr[-2000:]}")
        with open(found[0], encoding="utf-8") as stream:
            return Verdict(json.load(stream))


def create_sip(sip_id, files, out_dir):
    """A SIP made by another system: commons-ip2's own `create` (ZIP); returns its path."""
    lib = ensure_installed()
    completed = subprocess.run(
        ["java", "-cp", f"{lib}/*", MAIN, "create", f"--sip-id={sip_id}", "-p", str(out_dir),
         f"--representation-data={','.join(os.path.abspath(f) for f in files)}"],
        capture_output=True, text=True, timeout=300, cwd=out_dir)
    path = os.path.join(out_dir, f"{sip_id}.zip")
    if not os.path.exists(path):
        raise RuntimeError(f"commons-ip2 made no SIP (exit {completed.returncode}): {completed.stdout[-2000:]}")
    return path
