"""The process: configuration checked at start (one line, exit 2), flags over environment, clean signal shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from octolens_mcp.cli import settings_from
from octolens_mcp.config import ConfigError, from_env
from tests.installed_command import COMMAND, environment, run_command

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        ([], {"OCTOLENS_TIMEOUT": "nan"}, "OCTOLENS_TIMEOUT"),
        ([], {"OCTOLENS_TIMEOUT": "0"}, "OCTOLENS_TIMEOUT"),
        ([], {"OCTOLENS_TIMEOUT": "soon"}, "OCTOLENS_TIMEOUT"),
        (["--timeout", "-1"], {}, "--timeout"),
        (["--timeout", "inf"], {}, "--timeout"),
        (["--rate-limit-wait-cap", "nan"], {}, "--rate-limit-wait-cap"),
        ([], {"OCTOLENS_CACHE_TTL": "-5"}, "OCTOLENS_CACHE_TTL"),
        ([], {"OCTOLENS_MAX_RESPONSE_BYTES": "0"}, "OCTOLENS_MAX_RESPONSE_BYTES"),
        ([], {"OCTOLENS_LOG_LEVEL": "garbage"}, "OCTOLENS_LOG_LEVEL"),
        (["--log-level", "loud"], {}, "--log-level"),
        ([], {"OCTOLENS_BASE_URL": "ftp://octolens"}, "OCTOLENS_BASE_URL"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(args: list[str], env: dict[str, str], named: str) -> None:
    done = run_command("--demo", *args, **env)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and "Traceback" not in done.stderr


def test_an_abbreviated_flag_is_refused() -> None:
    # The container healthcheck reads the server's flags by their full names; `--trans http` must not
    # start an HTTP server the healthcheck cannot see.
    done = run_command("--demo", "--trans", "http")
    assert done.returncode == 2 and done.stdout == ""
    assert "unrecognized arguments: --trans http" in done.stderr


def test_flags_override_the_environment() -> None:
    base = from_env({"OCTOLENS_TIMEOUT": "5", "OCTOLENS_CACHE_TTL": "9", "OCTOLENS_LOG_LEVEL": "info"})
    settings = settings_from(["--timeout", "7", "--log-level", "debug"], base)
    assert (settings.timeout, settings.cache_ttl, settings.log_level) == (7.0, 9.0, "DEBUG")
    with pytest.raises(ConfigError, match="--timeout"):
        settings_from(["--timeout", "nan"], base)


# A server whose GET /org never answers in time, to catch a signal with a call in flight.
SLOW_SERVER = textwrap.dedent(
    """
    import anyio, logging, sys
    from octolens_mcp.config import Settings
    from octolens_sandbox import DEMO_KEY, SANDBOX_BASE_URL, Fault, FaultySandbox, SandboxTransport
    from octolens_mcp.mcp.server import build_server, serve_stdio

    logging.basicConfig(stream=sys.stderr, level=logging.INFO)
    sandbox = FaultySandbox()
    sandbox.faults.append(Fault("latency", route="GET /org", seconds=60.0))
    settings = Settings(api_key=DEMO_KEY, base_url=SANDBOX_BASE_URL, toolsets=("all",), timeout=120.0)
    anyio.run(serve_stdio, build_server(settings, transport=SandboxTransport(sandbox)))
    """
)


def _start(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(),
        cwd=REPO,
    )


def _send(process: subprocess.Popen[bytes], *messages: dict[str, Any]) -> None:
    assert process.stdin is not None
    for message in messages:
        process.stdin.write((json.dumps(message) + "\n").encode())
    process.stdin.flush()


def _initialize(process: subprocess.Popen[bytes]) -> None:
    _send(
        process,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "0"},
            },
        },
    )
    assert process.stdout is not None
    answer = json.loads(process.stdout.readline())
    assert answer["id"] == 1 and "result" in answer
    _send(process, {"jsonrpc": "2.0", "method": "notifications/initialized"})


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_on_an_idle_server_exits_0(sig: signal.Signals) -> None:
    process = _start([COMMAND, "--demo", "--log-level", "INFO"])
    try:
        _initialize(process)
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=15)
    finally:
        process.kill()
    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr and f"received {sig.name}".encode() in stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_cancels_an_in_flight_call_and_closes_the_client(sig: signal.Signals) -> None:
    process = _start([sys.executable, "-c", SLOW_SERVER])
    try:
        _initialize(process)
        _send(process, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "get_org"}})
        time.sleep(1.0)  # the call is now waiting on its 60-second upstream answer
        start = time.monotonic()
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=15)
        elapsed = time.monotonic() - start
    finally:
        process.kill()
    assert process.returncode == 0, stderr.decode()
    assert elapsed < 4.0  # cancelled, not waited out (the grace period is 5 s, the upstream answer 60 s)
    assert b"closed the HTTP client" in stderr and b"Traceback" not in stderr
