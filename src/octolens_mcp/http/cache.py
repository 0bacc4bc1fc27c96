"""A short-lived cache of the bounded reference collections agents re-read, with single-flight reads.

Per API key. What is kept, and what a write drops, is declared on the operations: a read of reference
data names its group (``Operation.cache``), and a write the groups it can change (``Operation.changes``:
a keyword delete cascades to feeds and notifications, so it names those too). Entries live ``ttl``
seconds; a write drops its groups before it is sent and again once it is done. Concurrent identical
reads share one upstream request: in this process always, and across replicas when the key's state is
shared (``http.shared``): there, entries live in the shared store, and one read at a time holds a
short lock on each key while the others wait for its entry. Whenever the shared store cannot answer,
the read does what one process alone would do.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Generic, TypeVar

import anyio

from octolens_mcp.http.errors import OctolensError
from octolens_mcp.http.metrics import METRICS
from octolens_mcp.http.shared import Key, Keyspace, LocalState, SharedUnavailable
from octolens_mcp.http.shared.local import Flight
from octolens_mcp.http.shared.protocol import RENEW_SECONDS
from octolens_mcp.http.wire import ApiResponse, WireRequest

K = TypeVar("K")

FIRST_POLL = 0.01
"""Seconds a read waiting for another replica's first checks again; doubled up to ``LAST_POLL``."""
LAST_POLL = 0.1
INVALIDATION_FLOOR = 0.05
"""Seconds the shared invalidation after a write gets even when the call's deadline has passed."""


def _key(group: str, request: WireRequest) -> Key:
    """Entries are found by the group their operation declares (which writes drop), then path and query."""
    query = tuple(sorted((k, repr(v)) for k, v in (request.query or {}).items()))
    return group, (("", request.path), *query)


def _timeout() -> OctolensError:
    return OctolensError("UPSTREAM_TIMEOUT", "The Octolens API did not answer before the deadline.")


