"""State the clients of one organization share: the reference-data cache, single-flight reads, the rate budget.

``open_store`` is called once per process and its store handed to every client: in this process only
(the default), or in Redis when ``OCTOLENS_REDIS_URL`` is set, so every replica shares one budget and
one cache, and falls back to its own while Redis cannot answer.
"""

from __future__ import annotations

from octolens_mcp.http.shared.local import LocalState, LocalStore
from octolens_mcp.http.shared.protocol import (
    Binding,
    Claim,
    Key,
    Keyspace,
    SharedStore,
    SharedUnavailable,
    namespace,
    organization_identity,
)


def open_store(redis_url: str | None) -> SharedStore:
    """The process's store: in Redis at ``redis_url``, else in this process. Close it with ``aclose()``."""
    if redis_url is None:
        return LocalStore()
    from octolens_mcp.http.shared.redis_store import RedisStore

    return RedisStore(redis_url)


__all__ = [
    "Binding",
    "Claim",
    "Key",
    "Keyspace",
    "LocalState",
    "LocalStore",
    "SharedStore",
    "SharedUnavailable",
    "namespace",
    "open_store",
    "organization_identity",
]
