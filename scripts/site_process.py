"""A Plone site in a Zope process of its own, made the way `make start` makes one.

For what needs whole sites side by side (two agencies exchanging through the axis, in the
end-to-end test and its benchmark): a throwaway instance under `home` (scripts/instance.py),
the site created once (scripts/create_site.py, without demo data), then served by runwsgi on
a free loopback port until stop().
"""
import glob
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
BIN = os.path.dirname(sys.executable)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process, timeout=20):
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


_translations_compiled = False


def compile_translations():
    """Compile the stale .mo files here, once per process, before any site starts.

    Instances compile them at start-up (zope_i18n_compile_mo_files): the archive's and those
    of every installed package whose .po is newer than its .mo, as in a fresh environment
    where pip wrote both in one go. Two sites starting together would otherwise write the
    same file while the other reads it (seen as `struct.error` loading a package's ZCML).
    """
    global _translations_compiled
    if _translations_compiled:
        return
    from zope.i18n.compile import compile_mo_file

    roots = (os.path.join(ROOT, "src", "archive", "locales"), sysconfig.get_paths()["purelib"])
    for root in roots:
        for po in glob.glob(os.path.join(root, "**", "LC_MESSAGES", "*.po"), recursive=True):
            compile_mo_file(os.path.splitext(os.path.basename(po))[0], os.path.dirname(po))
    _translations_compiled = True


class SiteProcess:
    def __init__(self, home, env, admin_password, site_id="Plone"):
        self.home, self.env, self.admin_password, self.site_id = home, env, admin_password, site_id
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/{site_id}"
        self.zope = None

    def create(self):
        """Write the instance and start creating the site; returns the creating process (wait on it)."""
        compile_translations()
        subprocess.run([sys.executable, os.path.join(SCRIPTS, "instance.py"), self.home, "--port", str(self.port)],
                       check=True, capture_output=True)
        env = {**self.env, "ARCHIVE_DEMO": "0", "ARCHIVE_ADMIN_PASSWORD": self.admin_password,
               "ARCHIVE_SITE_ID": self.site_id}
        return subprocess.Popen([os.path.join(BIN, "zconsole"), "run", os.path.join(self.home, "etc", "zope.conf"),
                                 os.path.join(SCRIPTS, "create_site.py")], env=env, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def start(self, timeout=300):
        """Serve the site; raises RuntimeError (with the log's end) if it does not answer in time."""
        log = open(os.path.join(self.home, "log", "wsgi.log"), "ab")
        self.zope = subprocess.Popen([os.path.join(BIN, "runwsgi"), os.path.join(self.home, "etc", "zope.ini")],
                                     env=self.env, cwd=self.home, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url, timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.url} did not start in {timeout}s:\n{self.log('wsgi.log')}")

    def stop(self):
        stop_process(self.zope)

    def log(self, name):
        path = os.path.join(self.home, "log", name)
        if not os.path.exists(path):
            return ""
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8", "replace")[-3000:]
