"""One API key's shared state in Redis: cached answers, fetch locks, the write generation, the budget.

Every key lives under ``octolens-mcp:v1:<sha256 of the API key>``; the key itself is never written.
Each operation is one atomic script or command bounded by ``min(op_timeout, time left)``; whatever
goes wrong (an outage, a timeout, a value of the wrong shape) is reported to ``Health`` and raised
as ``SharedUnavailable``, so the caller falls back to the in-process state and the call goes on.

    <ns>:entry:<path>:<query hash>   a cached answer (JSON), expiring after the cache TTL
    <ns>:lock:<path>:<query hash>    the fetch lock of that read: a lease of LEASE_SECONDS its leader renews
                                     (taken over once its leader has missed two renewals)
    <ns>:index:<path>                the entries of a path, for invalidation
    <ns>:generation                  bumped by every write
    <ns>:budget                      "<resetAt> <remaining> <limit>", expiring at its reset
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from octolens_mcp.http.shared import codec, lua
from octolens_mcp.http.shared.health import Health
from octolens_mcp.http.shared.protocol import LEASE_SECONDS, ORPHANED_SECONDS, Claim, Key, SharedUnavailable
from octolens_mcp.http.wire import ApiResponse, RateLimit

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

logger = logging.getLogger("octolens_mcp.http.shared")

T = TypeVar("T")
Arg = bytes | str | int

MAX_ENTRY_BYTES = 8 * 1024 * 1024
"""Largest answer shared; a larger one is cached in this process only."""
LEASE_MS = math.ceil(LEASE_SECONDS * 1000)
"""A lease in milliseconds: a lock has at most this left while its leader lives (a longer one has no owner)."""
ORPHANED_MS = math.floor(ORPHANED_SECONDS * 1000)
GENERATION_MS = 3_600_000
"""How long the write generation outlives the last write (far longer than any read overlapping it)."""
OUTAGES = (RedisConnectionError, RedisTimeoutError, TimeoutError, OSError)


class Scripts:
    """The Lua scripts, registered once per connection pool (sent by hash, reloaded when Redis forgot them)."""

    def __init__(self, redis: Redis) -> None:
        self.claim: AsyncScript = redis.register_script(lua.CLAIM)
        self.store: AsyncScript = redis.register_script(lua.STORE)
        self.release: AsyncScript = redis.register_script(lua.RELEASE)
        self.renew: AsyncScript = redis.register_script(lua.RENEW)
        self.invalidate: AsyncScript = redis.register_script(lua.INVALIDATE)
        self.record_budget: AsyncScript = redis.register_script(lua.RECORD_BUDGET)


class RedisKeyspace:
    def __init__(self, redis: Redis, scripts: Scripts, namespace: str, health: Health, op_timeout: float) -> None:
        self._redis = redis
        self._scripts = scripts
        self._ns = namespace
        self._health = health
        self._op_timeout = op_timeout
        self._generation = f"{namespace}:generation"
        self._budget = f"{namespace}:budget"

    # --- the Keyspace protocol --------------------------------------------------------------------

    async def claim(self, key: Key, token: str, *, deadline: float) -> Claim:
        entry_key, lock_key = self._entry(key), self._lock(key)
        args: list[Arg] = [token, LEASE_MS, ORPHANED_MS]
        keys = [entry_key, lock_key, self._generation]
        result = await self._run("a cached read", lambda: self._scripts.claim(keys=keys, args=args), deadline)
        if not isinstance(result, list) or len(result) != 3 or not all(isinstance(v, (bytes, int)) for v in result):
            raise self._bad("a cached read", codec.BadData("the claim script answered an unexpected shape"))
        entry, lead, generation = result
        if isinstance(entry, bytes) and entry:
            try:
                return Claim(codec.decode_response(entry), False, b"")
            except codec.BadData as exc:
                await self._discard(entry_key, deadline)
                raise self._bad("a cached read", exc) from None
        return Claim(None, lead == 1, generation if isinstance(generation, bytes) else b"")

    async def store(
        self, key: Key, response: ApiResponse, ttl: float, generation: bytes, token: str, *, deadline: float
    ) -> None:
        try:
            payload = codec.encode_response(response)
        except (TypeError, ValueError, RecursionError) as exc:
            await self.release(key, token, deadline=deadline)
            raise self._bad("storing a cached read", exc) from None
        if len(payload) > MAX_ENTRY_BYTES:
            logger.debug("an answer of %d bytes is cached in this process only", len(payload))
            await self.release(key, token, deadline=deadline)
            raise SharedUnavailable("too large to share")
        keys = [self._entry(key), self._lock(key), self._generation, self._index(key[0])]
        args: list[Arg] = [token, generation, payload, max(1, round(ttl * 1000))]
        await self._run("storing a cached read", lambda: self._scripts.store(keys=keys, args=args), deadline)

    async def release(self, key: Key, token: str, *, deadline: float) -> None:
        keys, args = [self._lock(key)], [token]
        await self._run("releasing a read's lock", lambda: self._scripts.release(keys=keys, args=args), deadline)

    async def renew(self, key: Key, token: str, *, deadline: float) -> bool:
        keys = [self._lock(key)]
        args: list[Arg] = [token, LEASE_MS]
        held: Any = await self._run(
            "renewing a read's lock", lambda: self._scripts.renew(keys=keys, args=args), deadline
        )
        return bool(held == 1)

    async def invalidate(self, groups: Iterable[str], *, deadline: float) -> None:
        keys = [self._generation, *(self._index(group) for group in sorted(set(groups)))]
        args: list[Arg] = [GENERATION_MS, f"{self._ns}:entry:"]
        await self._run("dropping cached reads", lambda: self._scripts.invalidate(keys=keys, args=args), deadline)

    async def budget(self, *, deadline: float) -> RateLimit | None:
        raw = await self._run("reading the rate budget", lambda: self._redis.get(self._budget), deadline)
        if raw is None:
            return None
        try:
            return codec.decode_budget(raw if isinstance(raw, bytes) else b"")
        except codec.BadData as exc:
            await self._discard(self._budget, deadline)
            raise self._bad("reading the rate budget", exc) from None

    async def record_budget(self, budget: RateLimit, *, deadline: float) -> None:
        if budget.reset_at is None or budget.remaining is None:
            return  # a budget without a reset or a count says nothing worth sharing
        keys = [self._budget]
        args: list[Arg] = [budget.reset_at, budget.remaining, codec.encode_budget(budget)]
        await self._run(
            "recording the rate budget", lambda: self._scripts.record_budget(keys=keys, args=args), deadline
        )

    # --- plumbing ---------------------------------------------------------------------------------

    def _suffix(self, key: Key) -> str:
        group, request = key
        return f"{group}:{hashlib.sha256(repr(request).encode()).hexdigest()[:32]}"

    def _entry(self, key: Key) -> str:
        return f"{self._ns}:entry:{self._suffix(key)}"

    def _lock(self, key: Key) -> str:
        return f"{self._ns}:lock:{self._suffix(key)}"

    def _index(self, group: str) -> str:
        return f"{self._ns}:index:{group}"

    async def _run(self, operation: str, command: Callable[[], Awaitable[T]], deadline: float) -> T:
        timeout = min(self._op_timeout, deadline - time.monotonic())
        if timeout <= 0:
            raise SharedUnavailable("no time left for the shared store")
        if not self._health.available():
            raise SharedUnavailable("the shared store is cooling down after an outage")
        try:
            with anyio.fail_after(timeout):
                result = await command()
        except OUTAGES as exc:
            self._health.failed(operation, exc, outage=True)
            raise SharedUnavailable(operation) from None
        except Exception as exc:  # a Redis error reply, or anything else: the call goes on without the store
            self._health.failed(operation, exc, outage=False)
            raise SharedUnavailable(operation) from None
        self._health.succeeded()
        return result

    def _bad(self, operation: str, exc: BaseException) -> SharedUnavailable:
        self._health.failed(operation, exc, outage=False)
        return SharedUnavailable(operation)

    async def _discard(self, name: str, deadline: float) -> None:
        """Delete a value that cannot be read, so the next operation starts clean."""
        with contextlib.suppress(SharedUnavailable):
            await self._run("clearing a bad value", lambda: self._delete(name), deadline)

    async def _delete(self, name: str) -> Any:
        return await self._redis.delete(name)
