"""Life cycle of one server process on 127.0.0.1: start, health wait, stop, pause, restart."""

import atexit
import ctypes
import ctypes.util
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


HOST = "127.0.0.1"

# Uid/gid the servers run as when the tests run as root (Elasticsearch refuses root).
UNPRIVILEGED_ID = 65534

# Every server not yet cleaned up, held until exit so that its working directory goes with
# it even when the object that started it is long gone (a weak set let those directories pile up).
_live_servers = set()

_PR_SET_PDEATHSIG = 1


def _load_libc():
    if not os.path.exists("/proc/self"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


_libc = _load_libc()


def _die_with_parent():
    """In the child before exec: get SIGTERM when the test process dies (Linux)."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ServiceError(RuntimeError):
    """A server could not be found, started, or stopped."""


def free_port(host=HOST):
    """Return a TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_open(port, host=HOST, timeout=0.5):
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _tail(path, lines=40):
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 16384))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


class ManagedServer:
    """A server process started in its own session, bound to a fixed port.

    The port and working directory are chosen once, so ``stop()`` followed by
    ``start()`` (or ``restart()``) brings the server back on the same address
    with the same data.  Subclasses provide the command line and health check.

    The server gets SIGTERM if the process that started it dies, so a killed
    test run leaves no server behind; call ``start()`` from a thread that lives
    as long as the server should (normally the main thread).
    """

    name = "server"
    # Subclasses set this when the program refuses to run as root.
    needs_unprivileged_user = False
    start_timeout = 60.0
    stop_timeout = 30.0

    def __init__(self, port=None, workdir=None):
        self.host = HOST
        self.port = port or free_port()
        self._owns_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix=f"archive-{self.name}-")
        os.makedirs(self.workdir, exist_ok=True)
        self.log_path = os.path.join(self.workdir, f"{self.name}.out")
        self._process = None
        self._paused = False
        _live_servers.add(self)

    # -- hooks for subclasses -------------------------------------------

    def command(self):
        """The argv that runs the server in the foreground."""
        raise NotImplementedError

    def environment(self):
        """Environment variables for the server process."""
        return dict(os.environ)

    def prepare(self):
        """Create config and data files; called before every start."""

    def is_healthy(self):
        """Whether the server answers and is ready for work."""
        raise NotImplementedError

    # -- life cycle ------------------------------------------------------

    @property
    def run_as_other_user(self):
        return self.needs_unprivileged_user and os.geteuid() == 0

    def _give_workdir_to_server_user(self):
        if not self.run_as_other_user:
            return
        for root, dirs, files in os.walk(self.workdir):
            os.chown(root, UNPRIVILEGED_ID, UNPRIVILEGED_ID)
            for entry in files:
                os.chown(os.path.join(root, entry), UNPRIVILEGED_ID, UNPRIVILEGED_ID)

    @property
    def pid(self):
        return self._process.pid if self._process else None

    def is_running(self):
        """Whether the server process is alive (it may still be starting, or paused)."""
        return self._process is not None and self._process.poll() is None

    def start(self, timeout=None):
        """Start the server and wait until it is healthy; raise ServiceError if not."""
        if self.is_running():
            if self._paused:
                self.resume()
            return self
        if port_is_open(self.port):
            raise ServiceError(
                f"cannot start {self.name}: port {self.host}:{self.port} is already in use"
            )
        self.prepare()
        self._give_workdir_to_server_user()
        argv = self.command()
        extra = {}
        if self.run_as_other_user:
            extra = {"user": UNPRIVILEGED_ID, "group": UNPRIVILEGED_ID, "extra_groups": []}
        log = open(self.log_path, "ab")
        try:
            self._process = subprocess.Popen(
                argv,
                cwd=self.workdir,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
                **extra,
            )
        except OSError as exc:
            raise ServiceError(f"cannot run {self.name} ({argv[0]}): {exc}") from exc
        finally:
            log.close()
        self._paused = False
        self._wait_healthy(self.start_timeout if timeout is None else timeout)
        return self

    def _wait_healthy(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise ServiceError(
                    f"{self.name} exited with code {code} while starting; "
                    f"log {self.log_path}:\n{_tail(self.log_path)}"
                )
            if self.is_healthy():
                return
            if time.monotonic() > deadline:
                self.stop()
                raise ServiceError(
                    f"{self.name} was not healthy on {self.host}:{self.port} "
                    f"after {timeout:.0f} s; log {self.log_path}:\n{_tail(self.log_path)}"
                )
            time.sleep(0.25)

    def _signal_group(self, signum):
        try:
            os.killpg(self._process.pid, signum)
        except ProcessLookupError:
            pass

    def stop(self, timeout=None):
        """Stop the server gracefully (SIGTERM, then SIGKILL); data is kept."""
        if self._process is None:
            return
        if self._process.poll() is None:
            if self._paused:
                self._signal_group(signal.SIGCONT)
            self._signal_group(signal.SIGTERM)
            try:
                self._process.wait(self.stop_timeout if timeout is None else timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self._process.wait(10)
        self._forget_process()

    def kill(self):
        """Kill the server at once, as a crash would; data written so far is kept."""
        if self._process is None:
            return
        self._signal_group(signal.SIGKILL)
        self._process.wait(10)
        self._forget_process()

    def _forget_process(self):
        # Children of the launcher (e.g. the Elasticsearch JVM) may outlive it briefly.
        self._wait_group_gone(10)
        self._wait_port_closed(10)
        self._process = None
        self._paused = False

    def _group_alive(self):
        """Whether any non-zombie process is left in the server's process group."""
        pgid = self._process.pid
        if os.path.isdir("/proc/self"):
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry}/stat", "rb") as handle:
                        stat = handle.read().decode("ascii", "replace")
                except OSError:
                    continue
                # Fields after the parenthesised command name: state ppid pgrp ...
                fields = stat[stat.rfind(")") + 2:].split()
                if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
                    return True
            return False
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def _wait_group_gone(self, timeout):
        deadline = time.monotonic() + timeout
        while self._group_alive():
            if time.monotonic() > deadline:
                self._signal_group(signal.SIGKILL)
                deadline = time.monotonic() + timeout
                time.sleep(0.2)
                if not self._group_alive():
                    return
                raise ServiceError(f"{self.name} processes (group {self._process.pid}) would not exit")
            time.sleep(0.1)

    def _wait_port_closed(self, timeout):
        deadline = time.monotonic() + timeout
        while port_is_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)

    def restart(self, timeout=None):
        """Stop and start again on the same port and data directory."""
        self.stop()
        return self.start(timeout)

    def pause(self):
        """Freeze the server (SIGSTOP): connections hang instead of being refused."""
        if not self.is_running():
            raise ServiceError(f"{self.name} is not running")
        self._signal_group(signal.SIGSTOP)
        self._paused = True

    def resume(self):
        """Undo ``pause()``."""
        if self.is_running():
            self._signal_group(signal.SIGCONT)
        self._paused = False

    @property
    def paused(self):
        return self._paused

    def cleanup(self):
        """Stop the server and remove its working directory if we made it."""
        self.stop()
        if self._owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        _live_servers.discard(self)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.cleanup()

    def __repr__(self):
        state = "paused" if self._paused else ("running" if self.is_running() else "stopped")
        return f"<{type(self).__name__} {self.host}:{self.port} {state}>"


@atexit.register
def _stop_leftover_servers():
    """Never leave a server behind when the interpreter exits."""
    for server in list(_live_servers):
        try:
            server.cleanup()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
