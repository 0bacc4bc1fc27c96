"""What the team server refuses before any work: known-bad tokens, floods, and streams nobody earned.

Every Bearer token is one of three things here, by its hash (``key_id``), never by its text:

- **verified**: one of its calls was answered by Octolens (2xx). It is served as usual.
- **rejected**: Octolens answered 401 for it. For ``REJECTED_SECONDS`` every request with it is answered
  401 at once, without MCP or an upstream request (the negative cache).
- **unverified**: neither yet. It is served, but its requests also spend the sending address's small
  budget of unverified requests, so a client rotating random tokens is answered 429 before any work
  once that budget is spent, and can neither crowd out real callers nor spend the organisation's
  Octolens budget (an unverified token never sends ``GET /auth``; see ``scopes``).

Each address and each token also has a plain request rate (token buckets; ``429`` with ``Retry-After``
when spent). Event streams (``GET /mcp``) are opened only for verified tokens (others get ``405``, which
every client takes as "this server offers no stream"), and at most ``streams_per_key`` at once per token.

A token is registered for redaction (``redaction.protect``, a few milliseconds for a new one) only once its
request is let through. All tables are bounded: a flood of distinct tokens or addresses forgets the oldest,
never grows memory.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from octolens_mcp.config import Settings
from octolens_mcp.http.metrics import METRICS
from octolens_mcp.mcp.backend import key_id
from octolens_mcp.mcp.request_note import NOTE_SCOPE, RequestNote
from octolens_mcp.mcp.server import KEY_SCOPE
from octolens_mcp.redaction import protect

MAX_TRACKED = 8192
"""Tokens, and addresses, each table remembers at most; the least recently seen beyond it is forgotten."""
REJECTED_SECONDS = 60.0
"""How long a token Octolens answered 401 for is refused without asking again."""
UNVERIFIED_REFILL = 5.0
"""Unverified requests an address regains per second (its burst is ``unverified_per_address``): enough for
new sessions to trickle in, far too few for a client rotating junk tokens to load the server."""
MCP_PATH = "/mcp"


class Buckets:
    """Token buckets by name: ``rate`` per second, up to ``burst``; bounded to the ``MAX_TRACKED`` most recent."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1.0, burst)
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, name: str) -> float:
        """0 when ``name`` may go on (one unit spent); otherwise the seconds until it may."""
        if self.rate <= 0:
            return 0.0  # 0 turns the limit off
        now = self._clock()
        level, then = self._buckets.pop(name, (self.burst, now))
        level = min(self.burst, level + (now - then) * self.rate)
        if level >= 1:
            self._buckets[name] = (level - 1, now)
            wait = 0.0
        else:
            self._buckets[name] = (level, now)
            wait = (1 - level) / self.rate
        while len(self._buckets) > MAX_TRACKED:
            self._buckets.popitem(last=False)
        return wait


def client_address(scope: Scope) -> str:
    """The request's client address (uvicorn's, from ``X-Forwarded-For`` of ``OCTOLENS_TRUSTED_PROXIES`` only)."""
    client = scope.get("client")
    return str(client[0]) if client else "-"


