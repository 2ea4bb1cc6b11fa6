"""Run a throw-away Redis server on 127.0.0.1 with its data in a temporary directory."""

import os
import shutil
import socket

from archive.services.base import ManagedServer
from archive.services.base import ServiceError


def find_redis_server(binary=None):
    """Return the path of ``redis-server`` (argument, ``$ARCHIVE_REDIS_SERVER`` or PATH)."""
    candidate = binary or os.environ.get("ARCHIVE_REDIS_SERVER") or shutil.which("redis-server")
    if candidate and os.access(candidate, os.X_OK):
        return candidate
    raise ServiceError(
        "redis-server is not installed. Run scripts/install-elasticsearch.sh "
        "(it installs Redis too), or set ARCHIVE_REDIS_SERVER."
    )


class RedisServer(ManagedServer):
    """A Redis server persisting to an append-only file, so a restart keeps its data.

    >>> with RedisServer() as server:
    ...     redis.Redis.from_url(server.url).ping()
    """

    name = "redis"
    start_timeout = 20.0
    stop_timeout = 15.0

    def __init__(self, binary=None, port=None, workdir=None):
        self.binary = find_redis_server(binary)
        super().__init__(port=port, workdir=workdir)

    @property
    def url(self):
        return f"redis://{self.host}:{self.port}/0"

    def command(self):
        return [
            self.binary,
            "--bind", self.host,
            "--port", str(self.port),
            "--dir", self.workdir,
            "--daemonize", "no",
            "--protected-mode", "yes",
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--logfile", "",
        ]

    def ping(self, timeout=1.0):
        """Send PING over a raw socket; True if Redis answers PONG."""
        try:
            with socket.create_connection((self.host, self.port), timeout=timeout) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def is_healthy(self):
        return self.ping()
