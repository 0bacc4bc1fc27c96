"""The HTTP server in-process on a free loopback port, upstreams routed by key, and MCP clients over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from typing import IO, Any

import anyio
import httpx2
import uvicorn
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from octolens_mcp.config import Settings
from octolens_mcp.mcp.http_app import uvicorn_config
from octolens_mcp.mcp.server import build_server
from octolens_sandbox import SANDBOX_BASE_URL, Sandbox, SandboxTransport
from tests.conftest import EXPORT_DIR


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class KeyedUpstream(httpx2.AsyncBaseTransport):
    """Several sandbox workspaces behind one base URL: the request's key picks the workspace."""

    def __init__(self, workspaces: dict[str, Sandbox]) -> None:
        self._by_key = {key: SandboxTransport(sandbox) for key, sandbox in workspaces.items()}
        self._fallback = next(iter(self._by_key.values()))

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        key = request.headers.get("authorization", "").removeprefix("Bearer ")
        # An unknown key reaches the first workspace, which answers 401 for it.
        return await self._by_key.get(key, self._fallback).handle_async_request(request)

    async def aclose(self) -> None:
        for transport in self._by_key.values():
            await transport.aclose()


def http_settings(**overrides: Any) -> Settings:
    base = Settings(
        base_url=SANDBOX_BASE_URL,
        toolsets=("all",),
        transport="http",
        port=free_port(),
        timeout=10,
        export_dir=str(EXPORT_DIR),
    )
    return replace(base, **overrides)


@asynccontextmanager
async def running(settings: Settings, upstream: httpx2.AsyncBaseTransport) -> AsyncIterator[uvicorn.Server]:
    """The HTTP server serving ``settings`` until the block ends (then shut down gracefully)."""
    server = uvicorn.Server(uvicorn_config(build_server(settings, transport=upstream), settings))
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
                await anyio.sleep(0.02)
        try:
            yield server
        finally:
            server.should_exit = True


def url(settings: Settings, path: str = "/mcp") -> str:
    return f"http://127.0.0.1:{settings.port}{path}"


@asynccontextmanager
async def mcp_session(settings: Settings, key: str | None, **options: Any) -> AsyncIterator[ClientSession]:
    """An initialized MCP client session over HTTP, sending ``key`` as its Bearer token (``options``: the session's)."""
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        streamable_http_client(url(settings), http_client=http, terminate_on_close=False) as (read, write),
        ClientSession(read, write, **options) as session,
    ):
        await session.initialize()
        yield session


@dataclass
class Served:
    """A server process: its port while it runs; what it printed and its exit status once it has stopped."""

    port: int
    process: subprocess.Popen[bytes]
    out: bytes = b""
    err: bytes = b""


LIMIT_OPEN_FILES = (
    "import os, resource, sys; n = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (n, n)); os.execv(sys.argv[2], sys.argv[2:])"
)
"""A launcher that lowers its open-file limit, then becomes the program: no ``preexec_fn`` is needed."""


@contextmanager
def http_process(
    args: list[str],
    env: dict[str, str] | None = None,
    program: list[str] | None = None,
    *,
    open_files: int | None = None,
) -> Iterator[Served]:
    """``octolens-mcp --transport http`` as its own process on a free port, up and answering /healthz.

    ``program`` replaces ``python -m octolens_mcp`` (e.g. the installed console script); the transport
    comes from the environment unless ``args`` name one themselves. ``open_files`` sets the process's
    open-file limit (soft and hard). It is set by a launcher that then execs the server, not by a
    ``preexec_fn``: Python code run between fork and exec is unsafe in a process with threads (this one's
    pipe readers, pytest's, anyio's workers), and makes the fork unable to use ``vfork``.
    """
    port = free_port()
    environment = {k: v for k, v in (env or os.environ).items() if not k.startswith("OCTOLENS_")}
    environment["OCTOLENS_PORT"] = str(port)
    if "--transport" not in args:
        environment["OCTOLENS_TRANSPORT"] = "http"
    command = [*(program or [sys.executable, "-m", "octolens_mcp"]), *args]
    if open_files is not None:
        command = [sys.executable, "-c", LIMIT_OPEN_FILES, str(open_files), *command]
    process = subprocess.Popen(
        command,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    served = Served(port, process)
    # Read both pipes as the server writes them: a pipe left unread fills (64 KiB of log lines, a few hundred
    # requests' access lines) and then blocks the server's event loop on its next write.
    drained = {name: bytearray() for name in ("out", "err")}
    readers = [
        threading.Thread(target=_drain, args=(pipe, drained[name]), daemon=True)
        for name, pipe in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                for reader in readers:
                    reader.join()
                err = bytes(drained["err"]).decode(errors="replace")
                raise AssertionError(f"the HTTP server did not come up: {err[-2000:]}")
            time.sleep(0.1)
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        process.wait()
        for reader in readers:
            reader.join()
        served.out, served.err = bytes(drained["out"]), bytes(drained["err"])


def _drain(pipe: IO[bytes] | None, into: bytearray) -> None:
    """Everything ``pipe`` gives until it closes, appended to ``into``."""
    if pipe is None:
        return
    with pipe:
        for chunk in iter(lambda: os.read(pipe.fileno(), 65536), b""):
            into += chunk
