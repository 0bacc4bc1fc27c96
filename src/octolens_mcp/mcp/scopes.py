"""What each API key may do, learned from ``GET /auth`` once per key, so tools it cannot use are not offered.

A key is asked about only after one of its tool calls was answered (2xx): a token that never worked costs
no request, and listing tools never sends one. An answer is kept for the process's lifetime; only a failed
lookup is tried again, a few times at most, each after a later call of the key was answered.

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
RETRY_AFTER = 60.0
"""Seconds before a failed lookup may be tried again."""
MAX_FAILURES = 3
"""Failed lookups after which a key is not asked about again (its scope stays unknown: every tool offered)."""
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
        self._known: dict[str, str | None] = {}
        """Keys whose ``GET /auth`` was answered, and the scope it named (None: none)."""
        self._failed: dict[str, tuple[float, int]] = {}
        """Keys whose lookups failed: when one may be tried again, and how many failed."""
        self._looking: set[str] = set()

    def scope(self, key_id: str) -> str | None:
        if self._fixed is not None:
            return self._fixed
        return self._known.get(key_id)

    def needs_lookup(self, key_id: str) -> bool:
        if self._fixed is not None or key_id in self._looking or key_id in self._known:
            return False
        failed = self._failed.get(key_id)
        return failed is None or (failed[1] < MAX_FAILURES and failed[0] <= time.monotonic())

    async def learn(self, key_id: str, lookup: Lookup) -> bool:
        """Ask ``lookup`` (``GET /auth``) for the key's scope; whether what is offered to it changed."""
        if not self.needs_lookup(key_id):
            return False
        self._looking.add(key_id)
        try:
            with anyio.fail_after(15):
                scope = scope_of(await lookup())
        except Exception as exc:  # the lookup is advisory: any failure leaves every tool offered
            logger.info("could not learn the key's scope from GET /auth: %s", type(exc).__name__)
            failures = self._failed.pop(key_id, (0.0, 0))[1] + 1
            self._failed[key_id] = (time.monotonic() + RETRY_AFTER, failures)
            _bound(self._failed)
            return False
        finally:
            self._looking.discard(key_id)
        self._failed.pop(key_id, None)
        self._known[key_id] = scope
        _bound(self._known)
        return scope is not None


def _bound(table: dict[str, Any]) -> None:
    """Forget the oldest keys beyond ``MAX_KEYS`` (a forgotten key is asked again after its next answered call)."""
    while len(table) > MAX_KEYS:
        del table[next(iter(table))]