class ReadCache:
    def __init__(self, ttl: float, local: LocalState | None = None, shared: Keyspace | None = None) -> None:
        self.ttl = ttl
        self._local = local if local is not None else LocalState()
        self._shared = shared

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    async def invalidate(self, affected: frozenset[str], deadline: float) -> None:
        """Drop the groups a write may change (``affected``, as its operation declares).

        Called before the write is sent and again once it is done: a read that overlapped the write may
        have fetched the state before it, and must neither be stored nor be joined by later readers.
        """
        local = self._local
        local.generation += 1
        for key in [k for k in local.entries if k[0] in affected]:
            del local.entries[key]
        for key in [k for k in local.flights if k[0] in affected]:
            del local.flights[key]
        if self._shared is not None:
            local.unshared |= affected
            # Shielded: a write cancelled after it was sent still drops what it may have changed.
            with anyio.CancelScope(shield=True), contextlib.suppress(SharedUnavailable):
                await self._tell_writes(self._shared, max(deadline, time.monotonic() + INVALIDATION_FLOOR))

    async def _tell_writes(self, shared: Keyspace, deadline: float) -> None:
        """Drop, in the shared store, the entries this process's writes changed; they stay owed until it answers."""
        groups = frozenset(self._local.unshared)
        if groups:
            await shared.invalidate(groups, deadline=deadline)
            self._local.unshared -= groups

    async def read(
        self, group: str, request: WireRequest, fetch: Callable[[], Awaitable[ApiResponse]], deadline: float
    ) -> ApiResponse:
        key = _key(group, request)
        local = self._local
        while True:
            # With a shared store its entries are the ones every replica sees (and drops); this
            # process's own entries serve only while it cannot be reached.
            entry = local.fresh(key) if self._shared is None else None
            if entry is not None:
                METRICS.add("octolens_cache_hits_total")
                return _copy(entry)
            flight = local.flights.get(key)
            if flight is None:
                break
            # A follower keeps its own deadline, whatever the leading read's is.
            flight.followers += 1
            with anyio.move_on_after(max(0.0, deadline - time.monotonic())):
                await flight.done.wait()
            if not flight.done.is_set():
                raise _timeout()
            if flight.error is not None:
                raise flight.error
            if flight.response is not None:
                METRICS.add("octolens_cache_hits_total")
                return _copy(flight.response)
            # The leading read was cancelled: this caller reads for itself.
        flight = local.flights[key] = Flight(anyio.Event())
        generation = local.generation
        try:
            response = await self._lead(key, fetch, deadline, generation)
            if flight.followers:
                # Followers get their own copies of one the caller cannot reach.
                flight.response = _copy(response)
            return response
        except OctolensError as error:
            flight.error = error
            raise
        finally:
            if local.flights.get(key) is flight:
                del local.flights[key]
            flight.done.set()

    async def _lead(
        self, key: Key, fetch: Callable[[], Awaitable[ApiResponse]], deadline: float, generation: int
    ) -> ApiResponse:
        if self._shared is not None:
            try:
                return await self._shared_read(self._shared, key, fetch, deadline, generation)
            except SharedUnavailable:
                entry = self._local.fresh(key)
                if entry is not None:
                    METRICS.add("octolens_cache_hits_total")
                    return _copy(entry)
        response = await fetch()
        self._keep(key, response, generation)
        return response

    async def _shared_read(
        self,
        shared: Keyspace,
        key: Key,
        fetch: Callable[[], Awaitable[ApiResponse]],
        deadline: float,
        generation: int,
    ) -> ApiResponse:
        """The entry every replica shares, else fetch it under the key's lock, else wait for whoever holds it.

        Raises ``SharedUnavailable`` only before anything was fetched: the caller then reads for itself.
        """
        # Entries a write of this process changed while the store was unreachable must go before any is served.
        await self._tell_writes(shared, deadline)
        token = secrets.token_hex(16)
        pause = FIRST_POLL
        claim = await shared.claim(key, token, deadline=deadline)
        self._local.entries.pop(key, None)  # the store answers again: this process's own copy is done with
        while claim.entry is None and not claim.lead:
            # Another replica is fetching it: wait for its entry, or for its lock to go (then lead).
            left = deadline - time.monotonic()
            if left <= 0:
                raise _timeout()
            await anyio.sleep(min(pause, left))
            pause = min(pause * 2, LAST_POLL)
            if time.monotonic() >= deadline:
                raise _timeout()
            claim = await shared.claim(key, token, deadline=deadline)
        if claim.entry is not None:
            METRICS.add("octolens_cache_hits_total")
            return claim.entry
        try:
            response = await _leased(shared, key, token, deadline, fetch)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await _quietly(shared.release(key, token, deadline=deadline))
            raise
        if generation != self._local.generation:
            # A write in this process overlapped the read: nobody may be served what it fetched.
            await _quietly(shared.release(key, token, deadline=deadline))
        else:
            try:
                await shared.store(key, response, self.ttl, claim.generation, token, deadline=deadline)
            except SharedUnavailable:
                self._keep(key, response, generation)
        return response

    def _keep(self, key: Key, response: ApiResponse, generation: int) -> None:
        if generation == self._local.generation:
            # The caller gets the response itself; the cache keeps its own copy, so nothing the
            # caller does to the body can change what later reads are served.
            self._local.entries[key] = (time.monotonic() + self.ttl, _copy(response))


async def _leased(
    shared: Keyspace, key: Key, token: str, deadline: float, fetch: Callable[[], Awaitable[ApiResponse]]
) -> ApiResponse:
    """``fetch()`` while renewing the key's lock, so that it lasts as long as the read and not a lease longer."""
    outcome: list[ApiResponse | Exception] = []
    async with anyio.create_task_group() as group:
        group.start_soon(_renew, shared, key, token, deadline)
        try:
            outcome.append(await fetch())
        except Exception as exc:  # raised below, outside the group, as it is (not in an exception group)
            outcome.append(exc)
        group.cancel_scope.cancel()
    (done,) = outcome
    if isinstance(done, Exception):
        raise done
    return done


