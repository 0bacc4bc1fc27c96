"""What the reference-data cache and the client ask of the state they share, wherever it lives.

A ``SharedStore`` is made once per process and binds each API key to its state: the in-process tier
(``LocalState``, always there) and, when a Redis URL is configured, a ``Keyspace`` every replica
reaches. Keyspace calls raise ``SharedUnavailable`` whenever they cannot answer (an outage, a slow
server, bad data, no time left); the caller then does what one process alone would do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from octolens_mcp.http.shared.local import LocalState
    from octolens_mcp.http.wire import ApiResponse, RateLimit

Key = tuple[str, tuple[tuple[str, str], ...]]
"""A cached read: its path and its sorted query."""

NAMESPACE_PREFIX = "octolens-mcp:v1"
LEASE_SECONDS = 1.0
"""How long a fetch lock lasts unless its leader renews it (every ``RENEW_SECONDS`` while its read goes on).
Should the leader's process die, or lose Redis, or Redis restart with the lock in a snapshot, the lock is
gone within this time: a lock never outlives its owner by more than a lease."""
RENEW_SECONDS = LEASE_SECONDS / 3
ORPHANED_SECONDS = LEASE_SECONDS - 2 * RENEW_SECONDS
"""A lock with less than this left has missed two renewals: its owner is gone, and the next reader to find
it takes it over instead of waiting for it to expire (a leader may be late with a renewal by up to
``RENEW_SECONDS``). So readers wait for a gone owner at most ``LEASE_SECONDS - ORPHANED_SECONDS`` (⅔ s)."""


class SharedUnavailable(Exception):
    """The shared tier could not answer this operation; fall back to the in-process state."""


def key_hash(api_key: str) -> str:
    """What stands for an API key wherever state is kept: its SHA-256, never the key."""
    return hashlib.sha256(api_key.encode("utf-8", "surrogatepass")).hexdigest()


def organization_identity(organization: str) -> str:
    """What an organization's budget is bound under in a store, in place of a key (``bind``).

    No API key looks like it, so an organization's state never meets a key's.
    """
    return f"organization:{organization}"


def namespace(api_key: str) -> str:
    """The prefix of every shared key that belongs to ``api_key``'s organization."""
    return f"{NAMESPACE_PREFIX}:{key_hash(api_key)}"


@dataclass(frozen=True)
class Claim:
    """The answer to "is it cached, and if not, may I fetch it?"."""

    entry: ApiResponse | None
    """The cached answer, when there is one."""
    lead: bool
    """No entry, and this caller now holds the key's fetch lock: it fetches and stores."""
    generation: bytes
    """The write generation when the lock was taken; the entry is stored only if it is unchanged."""


class Keyspace(Protocol):
    """One API key's state in a store every replica reaches. Each call ends before ``deadline``."""

    async def claim(self, key: Key, token: str, *, deadline: float) -> Claim: ...

    async def store(
        self, key: Key, response: ApiResponse, ttl: float, generation: bytes, token: str, *, deadline: float
    ) -> None:
        """Keep ``response`` for ``ttl`` seconds unless a write bumped the generation; release the lock."""
        ...

    async def release(self, key: Key, token: str, *, deadline: float) -> None: ...

    async def renew(self, key: Key, token: str, *, deadline: float) -> bool:
        """Extend the fetch lock by one lease while this caller holds it; False when it no longer does."""
        ...

    async def invalidate(self, groups: Iterable[str], *, deadline: float) -> None:
        """Drop the entries of ``groups`` and bump the generation, so overlapping reads are not stored."""
        ...

    async def budget(self, *, deadline: float) -> RateLimit | None: ...

    async def record_budget(self, budget: RateLimit, *, deadline: float) -> None:
        """Remember ``budget`` until its reset, unless a newer one (later reset, or fewer left) is known."""
        ...


@dataclass(frozen=True)
class Binding:
    """One API key's state: in this process, and in the shared store when there is one."""

    local: LocalState
    shared: Keyspace | None


class SharedStore(Protocol):
    """Made once per process, handed to every client, closed once."""

    def bind(self, api_key: str) -> Binding: ...

    async def aclose(self) -> None: ...
