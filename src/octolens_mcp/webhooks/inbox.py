"""Inboxes of delivered mentions, one per organisation and feed: deduplicated, bounded in count and age.

``MemoryInbox`` keeps them in this process; ``RedisInbox`` in Redis streams, so that every replica sees
every delivery and a delivery to one replica wakes a waiter on another (``XREAD BLOCK``). A position is an
opaque string: what ``after`` and ``wait`` continue from. The same store remembers which feeds deliver to
this server (and, for a while, which do not) and which organisation a key belongs to, so that waiting on a
connected feed sends no request.

A memory position names the process that issued it (an epoch drawn at start) and counts one feed's
deliveries one by one: a position from before a restart reads the new process's inbox from its start, and
skipping ``n`` deliveries after a position (``skip``) is exact even when the oldest have been trimmed since.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import anyio

if TYPE_CHECKING:
    from redis.asyncio import Redis

ORIGIN = "0"
"""The position before every delivery."""
ORG_MEMORY = 7 * 24 * 3600
"""Seconds a key's organisation is remembered (it never changes; this only bounds the table)."""
PREFIX = "octolens-mcp:webhooks:"


class Inbox(Protocol):
    async def add(self, org: str, feed: int, mention: dict[str, Any]) -> bool:
        """Store a delivery; False when its ``sourceId`` is already in this inbox (a repeated delivery)."""
        ...

    async def head(self, org: str, feed: int) -> str:
        """The position after the newest delivery: waiting from it sees only what arrives later."""
        ...

    async def after(self, org: str, feed: int, position: str, limit: int) -> tuple[list[dict[str, Any]], str]:
        """Up to ``limit`` mentions delivered after ``position``, oldest first, and the position after them."""
        ...

    async def skip(self, org: str, feed: int, position: str, count: int) -> str:
        """The position after the ``count`` deliveries that follow ``position`` (as many as there are)."""
        ...

    async def wait(self, org: str, feed: int, position: str, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a delivery after ``position``; whether one is there."""
        ...

    async def connect(self, org: str, feed: int, name: str) -> None:
        """The feed delivers to this server (connect_feed_webhook, or a read of the feed said so)."""
        ...

    async def disconnect(self, org: str, feed: int | None, seconds: float) -> None:
        """The feed (None: any feed of ``org``) does not deliver to this server: forget it, and believe that for
        ``seconds``."""
        ...

    async def delivered_to(self, org: str, feed: int, name: str | None) -> None:
        """A delivery for the feed arrived: it is connected, unless a recent answer said it is not (a delivery
        sent just before disconnect_feed_webhook removed the destination proves nothing)."""
        ...

    async def unconnected(self, org: str, feed: int | None) -> bool:
        """Whether a recent answer (``disconnect``) said the feed (None: any feed) does not deliver to this server."""
        ...

    async def connected(self, org: str) -> dict[int, str]:
        """The feeds of ``org`` connected to this server: id -> name."""
        ...

    async def org_of(self, key: str) -> str | None: ...

    async def remember_org(self, key: str, org: str) -> None: ...

    async def aclose(self) -> None: ...


@dataclass
class _Feed:
    entries: deque[tuple[int, float, dict[str, Any]]] = field(default_factory=deque)
    seen: dict[str, float] = field(default_factory=dict)
    arrived: anyio.Event = field(default_factory=anyio.Event)
    count: int = 0
    """Deliveries stored so far: the last one's number (numbers follow each other, one feed at a time)."""


class MemoryInbox:
    """Inboxes in this process."""

    def __init__(self, max_items: int, max_age: float, clock: Callable[[], float] = time.time) -> None:
        self._max_items = max_items
        self._max_age = max_age
        self._clock = clock
        self._feeds: dict[tuple[str, int], _Feed] = {}
        self._epoch = secrets.token_hex(4)
        self._connected: dict[str, dict[int, str]] = {}
        self._unconnected: dict[tuple[str, int | None], float] = {}
        self._orgs: dict[str, str] = {}

    def _feed(self, org: str, feed: int) -> _Feed:
        return self._feeds.setdefault((org, feed), _Feed())

    def _trim(self, box: _Feed) -> None:
        oldest = self._clock() - self._max_age
        while box.entries and (len(box.entries) > self._max_items or box.entries[0][1] < oldest):
            box.entries.popleft()
        for source_id in [s for s, at in box.seen.items() if at < oldest]:
            del box.seen[source_id]
        while len(box.seen) > 4 * self._max_items:  # dicts keep insertion order: the oldest go first
            del box.seen[next(iter(box.seen))]

    async def add(self, org: str, feed: int, mention: dict[str, Any]) -> bool:
        box = self._feed(org, feed)
        self._trim(box)
        source_id = str(mention.get("sourceId"))
        if source_id in box.seen:
            return False
        now = self._clock()
        box.seen[source_id] = now
        box.count += 1
        box.entries.append((box.count, now, mention))
        self._trim(box)
        box.arrived.set()
        box.arrived = anyio.Event()
        return True

    def _position(self, number: int) -> str:
        return f"{self._epoch}-{number}"

    def _number(self, position: str) -> int | None:
        """The delivery number a position of this process names; None for the origin or another process's."""
        epoch, dash, number = position.partition("-")
        if dash and epoch == self._epoch and number.isascii() and number.isdigit():
            return int(number)
        return None

    async def head(self, org: str, feed: int) -> str:
        return self._position(self._feed(org, feed).count)

    async def after(self, org: str, feed: int, position: str, limit: int) -> tuple[list[dict[str, Any]], str]:
        box = self._feed(org, feed)
        self._trim(box)
        # Another process's position (before a restart): everything this process holds is new to it.
        start = self._number(position) or 0
        found = [(seq, mention) for seq, _at, mention in box.entries if seq > start][:limit]
        return [mention for _seq, mention in found], self._position(found[-1][0] if found else start)

    async def skip(self, org: str, feed: int, position: str, count: int) -> str:
        given = self._number(position)
        if given is None:  # another process's deliveries: none of this one's was seen, so none is skipped
            return ORIGIN
        # Numbers follow each other: exact even when the skipped deliveries have been trimmed since.
        return self._position(min(given + count, self._feed(org, feed).count))

    async def wait(self, org: str, feed: int, position: str, timeout: float) -> bool:
        box = self._feed(org, feed)
        start = self._number(position) or 0
        if any(seq > start for seq, _at, _m in box.entries):
            return True
        with anyio.move_on_after(max(0.0, timeout)):
            await box.arrived.wait()
        return any(seq > start for seq, _at, _m in box.entries)

    async def connect(self, org: str, feed: int, name: str) -> None:
        self._unconnected.pop((org, feed), None)
        self._unconnected.pop((org, None), None)
        self._connected.setdefault(org, {})[feed] = name

    async def disconnect(self, org: str, feed: int | None, seconds: float) -> None:
        if feed is not None:
            self._connected.get(org, {}).pop(feed, None)
        now = self._clock()
        for stale in [k for k, until in self._unconnected.items() if until <= now]:
            del self._unconnected[stale]
        self._unconnected[(org, feed)] = now + seconds

    async def delivered_to(self, org: str, feed: int, name: str | None) -> None:
        known = self._connected.get(org, {}).get(feed)
        if (name is None and known is not None) or known == name or await self.unconnected(org, feed):
            return
        await self.connect(org, feed, name or known or str(feed))

    async def unconnected(self, org: str, feed: int | None) -> bool:
        return self._unconnected.get((org, feed), 0.0) > self._clock()

    async def connected(self, org: str) -> dict[int, str]:
        return dict(self._connected.get(org, {}))

    async def org_of(self, key: str) -> str | None:
        return self._orgs.get(key)

    async def remember_org(self, key: str, org: str) -> None:
        self._orgs[key] = org

    async def aclose(self) -> None:
        return None


class RedisInbox:
    """Inboxes in Redis: a stream per organisation and feed, a key per delivered ``sourceId`` for dedupe."""

    def __init__(self, url: str, max_items: int, max_age: float) -> None:
        from redis.asyncio import Redis

        self._redis: Redis = Redis.from_url(url, decode_responses=True)
        self._max_items = max_items
        self._max_age = max_age

    @staticmethod
    def _stream(org: str, feed: int) -> str:
        return f"{PREFIX}inbox:{org}:{feed}"

    async def add(self, org: str, feed: int, mention: dict[str, Any]) -> bool:
        seen = f"{PREFIX}seen:{org}:{feed}:{mention.get('sourceId')}"
        if not await self._redis.set(seen, "1", nx=True, ex=max(1, int(self._max_age))):
            return False
        stream = self._stream(org, feed)
        added = str(
            await self._redis.xadd(stream, {"m": json.dumps(mention)}, maxlen=self._max_items, approximate=False)
        )
        # Entry ids are Redis's own clock in ms: age them against it, never against this host's clock.
        oldest = int(added.split("-", 1)[0]) - int(self._max_age * 1000)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xtrim(stream, minid=str(max(0, oldest)), approximate=False)
            pipe.expire(stream, max(1, int(self._max_age)))
            await pipe.execute()
        return True

    async def head(self, org: str, feed: int) -> str:
        last = await self._redis.xrevrange(self._stream(org, feed), count=1)
        return str(last[0][0]) if last else ORIGIN

    async def after(self, org: str, feed: int, position: str, limit: int) -> tuple[list[dict[str, Any]], str]:
        start = position if position != ORIGIN else "0-0"
        rows = await self._redis.xrange(self._stream(org, feed), min=f"({start}", count=limit) or []
        mentions = [json.loads(str(values["m"])) for _id, values in rows if values is not None]
        return mentions, str(rows[-1][0]) if rows else position

    async def skip(self, org: str, feed: int, position: str, count: int) -> str:
        # Stream ids do not count: the skipped entries' ids are read (exact unless trimming removed some of them
        # meanwhile, which happens only at the inbox's bound).
        start = position if position != ORIGIN else "0-0"
        rows = await self._redis.xrange(self._stream(org, feed), min=f"({start}", count=count) or []
        return str(rows[-1][0]) if rows else position

    async def wait(self, org: str, feed: int, position: str, timeout: float) -> bool:
        start = position if position != ORIGIN else "0-0"
        blocked = max(1, int(timeout * 1000))
        answer = await self._redis.xread({self._stream(org, feed): start}, count=1, block=blocked)
        return bool(answer)

    @staticmethod
    def _unconnected_key(org: str, feed: int | None) -> str:
        return f"{PREFIX}unconnected:{org}:{'any' if feed is None else feed}"

    async def connect(self, org: str, feed: int, name: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._unconnected_key(org, feed), self._unconnected_key(org, None))
            pipe.hset(f"{PREFIX}feeds:{org}", str(feed), name)
            await pipe.execute()

    async def disconnect(self, org: str, feed: int | None, seconds: float) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            if feed is not None:
                pipe.hdel(f"{PREFIX}feeds:{org}", str(feed))
            pipe.set(self._unconnected_key(org, feed), "1", ex=max(1, round(seconds)))
            await pipe.execute()

    async def delivered_to(self, org: str, feed: int, name: str | None) -> None:
        # Redis keeps the connected feeds across restarts; a delivery only adds a feed connected some other
        # way (update_feed) or renamed, and only while no recent answer says it is not connected.
        if await self.unconnected(org, feed):
            return
        if name is not None:
            await self._redis.hset(f"{PREFIX}feeds:{org}", str(feed), name)
        else:
            await self._redis.hsetnx(f"{PREFIX}feeds:{org}", str(feed), str(feed))

    async def unconnected(self, org: str, feed: int | None) -> bool:
        return bool(await self._redis.exists(self._unconnected_key(org, feed)))

    async def connected(self, org: str) -> dict[int, str]:
        rows = await self._redis.hgetall(f"{PREFIX}feeds:{org}")
        return {int(feed): str(name) for feed, name in rows.items() if isinstance(feed, str) and feed.isdigit()}

    async def org_of(self, key: str) -> str | None:
        org = await self._redis.get(f"{PREFIX}org:{key}")
        return str(org) if org is not None else None

    async def remember_org(self, key: str, org: str) -> None:
        await self._redis.set(f"{PREFIX}org:{key}", org, ex=ORG_MEMORY)

    async def aclose(self) -> None:
        await self._redis.aclose()
