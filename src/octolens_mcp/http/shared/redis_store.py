"""The store behind ``OCTOLENS_REDIS_URL``: one connection pool per process, shared by every key's client.

Imported only when a Redis URL is configured, so a server without one never loads ``redis``.
"""

from __future__ import annotations

import logging

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from octolens_mcp.http.shared.health import Health
from octolens_mcp.http.shared.keyspace import RedisKeyspace, Scripts
from octolens_mcp.http.shared.local import LocalStore
from octolens_mcp.http.shared.protocol import Binding, namespace

logger = logging.getLogger("octolens_mcp.http.shared")

OP_TIMEOUT = 0.5
"""Longest one Redis operation may take (less when the call has less time left)."""
COOLDOWN = 2.0
"""Seconds the store is left alone after an outage before it is tried again."""
MAX_CONNECTIONS = 64
"""Connections the process opens to Redis at most; an operation waits for one within its timeout."""


class RedisStore:
    def __init__(self, url: str, *, op_timeout: float = OP_TIMEOUT, cooldown: float = COOLDOWN) -> None:
        # No retries inside redis-py: a failed operation falls back at once, and the cooldown paces retries.
        self._pool = BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=op_timeout,
            socket_timeout=op_timeout,
            socket_connect_timeout=op_timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self._redis = Redis(connection_pool=self._pool)
        self._scripts = Scripts(self._redis)
        self._health = Health(cooldown=cooldown)
        self._local = LocalStore()
        self._op_timeout = op_timeout
        logger.info("sharing the cache, rate budget and single-flight reads through Redis")

    def bind(self, api_key: str) -> Binding:
        shared = RedisKeyspace(self._redis, self._scripts, namespace(api_key), self._health, self._op_timeout)
        return Binding(self._local.state(api_key), shared)

    async def aclose(self) -> None:
        await self._redis.aclose()
        await self._pool.disconnect()
        await self._local.aclose()