async def _renew(shared: Keyspace, key: Key, token: str, deadline: float) -> None:
    """Every ``RENEW_SECONDS``, extend the lock; stop once it is lost or the store cannot answer (it is then
    taken over, or expires)."""
    while True:
        await anyio.sleep(RENEW_SECONDS)
        try:
            if not await shared.renew(key, token, deadline=max(deadline, time.monotonic() + RENEW_SECONDS)):
                return
        except SharedUnavailable:
            return


async def _quietly(operation: Awaitable[None]) -> None:
    with contextlib.suppress(SharedUnavailable):
        await operation


def _copy(response: ApiResponse) -> ApiResponse:
    return replace(response, body=_json_copy(response.body), cached=True)


def _json_copy(value: Any) -> Any:
    """A copy of parsed JSON (no cycles, depth bounded when parsed), several times faster than deepcopy."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value  # str, int, float, bool, None: immutable


class _Recent(Generic[K]):
    """Answers kept a short while, by key: bounded (least recently kept go first), aged, served as copies.

    An answer is kept as it is given, not copied: the caller hands it over and changes it no more (the call
    path builds new values from a validated answer, never changing it in place).
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._entries: OrderedDict[K, tuple[float, dict[str, Any]]] = OrderedDict()

    def keep(self, key: K, answer: dict[str, Any]) -> None:
        self._entries.pop(key, None)
        self._entries[key] = (time.monotonic(), answer)
        while len(self._entries) > self._limit:
            self._entries.popitem(last=False)

    def recall(self, key: K, max_age: float) -> dict[str, Any] | None:
        """The answer kept for ``key`` at most ``max_age`` seconds ago, as a copy; None otherwise."""
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > max_age:
            return None
        copy: dict[str, Any] = _json_copy(entry[1])
        return copy

    def drop(self, which: Callable[[K], bool]) -> None:
        for key in [key for key in self._entries if which(key)]:
            del self._entries[key]


class Facts:
    """What answers stated about items, by kind and identity, per API key.

    - Facts that never change once stated (a mention's id and timestamp): kept until the least recently
      used items beyond ``limit`` are forgotten.
    - Whole records, briefly (``recall``): a mention listed a moment ago answers a read of that mention
      alone for a short while, unless a write of ours may have changed it (``forget``).
    - List pages a result was cut inside, briefly, by the request that read them: their resume reads them.
    """

    def __init__(self, limit: int = 20_000, records: int = 2_000, pages: int = 8) -> None:
        self._limit = limit
        self._known: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._records: _Recent[tuple[str, str]] = _Recent(records)
        self._pages: _Recent[str] = _Recent(pages)

    def keep_page(self, request: str, answer: dict[str, Any]) -> None:
        self._pages.keep(request, answer)

    def recall_page(self, request: str, max_age: float) -> dict[str, Any] | None:
        return self._pages.recall(request, max_age)

    def keep(self, kind: str, identity: str, record: dict[str, Any]) -> None:
        """``record`` as an answer stated it just now (kept as given: the caller changes it no more)."""
        self._records.keep((kind, identity), record)

    def recall(self, kind: str, identity: str, max_age: float) -> dict[str, Any] | None:
        return self._records.recall((kind, identity), max_age)

    def forget(self, kinds: frozenset[str]) -> None:
        """Drop the records of ``kinds`` (a write may have changed them); immutable facts stay."""
        self._records.drop(lambda key: key[0] in kinds)

    def remember(self, kind: str, identity: str, facts: dict[str, Any]) -> None:
        key = (kind, identity)
        self._known[key] = {**self._known.pop(key, {}), **facts}
        while len(self._known) > self._limit:
            self._known.popitem(last=False)

    def known(self, kind: str, identity: str) -> dict[str, Any]:
        facts = self._known.get((kind, identity))
        if facts is None:
            return {}
        self._known.move_to_end((kind, identity))
        return dict(facts)
