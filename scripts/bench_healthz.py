"""/healthz as load balancers see it: many probers at once, while the server is busy with MCP calls.

Starts the sandbox API and ``octolens-mcp --transport http`` as processes of their own, then runs
PROBERS concurrent probers against ``/healthz`` (each probes every INTERVAL seconds, from a random
phase), in three phases of SECONDS each:

- idle: the server does nothing else; every probe on a new connection (as kubelet and curl probe);
- under MCP load: CLIENTS MCP client sessions (a process of their own, so that the probers' event loop is
  not theirs) make tool calls back to back (cached reference reads and mention reads), probes on new
  connections; probing starts once every session has made its first call (the server's first call
  imports the models, and each session fetches the tool list: a start-up burst, not the steady load);
- the same load, each prober holding one keep-alive connection.

The server runs with the per-key and per-address request rates off (one key from one address makes
every call here; those limits are not what is measured).

Prints each phase's probes, failures (no 200 within 5 s, refused or reset), p50, p99 and slowest probe,
the MCP calls made meanwhile, and the server's CPU seconds. Target for a liveness probe: p99 well under
1 s (aim: < 100 ms).

Usage: python scripts/bench_healthz.py [PROBERS] [CLIENTS] [SECONDS] [INTERVAL]   (default 256 32 8 0.5)
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
from anyio.abc import SocketStream
from bench_http_load import CALLS_MIX, cpu_seconds, free_port, process, wait_for  # same mix, same helpers
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

REPO = Path(__file__).resolve().parents[1]
KEY = "ak_demo_admin"
PROBE_TIMEOUT = 5.0
# --- the probers ------------------------------------------------------------------------------------


async def _answer(stream: SocketStream) -> int:
    """Read one HTTP/1.1 response; its status."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += await stream.receive()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in lines if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += await stream.receive()
    return int(lines[0].split()[1])


async def probe_for(
    port: int, probers: int, seconds: float, interval: float, keep_alive: bool
) -> tuple[list[float], int]:
    """Every probe's seconds to a 200, and the failures."""
    request = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    latencies: list[float] = []
    failures = 0
    end = time.monotonic() + seconds

    async def prober() -> None:
        nonlocal failures
        stream: SocketStream | None = None
        await anyio.sleep(random.uniform(0, interval))
        while time.monotonic() < end:
            planned = time.monotonic() + interval
            started = time.perf_counter()
            try:
                with anyio.fail_after(PROBE_TIMEOUT):
                    if stream is None:
                        stream = await anyio.connect_tcp("127.0.0.1", port)
                    await stream.send(request)
                    status = await _answer(stream)
                if status == 200:
                    latencies.append(time.perf_counter() - started)
                else:
                    failures += 1
            except (TimeoutError, OSError, anyio.EndOfStream, anyio.BrokenResourceError, ValueError, IndexError):
                failures += 1
                if stream is not None:
                    await stream.aclose()
                stream = None
            if not keep_alive and stream is not None:
                await stream.aclose()
                stream = None
            await anyio.sleep(max(0.0, planned - time.monotonic()))
        if stream is not None:
            await stream.aclose()

    async with anyio.create_task_group() as group:
        for _ in range(probers):
            group.start_soon(prober)
    return latencies, failures


# --- the MCP load (a process of its own, so the probers' loop is not the clients') --------------------


