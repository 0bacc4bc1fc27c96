"""The container's health check, ``python -m octolens_mcp.healthcheck`` (the Dockerfile's ``HEALTHCHECK``).

Over stdio there is nothing to probe: the server lives exactly as long as its client keeps stdin open, so
the check passes. Over HTTP (``OCTOLENS_TRANSPORT=http``) it asks the server's ``GET /healthz`` on this
machine, at port ``OCTOLENS_PORT`` (default 8000), within 3 seconds: healthy on 200, unhealthy on
anything else. It reads the same environment the server does, so a server switched to HTTP by the
``--transport`` flag alone (not the variable) is not probed.

Exit status 0 is healthy, 1 unhealthy. Nothing is written to stdout; a failure writes one short line to
stderr, which Docker keeps in the container's health log.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

TIMEOUT = 3.0
"""Seconds the probe waits for the whole answer."""
DEFAULT_PORT = 8000
PATH = "/healthz"
_WILDCARDS = ("", "0.0.0.0", "::", "[::]")


class Unhealthy(Exception):
    """The server did not answer ``GET /healthz`` with 200; the message says what happened instead."""


def probe_url(env: Mapping[str, str]) -> str | None:
    """The URL to probe, or None when the server runs over stdio (nothing to probe)."""
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


def main(env: Mapping[str, str] | None = None) -> int:
    """0 when healthy (or over stdio), 1 with one line on stderr when not."""
    try:
        url = probe_url(os.environ if env is None else env)
        if url is not None:
            probe(url)
    except Unhealthy as exc:
        print(f"octolens-mcp healthcheck: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
