"""The container's health check, ``python -m octolens_mcp.healthcheck`` (the Dockerfile's ``HEALTHCHECK``).

Over stdio there is nothing to probe: the server lives exactly as long as its client keeps stdin open, so
the check passes. Over HTTP (``OCTOLENS_TRANSPORT=http``) it asks the server's ``GET /healthz`` on this
machine, at port ``OCTOLENS_PORT`` (default 8000), within 3 seconds: healthy on 200, unhealthy on
anything else. It reads the same environment the server does and, in a container, the server's own
flags (``--transport``, ``--host``, ``--port``) from process 1's command line, which override it, as they
do for the server: ``docker run IMAGE --transport http`` is probed too.

Exit status 0 is healthy, 1 unhealthy. Nothing is written to stdout; a failure writes one short line to
stderr, which Docker keeps in the container's health log.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

TIMEOUT = 3.0
"""Seconds the probe waits for the whole answer."""
DEFAULT_PORT = 8000
PATH = "/healthz"
_WILDCARDS = ("", "0.0.0.0", "::", "[::]")
_FLAGS = {"--transport": "OCTOLENS_TRANSPORT", "--host": "OCTOLENS_HOST", "--port": "OCTOLENS_PORT"}
CONTAINER_INIT = Path("/proc/1/cmdline")


class Unhealthy(Exception):
    """The server did not answer ``GET /healthz`` with 200; the message says what happened instead."""


def server_arguments(cmdline: bytes) -> list[str] | None:
    """The arguments given to octolens-mcp in a NUL-separated command line, or None when it is another program.

    The console script runs as ``python /path/octolens-mcp ARGS``; ``python -m octolens_mcp ARGS`` also counts.
    """
    parts = [part.decode("utf-8", "replace") for part in cmdline.split(b"\0")]
    for index, part in enumerate(parts[:4]):  # the program comes first, after an interpreter at most
        if Path(part).name == "octolens-mcp":
            return [arg for arg in parts[index + 1 :] if arg]
        if part == "-m" and parts[index + 1 : index + 2] == ["octolens_mcp"]:
            return [arg for arg in parts[index + 2 :] if arg]
    return None


def flag_settings(argv: Sequence[str]) -> dict[str, str]:
    """What the server's ``--transport``, ``--host`` and ``--port`` flags set, as the variables they override."""
    found: dict[str, str] = {}
    args = list(argv)
    for index, arg in enumerate(args):
        name, equals, value = arg.partition("=")
        if name not in _FLAGS:
            continue
        if not equals:
            if index + 1 >= len(args):
                continue
            value = args[index + 1]
        found[_FLAGS[name]] = value
    return found


def _container_server_arguments() -> list[str]:
    try:
        cmdline = CONTAINER_INIT.read_bytes()
    except OSError:  # not Linux, or /proc is not mounted
        return []
    return server_arguments(cmdline) or []


def probe_url(env: Mapping[str, str], argv: Sequence[str] = ()) -> str | None:
    """The URL to probe, or None when the server runs over stdio (nothing to probe).

    ``argv``: the server's own arguments, whose flags win over ``env`` as they do in the server.
    """
    env = {**env, **flag_settings(argv)}
    if (env.get("OCTOLENS_TRANSPORT") or "stdio").strip().lower() != "http":
        return None
    raw_port = (env.get("OCTOLENS_PORT") or "").strip() or str(DEFAULT_PORT)
    if not (raw_port.isascii() and raw_port.isdigit()) or not 0 < int(raw_port) <= 65535:
        raise Unhealthy(f"OCTOLENS_PORT is not a TCP port: {raw_port!r}")
    # A server listening on every interface answers on loopback; one bound to a single address only there.
    host = (env.get("OCTOLENS_HOST") or "").strip()
    if host in _WILDCARDS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{int(raw_port)}{PATH}"


def probe(url: str, timeout: float = TIMEOUT) -> None:
    """Return when ``url`` answers 200 within ``timeout`` seconds; raise ``Unhealthy`` otherwise."""
    # No proxy: an HTTP(S)_PROXY set for the upstream API must not carry a loopback probe elsewhere.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, method="GET"), timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise Unhealthy(f"{url} did not answer: {reason}") from None
    if status != 200:
        raise Unhealthy(f"{url} answered {status}")


def main(env: Mapping[str, str] | None = None, argv: Sequence[str] | None = None) -> int:
    """0 when healthy (or over stdio), 1 with one line on stderr when not.

    ``argv``: the server's arguments; by default those of process 1 when it is octolens-mcp (a container).
    """
    try:
        url = probe_url(os.environ if env is None else env, _container_server_arguments() if argv is None else argv)
        if url is not None:
            probe(url)
    except Unhealthy as exc:
        print(f"octolens-mcp healthcheck: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
