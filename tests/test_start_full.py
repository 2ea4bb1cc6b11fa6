"""`make start-full` (scripts/start_full.py): the demo site served on the real engine, and
Elasticsearch, Redis and the Celery worker gone once the site is stopped."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import requests

from archive.services.base import free_port
from archive.services.base import port_is_open

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "start_full.py")
PASSWORD = "start-full-secret"


def descendants(pid):
    """Live (non-zombie) processes below ``pid``, as {pid: command line}."""
    children, commands = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().decode("ascii", "replace")
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        commands[int(entry)] = command
    found, todo = {}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = commands[child]
            todo.append(child)
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read().decode("ascii", "replace")
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:].split()[0] != "Z"


class TestStartFull(unittest.TestCase):

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="archive-start-full-")
        self.addCleanup(shutil.rmtree, self.home, ignore_errors=True)
        self.port = free_port()
        env = {**os.environ, "ARCHIVE_ADMIN_PASSWORD": PASSWORD, "ARCHIVE_DEMO_PASSWORD": PASSWORD}
        self.process = subprocess.Popen(
            [sys.executable, SCRIPT, os.path.join(self.home, "instance"), "--port", str(self.port)],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.addCleanup(self.kill)
        self.lines = []
        self.ready = threading.Event()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            if "Stop with Ctrl-C" in line:
                self.ready.set()
        self.ready.set()

    def kill(self):
        if self.process.poll() is None:  # the script stops what it started on SIGTERM
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(120)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(30)

    def output(self):
        return "\n".join(self.lines)[-4000:]

    def test_demo_on_elasticsearch_and_everything_stops_with_the_site(self):
        self.assertTrue(self.ready.wait(900), self.output())
        self.assertIsNone(self.process.poll(), self.output())
        text = self.output()
        self.assertIn(f"  Archive: http://localhost:{self.port}/Plone", text)
        self.assertIn(f"  Log in as admin / {PASSWORD}", text)
        self.assertIn("  Demo officers (same password): tiepnhan,", text)
        engine = re.search(
            r"Search engine: Elasticsearch (http://127\.0\.0\.1:(\d+)) .*Redis redis://127\.0\.0\.1:(\d+)/0", text)
        self.assertIsNotNone(engine, text)
        es_port, redis_port = int(engine.group(2)), int(engine.group(3))
        health = requests.get(engine.group(1) + "/_cluster/health", timeout=10)
        self.assertIn(health.json()["status"], ("green", "yellow"), health.text)

        answer = requests.get(f"http://127.0.0.1:{self.port}/Plone/@archive-search",
                              params={"SearchableText": "quyết định", "portal_type": "LegalDocument"}, auth=("admin", PASSWORD),
                              headers={"Accept": "application/json"}, timeout=60)
        self.assertEqual(answer.status_code, 200, answer.text[:500])
        self.assertEqual(answer.json()["engine"], "elasticsearch")
        self.assertGreater(answer.json()["items_total"], 0, answer.text[:500])

        # The worker reaches the site on its PORT: an edit made now is found through it.
        item = answer.json()["items"][0]["@id"]
        edited = requests.patch(item, json={"title": "Quyết định kiểm tra zqxstartfull"},
                                auth=("admin", PASSWORD), headers={"Accept": "application/json"}, timeout=60)
        self.assertEqual(edited.status_code, 204, edited.text[:500])
        deadline, found = time.monotonic() + 60, 0
        while not found and time.monotonic() < deadline:
            time.sleep(0.5)
            again = requests.get(f"http://127.0.0.1:{self.port}/Plone/@archive-search",
                                 params={"SearchableText": "zqxstartfull"}, auth=("admin", PASSWORD),
                                 headers={"Accept": "application/json"}, timeout=60).json()
            found = again["items_total"]
        self.assertEqual(found, 1, self.output())
        print(f"\nan edit was found through the worker after {60 - (deadline - time.monotonic()):.1f}s")

        processes = descendants(self.process.pid)
        commands = " | ".join(processes.values())
        self.assertIn("redis-server", commands)
        self.assertIn("org.elasticsearch", commands)
        self.assertIn("archive.tasks.app worker", commands)
        self.assertIn("runwsgi", commands)

        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.assertEqual(self.process.wait(120), 0, self.output())
        print(f"\nstart-full stopped in {time.monotonic() - started:.1f}s")
        self.assertEqual([command for pid, command in processes.items() if alive(pid)], [])
        self.assertFalse(port_is_open(es_port))
        self.assertFalse(port_is_open(redis_port))
        self.assertFalse(port_is_open(self.port))
