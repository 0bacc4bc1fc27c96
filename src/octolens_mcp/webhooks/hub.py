"""What one server holds for webhooks: the secret, the inboxes, the polling state, and the delivery URL.

A feed's delivery URL is ``public_url + /webhooks/octolens/{token}``, where the token names the
organisation and carries an HMAC of it under the server's secret: a delivery lands only in the inbox of
the organisation whose feed holds that URL, and a member of one organisation, who can read the URL on
their own feed, cannot deliver into another's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import anyio

from octolens_mcp.config import Settings
from octolens_mcp.webhooks.inbox import Inbox, MemoryInbox, RedisInbox
from octolens_mcp.webhooks.notify import Relay

PATH = "/webhooks/octolens"
"""Where the receiver listens; the token is the next path segment."""
MAC_CHARS = 40


@dataclass
class PollState:
    """The polling fallback's memory for one key and feed: when it last asked, and what it saw."""

    last: float | None = None
    high_water: str | None = None
    recent: list[dict[str, Any]] = field(default_factory=list)
    remaining: int | None = None
    reset_at: int | None = None
    gap: tuple[str, str] | None = None
    """(from, to): mentions between these timestamps that the last poll had no pages left to read."""


class Hub:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.wall = wall
        generated = settings.webhook_secret is None
        self.secret = settings.webhook_secret or secrets.token_urlsafe(32)
        self.generated_secret = generated
        self._inbox: Inbox | None = None
        self.polls: dict[tuple[str, int | None], PollState] = {}
        self.relay = Relay(settings.redis_url)
        """Announces each new delivery (resource-update notifications), across processes with Redis."""

    @property
    def inbox(self) -> Inbox:
        if self._inbox is None:
            bound, age = self.settings.inbox_max_items, self.settings.inbox_max_age
            url = self.settings.redis_url
            self._inbox = RedisInbox(url, bound, age) if url else MemoryInbox(bound, age)
        return self._inbox

    @property
    def receiving(self) -> bool:
        """Whether deliveries can reach this server's inboxes: it serves HTTP (the receiver), or shares a team
        server's inboxes through Redis (a stdio server given the same ``OCTOLENS_REDIS_URL``)."""
        return self.settings.transport == "http" or bool(self.settings.redis_url)

    async def organisation(self, key: str, read_org: Callable[[], Awaitable[Any]]) -> str | None:
        """The organisation of the key whose hash is ``key``: remembered, else ``read_org()`` (``GET /org``'s answer)
        once, remembered from then on; None when the answer names none."""
        known = await self.inbox.org_of(key)
        if known is not None:
            return known
        body = await read_org()
        org = body.get("organizationId") if isinstance(body, dict) else None
        if not isinstance(org, str) or not org:
            return None
        await self.inbox.remember_org(key, org)
        return org

    def announce_secret(self) -> None:
        """Print a generated secret once at start (stderr): set it as OCTOLENS_WEBHOOK_SECRET to keep URLs valid."""
        if self.generated_secret:
            print(
                f"octolens-mcp: webhook secret generated for this process: {self.secret} "
                "(set OCTOLENS_WEBHOOK_SECRET to it, on every replica, so connected feeds keep delivering after a "
                "restart)",
                file=sys.stderr,
            )

    def token(self, org: str) -> str:
        mac = hmac.new(self.secret.encode(), org.encode(), hashlib.sha256).hexdigest()[:MAC_CHARS]
        return f"{org}.{mac}"

    def org_of_token(self, token: str) -> str | None:
        """The organisation a delivery token names, when its HMAC is right (compared in constant time)."""
        org, dot, mac = token.rpartition(".")
        if not dot or not org or not token.isascii():
            return None
        expected = self.token(org).rpartition(".")[2]
        return org if hmac.compare_digest(mac.encode(), expected.encode()) else None

    def url(self, org: str) -> str | None:
        """This server's delivery URL for ``org``; None without a public URL."""
        base = self.settings.public_url
        if not base:
            return None
        return f"{base.rstrip('/')}{PATH}/{quote(self.token(org), safe='')}"

    def ours(self, url: object) -> bool:
        """Whether a destination URL is this server's receiver (for any organisation)."""
        base = self.settings.public_url
        return bool(base) and isinstance(url, str) and url.startswith(f"{str(base).rstrip('/')}{PATH}/")

    async def delivered(self, org: str, feed: int, mention: dict[str, Any]) -> bool:
        """Store a delivery; announce it when it is new. False for a repeated delivery."""
        if not await self.inbox.add(org, feed, mention):
            return False
        await self.relay.publish(org, feed)
        return True

    async def aclose(self) -> None:
        inbox, self._inbox = self._inbox, None
        if inbox is not None:
            await inbox.aclose()
        await self.relay.aclose()