class KeyBook:
    """Which tokens worked (verified) and which Octolens refused (rejected, for a while), by hash."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._verified: OrderedDict[str, None] = OrderedDict()
        self._rejected: OrderedDict[str, float] = OrderedDict()

    def verified(self, ident: str) -> bool:
        if ident in self._verified:
            self._verified.move_to_end(ident)
            return True
        return False

    def rejected(self, ident: str) -> bool:
        until = self._rejected.get(ident)
        if until is None:
            return False
        if until <= self._clock():
            del self._rejected[ident]
            return False
        return True

    def settle(self, ident: str, note: RequestNote) -> None:
        """What a request learned about its token: answered (verified) or refused by Octolens (rejected)."""
        if note.key_rejected and not note.key_answered:
            self._verified.pop(ident, None)
            self._rejected[ident] = self._clock() + REJECTED_SECONDS
            self._rejected.move_to_end(ident)
            _bound(self._rejected)
        elif note.key_answered:
            self._rejected.pop(ident, None)
            self._verified[ident] = None
            self._verified.move_to_end(ident)
            _bound(self._verified)


def _bound(table: OrderedDict[str, object] | OrderedDict[str, None] | OrderedDict[str, float]) -> None:
    while len(table) > MAX_TRACKED:
        table.popitem(last=False)


@dataclass
class Limits:
    per_address: Buckets
    per_key: Buckets
    unverified: Buckets
    streams_per_key: int


def limits_for(settings: Settings) -> Limits:
    return Limits(
        per_address=Buckets(settings.http_rate_per_address, settings.http_rate_per_address * 2),
        per_key=Buckets(settings.http_rate_per_key, settings.http_rate_per_key * 2),
        unverified=Buckets(UNVERIFIED_REFILL, settings.http_unverified_per_address),
        streams_per_key=settings.http_streams_per_key,
    )


class Guard:
    """ASGI, inside ``KeyGate`` (so the request's key is in its scope): refusals before any MCP work."""

    def __init__(self, app: ASGIApp, settings: Settings, book: KeyBook | None = None) -> None:
        self._app = app
        self.book = book if book is not None else KeyBook()
        self.limits = limits_for(settings)
        self._streams: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = scope.get(KEY_SCOPE)
        if scope["type"] != "http" or not isinstance(key, str):
            await self._app(scope, receive, send)
            return
        ident = key_id(key)
        note = scope.get(NOTE_SCOPE)
        if not isinstance(note, RequestNote):
            note = RequestNote()
            scope = {**scope, NOTE_SCOPE: note}
        note.key_fingerprint = ident[:12]
        refusal = self._refusal(scope, ident)
        if refusal is not None:
            count_refusal(note, refusal.reason)
            await refusal.response(scope, receive, send)
            return
        # From here on the key may reach Octolens, and be echoed back: it is kept out of everything served.
        protect(key, pinned=False)
        stream = scope.get("method") == "GET"
        if stream:
            self._streams[ident] = self._streams.get(ident, 0) + 1
            METRICS.add("octolens_open_streams")
        try:
            await self._app(scope, receive, send)
        finally:
            if stream:
                METRICS.add("octolens_open_streams", -1)
                left = self._streams.get(ident, 1) - 1
                if left > 0:
                    self._streams[ident] = left
                else:
                    self._streams.pop(ident, None)
            self.book.settle(ident, note)

    def _refusal(self, scope: Scope, ident: str) -> _Refusal | None:
        address = client_address(scope)
        wait = self.limits.per_address.take(address)
        if wait:
            return _Refusal("rate", _too_many(wait))
        if self.book.rejected(ident):
            return _Refusal("rejected_key", _unauthorized())
        wait = self.limits.per_key.take(ident)
        if wait:
            return _Refusal("rate", _too_many(wait))
        verified = self.book.verified(ident)
        note = scope.get(NOTE_SCOPE)
        if isinstance(note, RequestNote):
            note.key_verified = verified
        if not verified:
            wait = self.limits.unverified.take(address)
            if wait:
                return _Refusal("unverified_rate", _too_many(wait))
        if scope.get("method") == "GET":
            if not verified:
                return _Refusal("stream_unverified", _no_stream())
            if self._streams.get(ident, 0) >= self.limits.streams_per_key:
                return _Refusal("stream_cap", _too_many(5.0, "Too many open event streams for this key."))
        return None


@dataclass
class _Refusal:
    reason: str
    response: JSONResponse


def _body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


def _unauthorized() -> JSONResponse:
    body = _body("UNAUTHORIZED", "Octolens refused this API key (invalid, expired or revoked).")
    return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": 'Bearer realm="octolens-mcp"'})


def retry_after(wait: float) -> str:
    """A ``Retry-After`` value for a wait of ``wait`` seconds: whole seconds, at least one."""
    return str(max(1, math.ceil(wait)))


def count_refusal(note: RequestNote | None, reason: str) -> None:
    """A request refused before any work: counted in ``/metrics``, and named on its access-log line."""
    METRICS.add("octolens_http_refused_total", reason=reason)
    if note is not None:
        note.refused = reason


def _too_many(wait: float, message: str = "Too many requests; slow down.") -> JSONResponse:
    return JSONResponse(_body("RATE_LIMITED", message), status_code=429, headers={"Retry-After": retry_after(wait)})


def _no_stream() -> JSONResponse:
    body = _body("METHOD_NOT_ALLOWED", "No event stream for a key that has not yet made a successful call.")
    return JSONResponse(body, status_code=405, headers={"Allow": "POST, DELETE"})
