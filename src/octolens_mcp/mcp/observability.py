"""What the team server tells its operator: an access-log line per request, ``/metrics``, ``/healthz``, ``/readyz``.

- **Access log**: one line per HTTP request on the ``octolens_mcp.access`` logger (always at INFO, whatever
  ``OCTOLENS_LOG_LEVEL`` is): method, path, status, duration, the tool a ``tools/call`` named, and the key's
  fingerprint (the first 12 hex digits of its SHA-256), never the key. ``--log-format json`` writes every
  log line, these included, as one JSON object.
- **/metrics**: Prometheus text (``http.metrics``).
- **/healthz**: liveness; constant time, touches nothing.
- **/readyz**: readiness; 503 while the configured Redis does not answer a PING, or while the last
  attempt to reach Octolens failed to connect and none has succeeded since (within ``UPSTREAM_MEMORY`` s).

A request's ``RequestNote`` (in its ASGI scope under ``NOTE_SCOPE``) is how the layers below tell this
one what happened: the tool, the outcome, whether Octolens accepted or refused the key.
"""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from octolens_mcp.http.metrics import METRICS, UPSTREAM
from octolens_mcp.mcp.request_note import NOTE_SCOPE, RequestNote

access_logger = logging.getLogger("octolens_mcp.access")

UPSTREAM_MEMORY = 60.0
"""Seconds a failed attempt to reach Octolens keeps ``/readyz`` at 503 unless one succeeds meanwhile."""
REDIS_PING_TIMEOUT = 0.5


class AccessLog:
    """ASGI, outermost: gives each HTTP request its ``RequestNote`` and logs one line once it is answered."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        note = RequestNote()
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            # In the server's own scope too, so the connection (``http_connections``) can read it at shutdown.
            scope[NOTE_SCOPE] = note
            await self._app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - started
            METRICS.add("octolens_http_requests_total", status=f"{status // 100}xx" if status else "none")
            if access_logger.isEnabledFor(logging.INFO):
                access_logger.info(
                    "%s %s %d %.1fms",
                    scope.get("method", "-"),
                    scope.get("path", "-"),
                    status,
                    elapsed * 1000,
                    extra={
                        "access": {
                            "method": scope.get("method"),
                            "path": scope.get("path"),
                            "status": status,
                            "duration_ms": round(elapsed * 1000, 1),
                            "tool": note.tool,
                            "outcome": note.outcome,
                            "key": note.key_fingerprint,
                            "refused": note.refused,
                        }
                    },
                )


# --- endpoints --------------------------------------------------------------------------------------


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


async def metrics(_request: Request) -> Response:
    return PlainTextResponse(
        METRICS.render(), media_type="text/plain; version=0.0.4; charset=utf-8", headers={"Cache-Control": "no-store"}
    )


class Readiness:
    """``/readyz``: Redis answers a PING when configured, and Octolens was not found unreachable lately."""

    def __init__(self, redis_url: str | None) -> None:
        self._redis_url = redis_url

    async def endpoint(self, _request: Request) -> Response:
        checks: dict[str, str] = {}
        if self._redis_url is not None:
            checks["redis"] = "ok" if await self._redis_answers() else "unreachable"
        checks["upstream"] = "ok" if UPSTREAM.reachable(UPSTREAM_MEMORY) else "unreachable"
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
            headers={"Cache-Control": "no-store"},
        )

    async def _redis_answers(self) -> bool:
        """One PING on a connection of its own, closed after it (a probe every few seconds costs nothing)."""
        import anyio
        from redis.asyncio import Redis

        try:
            with anyio.fail_after(REDIS_PING_TIMEOUT * 2):
                async with Redis.from_url(
                    self._redis_url or "",
                    socket_timeout=REDIS_PING_TIMEOUT,
                    socket_connect_timeout=REDIS_PING_TIMEOUT,
                ) as redis:
                    return bool(await redis.ping())
        except Exception:  # any failure is "not reachable"; the reason belongs to the shared store's own log
            return False