async def mcp_load(url: str, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` sessions calling back to back for ``seconds`` once all have started; prints ``calling`` then."""
    latencies: list[float] = []
    errors = 0
    ready = 0
    all_started = anyio.Event()
    end = [float("inf")]

    async def client(index: int) -> None:
        nonlocal errors, ready
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as http,
            streamable_http_client(url, http_client=http, terminate_on_close=False) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            await session.call_tool("list_tags", {})  # the tool list fetched (the SDK checks output schemas)
            ready += 1
            if ready == clients:
                all_started.set()
            await all_started.wait()
            n = index
            while time.monotonic() < end[0]:
                name, arguments = CALLS_MIX[n % len(CALLS_MIX)]
                n += 1
                started = time.perf_counter()
                try:
                    errors += bool((await session.call_tool(name, arguments)).is_error)
                except Exception:
                    errors += 1
                latencies.append(time.perf_counter() - started)

    async def announce() -> None:
        await all_started.wait()
        end[0] = time.monotonic() + seconds + 0.5  # a little longer than the probing
        print("calling", flush=True)  # the probing starts now: the clients' start-up is over

    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as http,
        streamable_http_client(url, http_client=http, terminate_on_close=False) as (read, write),
        ClientSession(read, write) as first,
    ):
        await first.initialize()
        await first.call_tool("list_tags", {})  # the key accepted first: not an unverified token's flood after
    async with anyio.create_task_group() as group:
        for index in range(clients):
            group.start_soon(client, index)
        group.start_soon(announce)
    ordered = sorted(latencies) or [float("nan")]
    return {
        "calls": len(latencies),
        "errors": errors,
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
    }


def run_phase(
    label: str, port: int, server: int, probers: int, seconds: float, interval: float, keep_alive: bool, load: list[str]
) -> None:
    cpu = cpu_seconds(server)
    with subprocess.Popen(load, stdout=subprocess.PIPE) if load else _nothing() as loader:
        if loader is not None and loader.stdout is not None:
            loader.stdout.readline()  # the clients are connected and calling
        latencies, failures = anyio.run(probe_for, port, probers, seconds, interval, keep_alive)
        calls = "no MCP load"
        if loader is not None:
            out, _ = loader.communicate(timeout=120)  # the calls end a little after the probes
            made = json.loads(out)
            calls = (
                f"MCP: {made['calls']} calls, errors {made['errors']}, "
                f"p50 {made['p50'] * 1000:.0f} ms, p99 {made['p99'] * 1000:.0f} ms"
            )
    ordered = sorted(latencies) or [float("nan")]
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(
        f"{label:<30} {len(latencies):>6} probes  failed {failures}  p50 {p50:>6.1f} ms  p99 {p99:>7.1f} ms  "
        f"slowest {ordered[-1] * 1000:>7.1f} ms"
    )
    print(f"{'':<30} {calls}; server CPU {cpu_seconds(server) - cpu:.1f} s")


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def main() -> None:
    if sys.argv[1:2] == ["--mcp-load"]:
        url, clients, seconds = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
        print(json.dumps(anyio.run(mcp_load, url, clients, seconds)))
        return
    probers = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 8.0
    interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
    upstream, port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCTOLENS_")}
    env.update({"OCTOLENS_BASE_URL": f"http://127.0.0.1:{upstream}/api/v2", "OCTOLENS_LOG_LEVEL": "ERROR"})
    server_args = [sys.executable, "-m", "octolens_mcp", "--transport", "http", "--port", str(port)]
    # One key from one address makes all the calls: the per-key and per-address rates are not what is measured.
    server_args += ["--http-rate-per-key", "0", "--http-rate-per-address", "0"]
    load = [sys.executable, __file__, "--mcp-load", f"http://127.0.0.1:{port}/mcp", str(clients), str(seconds)]
    print(f"{probers} probers on /healthz, each every {interval} s, {seconds:.0f} s per phase; {clients} MCP clients")
    with process([sys.executable, str(REPO / "scripts" / "serve_sandbox.py"), str(upstream), "1000000000"]) as api:
        wait_for(f"http://127.0.0.1:{upstream}/api/v2/openapi.json", api)
        with process([*server_args, "--no-scope-filter"], env) as server:
            wait_for(f"http://127.0.0.1:{port}/healthz", server)
            run_phase("idle, new connections", port, server.pid, probers, seconds, interval, False, [])
            run_phase("MCP load, new connections", port, server.pid, probers, seconds, interval, False, load)
            run_phase("MCP load, keep-alive", port, server.pid, probers, seconds, interval, True, load)


if __name__ == "__main__":
    main()
