"""Pytest fixtures that share one real Elasticsearch and one real Redis per test session.

Use it as a plugin (``pytest_plugins = ["archive.services.pytest_fixtures"]`` in the
top-level conftest) or import the fixtures into a conftest.  Either way, and even
both at once, a session starts at most one server of each kind: the servers are
reference-counted and stopped when the last fixture using them is torn down.

A server that cannot start makes the tests that need it fail (ServiceError);
they are never skipped.
"""

import threading

import pytest

from archive.services.elasticsearch import ElasticsearchServer
from archive.services.redis import RedisServer


_lock = threading.Lock()
_shared = {}  # kind -> [server, reference count]


def acquire(kind, factory):
    """Start (once) and return the shared server of ``kind``."""
    with _lock:
        entry = _shared.get(kind)
        if entry is None:
            server = factory()
            try:
                server.start()
            except BaseException:
                server.cleanup()
                raise
            entry = _shared[kind] = [server, 0]
        entry[1] += 1
        server = entry[0]
    # A test that stopped the server for a fault scenario may not have restarted it.
    if not server.is_running() or server.paused:
        server.start()
    return server


def release(kind):
    """Drop one reference; the last one stops the server and removes its data."""
    with _lock:
        entry = _shared.get(kind)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] > 0:
            return
        del _shared[kind]
    entry[0].cleanup()


@pytest.fixture(scope="session")
def elasticsearch():
    """A running single-node Elasticsearch; ``.url`` is ``http://127.0.0.1:PORT``.

    Tests that stop or pause it must bring it back (``.start()`` / ``.resume()``).
    """
    server = acquire("elasticsearch", ElasticsearchServer)
    try:
        yield server
    finally:
        release("elasticsearch")


@pytest.fixture(scope="session")
def redis_server():
    """A running Redis; ``.url`` is ``redis://127.0.0.1:PORT/0``."""
    server = acquire("redis", RedisServer)
    try:
        yield server
    finally:
        release("redis")
