"""`make start-full`: the site (as `make start` makes it) with its real search engine beside it.

    python scripts/start_full.py INSTANCE [--host 127.0.0.1] [--port 8080] [--site-id Plone]
    Environment: ARCHIVE_ADMIN_PASSWORD (required), ARCHIVE_DEMO_PASSWORD, ARCHIVE_DEMO=0.

Starts Elasticsearch and Redis on free loopback ports (scripts/install-elasticsearch.sh
installs both; their data lives in temporary directories), creates or upgrades the site
(scripts/create_site.py), serves it with runwsgi configured for them, builds the search
index from the site (`archive search reindex`) before the URL is printed, and runs one
Celery worker (with its periodic tasks) that reaches the site on PORT as admin. Ctrl-C or
SIGTERM stops the worker, the site, Redis and Elasticsearch, in that order.
"""
import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request

from archive.search.sync import Config
from archive.search.sync import reindex
from archive.services.base import ManagedServer
from archive.services.base import _die_with_parent as die_with_parent
from archive.services.elasticsearch import ElasticsearchServer
from archive.services.redis import RedisServer

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
BIN = os.path.dirname(sys.executable)
PREFIX = "plone"
DEMO_OFFICERS = "tiepnhan, chuyenvien, lanhdao, phapche, luutru, lienthong, thanhtra"


class CeleryWorker(ManagedServer):
    """One Celery worker with the beat schedule built in (-B), in a session of its own."""

    name = "celery"
    start_timeout = 90.0
    stop_timeout = 30.0

    def __init__(self, env):
        self.extra_env = env
        super().__init__()

    def command(self):
        return [os.path.join(BIN, "celery"), "-A", "archive.tasks.app", "worker", "-B", "--pool=solo",
                "--loglevel=INFO", "-s", os.path.join(self.workdir, "beat-schedule"),
                "--without-gossip", "--without-mingle"]

    def environment(self):
        return {**os.environ, **self.extra_env}

    def is_healthy(self):
        try:
            with open(self.log_path, "rb") as log:
                return b" ready." in log.read()
        except OSError:
            return False


class Stop(Exception):
    """SIGTERM (or SIGINT) arrived: stop everything."""


def _on_signal(signum, frame):
    raise Stop(signal.Signals(signum).name)


def wait_for(url, process, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the site exited with code {process.returncode} while starting")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


def stop_zope(process):
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--site-id", default="Plone")
    parser.add_argument("--password-file", help="where the admin password is kept (only printed)")
    args = parser.parse_args()
    password = os.environ["ARCHIVE_ADMIN_PASSWORD"]
    local = "127.0.0.1" if args.host in ("127.0.0.1", "0.0.0.0", "localhost") else args.host
    site_url = f"http://{local}:{args.port}/{args.site_id}"
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    es = redis = worker = zope = creating = None
    try:
        subprocess.run([sys.executable, os.path.join(SCRIPTS, "instance.py"), args.instance, "--host", args.host,
                        "--port", str(args.port)], check=True, stdout=subprocess.DEVNULL)
        zope_conf = os.path.join(args.instance, "etc", "zope.conf")
        # The site is created while Elasticsearch starts (the index is built from it afterwards).
        creating = subprocess.Popen(
            [os.path.join(BIN, "zconsole"), "run", zope_conf, os.path.join(SCRIPTS, "create_site.py")],
            env={**os.environ, "ARCHIVE_SITE_ID": args.site_id}, cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent)
        redis = RedisServer().start()
        es = ElasticsearchServer().start()
        output = creating.communicate()[0].decode("utf-8", "replace")
        print("\n".join(line for line in output.splitlines() if line.strip() and "WARNING" not in line),
              flush=True)
        if creating.returncode:
            raise RuntimeError(f"creating the site failed (code {creating.returncode})")

        engine = {"ARCHIVE_ES_URL": es.url, "ARCHIVE_ES_PREFIX": PREFIX, "ARCHIVE_BROKER_URL": redis.url}
        zope = subprocess.Popen([os.path.join(BIN, "runwsgi"), os.path.join(args.instance, "etc", "zope.ini")],
                                env={**os.environ, **engine}, cwd=ROOT, start_new_session=True,
                                preexec_fn=die_with_parent)
        wait_for(site_url, zope)
        index, count = reindex(Config(site=site_url, auth=("admin", password), es=es.url, prefix=PREFIX))
        worker = CeleryWorker({**engine, "ARCHIVE_SITE_URL": site_url, "ARCHIVE_SERVICE_AUTH": f"admin:{password}"})
        worker.start()

        shown = "localhost" if args.host == "127.0.0.1" else args.host
        kept = f" (password kept in {args.password_file})" if args.password_file else ""
        print("")
        print(f"  Archive: http://{shown}:{args.port}/{args.site_id}")
        print(f"  Log in as admin / {password}{kept}")
        print(f"  Demo officers (same password): {DEMO_OFFICERS}")
        print(f"  Search engine: Elasticsearch {es.url} (index {index}, {count} documents), "
              f"Redis {redis.url}, Celery worker pid {worker.pid}")
        print(f"  Stop with Ctrl-C: the worker, Redis and Elasticsearch stop with the site. "
              f"Data stays in {args.instance}/filestorage and {args.instance}/blobstorage; "
              f"the index is rebuilt at each start.")
        print("", flush=True)
        zope.wait()
        return zope.returncode
    except Stop:
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop_zope(creating)
        if worker is not None:
            worker.cleanup()
        stop_zope(zope)
        for server in (redis, es):
            if server is not None:
                server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
