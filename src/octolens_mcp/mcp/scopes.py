"""What each API key may do, learned from ``GET /auth`` once per key, so tools it cannot use are not offered.

The reference leaves the answer's shape open (§5.15; ``catalog.scope_names`` reads every shape). Scopes
are cumulative (read < write < admin), so the highest one named decides. An answer naming none, or a
failed request, leaves the key's scope unknown, and every tool stays offered: the API's own 403 is the
last word.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from octolens_mcp.catalog.scope_names import all_scope_names

logger = logging.getLogger(__name__)

RANK = {"read": 0, "write": 1, "admin": 2}
KNOWN_FOR = 600.0
"""Seconds a learned scope is trusted before ``GET /auth`` is asked again (scopes are live)."""
RETRY_AFTER = 60.0
"""Seconds before a failed lookup is tried again."""
MAX_KEYS = 4096

Lookup = Callable[[], Awaitable[Any]]


def scope_of(body: Any) -> str | None:
    """The highest scope a ``GET /auth`` answer names anywhere, or None."""
    ranked = [name.lower() for name in all_scope_names(body) if name.lower() in RANK]
    return max(ranked, key=RANK.__getitem__) if ranked else None


def allows(scope: str | None, needed: str) -> bool:
    """Whether a key of ``scope`` (None: unknown) may call a tool that needs ``needed``."""
    return scope is None or RANK.get(needed, 0) <= RANK[scope]


class ScopeBook:
    """Each key's scope, by key identity (a hash, never the key); lookups run in the background."""

    def __init__(self, *, fixed: str | None = None) -> None:
        self._fixed = fixed
        """A scope every key has (demo mode acts as an admin key); no lookups then."""
        self._known: dict[str, tuple[float, str | None]] = {}
        self._looking: set[str] = set()

    def scope(self, key_id: str) -> str | None:
        if self._fixed is not None:
            return self._fixed
        entry = self._known.get(key_id)
        return entry[1] if entry is not None else None

    def needs_lookup(self, key_id: str) -> bool:
        if self._fixed is not None or key_id in self._looking:
            return False
        entry = self._known.get(key_id)
        return entry is None or entry[0] <= time.monotonic()

    async def learn(self, key_id: str, lookup: Lookup) -> bool:
        """Ask ``lookup`` (``GET /auth``) for the key's scope; whether what is offered to it changed."""
        if not self.needs_lookup(key_id):
            return False
        self._looking.add(key_id)
        before = self.scope(key_id)
        try:
            with anyio.fail_after(15):
                scope = scope_of(await lookup())
            expires = time.monotonic() + (KNOWN_FOR if scope is not None else RETRY_AFTER)
        except Exception as exc:  # the lookup is advisory: any failure leaves every tool offered
            logger.info("could not learn the key's scope from GET /auth: %s", type(exc).__name__)
            scope, expires = before, time.monotonic() + RETRY_AFTER
        finally:
            self._looking.discard(key_id)
        if len(self._known) >= MAX_KEYS and key_id not in self._known:
            del self._known[next(iter(self._known))]
        self._known[key_id] = (expires, scope)
        return scope != before
