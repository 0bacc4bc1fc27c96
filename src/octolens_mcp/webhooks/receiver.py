"""The receiver: ``POST /webhooks/octolens/{token}`` on the HTTP transport.

A wrong token is answered 404 and nothing is stored; a body over ``MAX_BODY`` bytes 413; one that is not a
delivery 400; an address sending more than ``RATE`` deliveries in ``RATE_WINDOW`` seconds 429. A good
delivery is answered 202 at once and stored after the answer is sent (Octolens wants an answer within
seconds, whatever Redis is doing); a repeated one is dropped there by its ``sourceId``. A delivery names its
feed, which proves the feed delivers here: it is remembered as connected (what a memory-only server forgot
when it restarted).

The address is the ASGI client: the peer's, or the ``X-Forwarded-For`` address when the peer is one of
``OCTOLENS_TRUSTED_PROXIES`` (uvicorn rewrites it; see ``mcp.http_app.uvicorn_config``).
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from typing import Any
from weakref import WeakKeyDictionary

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from octolens_mcp.webhooks import payload
from octolens_mcp.webhooks.hub import PATH, Hub

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
"""Largest delivery accepted, in bytes: one mention, its body capped by the platforms, fits many times over."""
RATE = 600
RATE_WINDOW = 60.0
"""Deliveries one address may send per window (Octolens sends one per mention; a burst above is refused)."""
MAX_ADDRESSES = 4096

_HUBS: WeakKeyDictionary[Any, Hub] = WeakKeyDictionary()


def register(server: Any, hub: Hub) -> None:
    """Attach ``hub`` to the SDK ``server`` object, for the HTTP app that serves it."""
    _HUBS[server] = hub


def hub_of(server: Any) -> Hub | None:
    return _HUBS.get(server)


class _Window:
    """Fixed-window counts per address, bounded in addresses."""

    def __init__(self) -> None:
        self._counts: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def allow(self, address: str, now: float) -> bool:
        start, count = self._counts.pop(address, (now, 0))
        if now - start >= RATE_WINDOW:
            start, count = now, 0
        self._counts[address] = (start, count + 1)
        while len(self._counts) > MAX_ADDRESSES:
            self._counts.popitem(last=False)
        return count < RATE


def _answer(status: int, message: str, background: BackgroundTask | None = None) -> JSONResponse:
    return JSONResponse({"status": message}, status_code=status, background=background)


def routes(hub: Hub) -> list[Route]:
    window = _Window()

    async def receive(request: Request) -> JSONResponse:
        org = hub.org_of_token(str(request.path_params.get("token", "")))
        if org is None:
            return _answer(404, "not found")
        address = request.client.host if request.client is not None else "?"
        if not window.allow(address, time.monotonic()):
            return _answer(429, "too many deliveries")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            return _answer(413, "too large")
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY:
                return _answer(413, "too large")
        try:
            feed, mention = payload.parse(json.loads(raw))
        except payload.Ignored:
            return _answer(202, "ignored")
        except (ValueError, RecursionError) as error:  # BadPayload, broken JSON, broken UTF-8
            reason = str(error) if isinstance(error, payload.BadPayload) else "not JSON"
            return _answer(400, f"malformed: {reason}")
        return _answer(202, "accepted", BackgroundTask(_store, hub, org, feed, mention))

    return [Route(PATH + "/{token}", endpoint=receive, methods=["POST"])]


async def _store(hub: Hub, org: str, feed: int, mention: dict[str, Any]) -> None:
    try:
        await hub.inbox.delivered_to(org, feed, payload.feed_name(mention))
        await hub.delivered(org, feed, mention)
    except Exception as error:  # Redis down: the delivery is lost, and said so; the answer was sent already
        logger.warning("a webhook delivery could not be stored: %s", type(error).__name__)
