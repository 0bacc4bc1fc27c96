"""What the OAuth endpoints refuse before any work, and how they answer while the store is unreachable.

- **Rate limits.** ``/register``, ``/authorize``, the consent page, ``/token`` and ``/revoke`` share one
  token bucket per client address (``OCTOLENS_OAUTH_RATE_PER_ADDRESS``, in bursts of ten times that): more
  get ``429`` with ``Retry-After`` before the body is read, the store is touched or Octolens is asked. A key
  typed on the consent page is checked with Octolens (``GET /auth``) only within a much smaller bucket per
  address (``OCTOLENS_OAUTH_KEY_CHECKS_PER_MINUTE``), so the form can neither guess keys nor spend an
  organisation's API budget. The buckets are the ``/mcp`` guard's (``http_guard.Buckets``): bounded tables
  that forget the least recently seen address. An IPv6 address counts by its /64, which one subscriber holds.
- **The store unreachable** (Redis down): every OAuth endpoint answers ``503`` with ``Retry-After``, as JSON
  in RFC 6749's vocabulary (``temporarily_unavailable``) or, for the consent page, its own small page, and
  logs one line naming the error's type; nothing sent to the client names the store.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from octolens_mcp.config import Settings
from octolens_mcp.mcp.http_guard import Buckets, client_address, count_refusal, retry_after
from octolens_mcp.mcp.request_note import note_of
from octolens_mcp.oauth.store import StoreUnavailable

logger = logging.getLogger(__name__)

BURST = 10.0
"""A client address's burst on the OAuth endpoints, in seconds of its rate: a whole sign-in (registration,
authorization, the consent page's three requests, the token exchange) passes at once."""
UNAVAILABLE_RETRY = 5
"""Seconds a client is told to wait when the store is unreachable."""


def address_group(scope: Scope) -> str:
    """Whose bucket a request spends: its client address, an IPv6 one by its /64 (a subscriber's network)."""
    address = client_address(scope)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class Limits:
    """The OAuth endpoints' buckets: requests per address, and keys checked with Octolens per address."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        rate = settings.oauth_rate_per_address
        self.requests = Buckets(rate, rate * BURST, clock)
        per_minute = settings.oauth_key_checks_per_minute
        self.key_checks = Buckets(per_minute / 60, per_minute, clock)

    def request(self, scope: Scope) -> float:
        """0 when the request may go on; otherwise the seconds until its address may send another."""
        wait = self.requests.take(address_group(scope))
        if wait:
            count_refusal(note_of(scope), "oauth_rate")
        return wait

    def key_check(self, scope: Scope) -> float:
        """0 when a key may be checked with Octolens for this request's address; otherwise the seconds to wait."""
        wait = self.key_checks.take(address_group(scope))
        if wait:
            count_refusal(note_of(scope), "oauth_key_checks")
        return wait


def too_many(wait: float) -> JSONResponse:
    """429 for the OAuth JSON endpoints (RFC 6749 has no code of its own for it)."""
    body = {"error": "temporarily_unavailable", "error_description": "Too many requests from this address; slow down."}
    headers = {"Retry-After": retry_after(wait), "Cache-Control": "no-store"}
    return JSONResponse(body, status_code=429, headers=headers)


def unavailable() -> JSONResponse:
    """503 for the OAuth JSON endpoints while the store is unreachable."""
    body = {
        "error": "temporarily_unavailable",
        "error_description": "Sign-in records are unreachable for a moment; try again.",
    }
    headers = {"Retry-After": str(UNAVAILABLE_RETRY), "Cache-Control": "no-store"}
    return JSONResponse(body, status_code=503, headers=headers)


def log_unreachable(exc: StoreUnavailable, scope: Scope) -> None:
    """The operator's one line (the error's type only: ``StoreUnavailable`` carries nothing else)."""
    logger.warning(
        "the OAuth store is unreachable (%s): %s %s answered 503", exc, scope.get("method"), scope.get("path")
    )


class WhenUnreachable:
    """ASGI around one OAuth endpoint: the store unreachable before it answered → 503 (``answer()``), one log line.

    Around the endpoint itself, inside Starlette's error middleware, which would otherwise answer 500 and log
    a traceback.
    """

    def __init__(self, app: ASGIApp, answer: Callable[[], Response] = unavailable) -> None:
        self._app = app
        self._answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, receive, sending)
        except StoreUnavailable as exc:
            if started:
                raise
            log_unreachable(exc, scope)
            await self._answer()(scope, receive, send)
