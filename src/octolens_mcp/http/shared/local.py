"""The in-process tier: what this process knows per API key, shared by every client of that key in it.

Without a Redis URL it is the whole store (``LocalStore``); with one it still holds the in-process
single-flight (so one process sends at most one request per read) and is the fallback while Redis
cannot answer. States are held by the clients bound to them: once no client of a key is left, its
state goes with them.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass

import anyio

from octolens_mcp.http.errors import OctolensError
from octolens_mcp.http.shared.protocol import Binding, Key, key_hash
from octolens_mcp.http.wire import ApiResponse, RateLimit


@dataclass
class Flight:
    """One read in progress in this process; identical reads wait for it instead of sending their own."""

    done: anyio.Event
    response: ApiResponse | None = None
    error: OctolensError | None = None
    followers: int = 0
    """Reads waiting for this one: the answer is copied for them only when there are some."""


class LocalState:
    """One API key's entries, reads in flight, write generation and last stated rate budget."""

    def __init__(self) -> None:
        self.entries: dict[Key, tuple[float, ApiResponse]] = {}
        """Cached answers with the ``time.monotonic()`` they expire at."""
        self.flights: dict[Key, Flight] = {}
        self.generation = 0
        """Bumped by every write, so a read that overlapped one is not stored."""
        self.unshared: set[str] = set()
        """Paths a write changed while the shared store could not be told; it is told before it serves again."""
        self.rate_limit: RateLimit | None = None
        """The latest budget any answer stated; used to fail fast once it is known to be spent."""

    def fresh(self, key: Key) -> ApiResponse | None:
        entry = self.entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]


class LocalStore:
    """The embedded default: every key's state in this process only."""

    def __init__(self) -> None:
        self._states: weakref.WeakValueDictionary[str, LocalState] = weakref.WeakValueDictionary()

    def state(self, api_key: str) -> LocalState:
        ident = key_hash(api_key)
        state = self._states.get(ident)
        if state is None:
            state = self._states[ident] = LocalState()
        return state

    def bind(self, api_key: str) -> Binding:
        return Binding(self.state(api_key), None)

    async def aclose(self) -> None:
        self._states.clear()
