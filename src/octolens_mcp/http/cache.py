"""A short-lived cache of the bounded reference collections agents re-read, with single-flight reads.

Per client, and so per API key. Entries live ``ttl`` seconds; any write through the same client
first drops the entries its resource can change (a keyword delete cascades to feeds and
notifications, so it drops those too). Concurrent identical reads share one upstream request.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

import anyio

from octolens_mcp.http.errors import OctolensError
from octolens_mcp.http.wire import ApiResponse, WireRequest

CACHEABLE_PATHS = frozenset(
    {
        "/tags",
        "/keywords",
        "/feeds",
        "/notifications",
        "/org",
        "/org/usage",
        "/org/company",
        "/org/members",
        "/org/members/invitations",
        "/filters/global",
        "/integrations/slack",
    }
)

# A write under the prefix (first match) can change these cached paths; an unknown write drops everything.
_INVALIDATES: tuple[tuple[str, frozenset[str]], ...] = (
    ("/keywords", frozenset({"/keywords", "/feeds", "/notifications", "/org/usage"})),
    ("/feeds", frozenset({"/feeds", "/notifications"})),
    ("/notifications", frozenset({"/notifications", "/feeds"})),
    ("/org/company", frozenset({"/org/company"})),
    ("/org/members", frozenset({"/org/members", "/org/members/invitations"})),
    ("/org/upgrade-link", frozenset()),
    ("/org", frozenset({"/org"})),
    ("/filters/global", frozenset({"/filters/global"})),
    ("/search", frozenset({"/org/usage"})),
    ("/mentions", frozenset()),
    ("/feedback", frozenset()),
)

Key = tuple[str, tuple[tuple[str, str], ...]]


def _key(request: WireRequest) -> Key:
    query = tuple(sorted((k, repr(v)) for k, v in (request.query or {}).items()))
    return request.path, query


@dataclass
class _Flight:
    done: anyio.Event
    response: ApiResponse | None = None
    error: OctolensError | None = None


class ReadCache:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[Key, tuple[float, ApiResponse]] = {}
        self._flights: dict[Key, _Flight] = {}
        self._generation = 0

    def cacheable(self, request: WireRequest) -> bool:
        return self.ttl > 0 and request.method == "GET" and request.path in CACHEABLE_PATHS

    def invalidate_for(self, request: WireRequest) -> None:
        """Drop what a write to ``request.path`` may change.

        Called before the write is sent and again once it is done: a read that overlapped the write may
        have fetched the state before it, and must neither be stored nor be joined by later readers.
        """
        self._generation += 1
        affected = next((paths for prefix, paths in _INVALIDATES if request.path.startswith(prefix)), None)
        for key in [k for k in self._entries if affected is None or k[0] in affected]:
            del self._entries[key]
        for key in [k for k in self._flights if affected is None or k[0] in affected]:
            del self._flights[key]

    async def read(
        self, request: WireRequest, fetch: Callable[[], Awaitable[ApiResponse]], deadline: float
    ) -> ApiResponse:
        key = _key(request)
        while True:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > time.monotonic():
                return _copy(entry[1])
            flight = self._flights.get(key)
            if flight is None:
                break
            # A follower keeps its own deadline, whatever the leading read's is.
            with anyio.move_on_after(max(0.0, deadline - time.monotonic())):
                await flight.done.wait()
            if not flight.done.is_set():
                raise OctolensError("UPSTREAM_TIMEOUT", "The Octolens API did not answer before the deadline.")
            if flight.error is not None:
                raise flight.error
            if flight.response is not None:
                return _copy(flight.response)
            # The leading read was cancelled: this caller reads for itself.
        flight = _Flight(anyio.Event())
        self._flights[key] = flight
        generation = self._generation
        try:
            response = await fetch()
            flight.response = response
            if generation == self._generation:
                # The caller gets the response itself; the cache keeps its own copy, so nothing the
                # caller does to the body can change what later reads are served.
                self._entries[key] = (time.monotonic() + self.ttl, _copy(response))
            return response
        except OctolensError as error:
            flight.error = error
            raise
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
            flight.done.set()


def _copy(response: ApiResponse) -> ApiResponse:
    return replace(response, body=copy.deepcopy(response.body), cached=True)
