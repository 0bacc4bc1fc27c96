"""Inbox updates, told to the agents that asked: across replicas, and only within an organisation.

A stored delivery is announced as (organisation, feed). ``Relay`` tells this process's consumers at once
and, with Redis, publishes it on one channel; every other process sharing that Redis (replicas of the team
server, a stdio server given the same ``OCTOLENS_REDIS_URL``) hears it on its one subscriber connection,
started when something first listens and reconnecting after an outage, and tells its own consumers. A
Redis that is down loses announcements to other processes, never a delivery or a call.

Two consumers:

- ``OrgBus``: the ``SubscriptionBus`` of ``subscriptions/listen`` streams (protocol 2026-07-28). A stream
  belongs to the organisation of the key that opened it (``listening_as``) and hears only that
  organisation's inbox updates; list changes, the server's own, reach every stream.
- ``SessionSubscriptions``: a stdio session's ``resources/subscribe`` URIs (revisions up to 2025-11-25),
  announced on the session as ``notifications/resources/updated``.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel
from mcp.server.subscriptions import ResourceUpdated, ServerEvent

from octolens_mcp.webhooks import resource

if TYPE_CHECKING:
    from anyio.abc import TaskGroup
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)

CHANNEL = "octolens-mcp:webhooks:updated"
"""The Redis channel (suffixed with the database number: channels are server-wide, keys are not)."""
PUBLISH_TIMEOUT = 2.0
"""Seconds a publish may take before the announcement to other processes is given up (the delivery stays)."""
RETRY_FIRST, RETRY_MOST = 0.5, 30.0
"""Seconds before resubscribing after the subscriber connection is lost, doubling up to the most."""
HEALTH_EVERY = 15
"""Seconds of silence after which the subscriber connection is pinged (a dead one then fails and is replaced)."""
MAX_ORG = 200
MAX_SUBSCRIBED = 100
"""Inbox URIs one stdio session may subscribe to at once."""

Consumer = Callable[[str, int], None]
"""Told (organisation, feed) of each stored delivery; synchronous and must not raise."""


class Relay:
    """Announces stored deliveries to this process's consumers and, with Redis, to every other process's."""

    def __init__(self, redis_url: str | None) -> None:
        self._url = redis_url
        self._consumers: dict[object, Consumer] = {}
        self._redis: Redis | None = None
        self._origin = secrets.token_hex(8)
        self._running = False
        self._ready = anyio.Event()

    def consume(self, consumer: Consumer) -> Callable[[], None]:
        """Register ``consumer``; returns an idempotent unregister."""
        token = object()
        self._consumers[token] = consumer

        def unregister() -> None:
            self._consumers.pop(token, None)

        return unregister

    def _client(self) -> Redis:
        if self._redis is None:
            from redis.asyncio import Redis

            self._redis = Redis.from_url(
                self._url or "",
                decode_responses=True,
                socket_connect_timeout=5,
                socket_keepalive=True,
                health_check_interval=HEALTH_EVERY,
            )
        return self._redis

    def _channel(self) -> str:
        db = self._client().connection_pool.connection_kwargs.get("db", 0)
        return f"{CHANNEL}:{db}"

    def _tell(self, org: str, feed: int) -> None:
        for consumer in list(self._consumers.values()):
            try:
                consumer(org, feed)
            except Exception:  # fan-out boundary: one consumer must not starve the others
                logger.exception("an inbox update consumer raised; continuing")

    async def publish(self, org: str, feed: int) -> None:
        """Announce a stored delivery: here at once, elsewhere through Redis. Never raises for Redis."""
        self._tell(org, feed)
        if self._url:
            message = json.dumps({"o": org, "f": feed, "p": self._origin})
            with anyio.move_on_after(PUBLISH_TIMEOUT) as scope:
                try:
                    await self._client().publish(self._channel(), message)
                except Exception as error:  # Redis down: the other processes miss this one, nothing fails
                    logger.warning("an inbox update was not relayed to other replicas: %s", type(error).__name__)
            if scope.cancelled_caught:
                logger.warning("an inbox update was not relayed to other replicas: Redis did not answer in time")
        await anyio.lowlevel.checkpoint()

    def start(self, group: TaskGroup) -> None:
        """Start the subscriber in ``group`` unless it runs (or there is no Redis): done when something listens."""
        if self._url and not self._running:
            self._running = True
            group.start_soon(self._subscribe)

    async def ready(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the subscriber to be subscribed; whether it is."""
        if not self._url:
            return True
        with anyio.move_on_after(timeout):
            await self._ready.wait()
        return self._ready.is_set()

    async def _subscribe(self) -> None:
        delay = RETRY_FIRST
        try:
            while True:
                pubsub = self._client().pubsub(ignore_subscribe_messages=True)
                try:
                    await pubsub.subscribe(self._channel())
                    self._ready.set()
                    delay = RETRY_FIRST
                    while True:
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=HEALTH_EVERY)
                        if message is not None and message.get("type") == "message":
                            self._heard(message.get("data"))
                except Exception as error:  # the connection is gone: a new one, after a pause
                    logger.warning("inbox updates from other replicas paused (%s); resubscribing", type(error).__name__)
                finally:
                    if self._ready.is_set():
                        self._ready = anyio.Event()
                    with anyio.CancelScope(shield=True), anyio.move_on_after(1):
                        await pubsub.aclose()  # type: ignore[no-untyped-call]
                await anyio.sleep(delay)
                delay = min(delay * 2, RETRY_MOST)
        finally:
            self._running = False

    def _heard(self, data: Any) -> None:
        """A message from the channel: told here unless this process sent it (it told its consumers itself)."""
        try:
            fields = json.loads(data) if isinstance(data, str) else None
        except ValueError:
            fields = None
        if not isinstance(fields, dict) or fields.get("p") == self._origin:
            return
        org, feed = fields.get("o"), fields.get("f")
        if isinstance(org, str) and 0 < len(org) <= MAX_ORG and isinstance(feed, int) and not isinstance(feed, bool):
            self._tell(org, feed)

    async def aclose(self) -> None:
        redis, self._redis = self._redis, None
        if redis is not None:
            await redis.aclose()


_LISTENING_AS: ContextVar[str | None] = ContextVar("octolens_listening_as", default=None)


@contextmanager
def listening_as(org: str | None) -> Iterator[None]:
    """Listen streams opened inside the block belong to ``org`` (None: to no organisation)."""
    token = _LISTENING_AS.set(org)
    try:
        yield
    finally:
        _LISTENING_AS.reset(token)


class OrgBus:
    """A ``SubscriptionBus`` whose listeners each belong to the organisation their stream was opened as.

    ``publish`` reaches every listener; ``publish_to`` only one organisation's. It holds one entry per open
    stream, removed when the stream ends.
    """

    def __init__(self) -> None:
        self._listeners: dict[object, tuple[str | None, Callable[[ServerEvent], None]]] = {}

    async def publish(self, event: ServerEvent) -> None:
        self._tell(None, event)
        await anyio.lowlevel.checkpoint()

    def publish_to(self, org: str, event: ServerEvent) -> None:
        self._tell(org, event)

    def _tell(self, org: str | None, event: ServerEvent) -> None:
        for owner, listener in list(self._listeners.values()):
            if org is not None and owner != org:
                continue
            try:
                listener(event)
            except Exception:  # fan-out boundary, as the SDK's bus
                logger.exception("subscription listener raised; continuing")

    def subscribe(self, listener: Callable[[ServerEvent], None]) -> Callable[[], None]:
        token = object()
        self._listeners[token] = (_LISTENING_AS.get(), listener)

        def unsubscribe() -> None:
            self._listeners.pop(token, None)

        return unsubscribe

    def inbox_updated(self, org: str, feed: int) -> None:
        """A ``Relay`` consumer: the organisation's streams that asked for the inbox hear it."""
        self.publish_to(org, ResourceUpdated(uri=resource.uri(feed)))


class SessionSubscriptions:
    """One stdio session's subscribed inbox URIs (its key's organisation's), announced on the session.

    A consumer marks an updated URI pending; ``run`` sends each pending one once, so a client that reads slowly
    holds at most one notification per subscribed URI, never a growing backlog.
    """

    def __init__(self, org: str, send: Callable[[str], Awaitable[None]]) -> None:
        self.org = org
        self.uris: set[str] = set()
        self._send = send
        self._pending: set[str] = set()
        self._wake = anyio.Event()

    def add(self, uri: str) -> bool:
        """Subscribe ``uri``; False when the session already holds the most."""
        if uri not in self.uris and len(self.uris) >= MAX_SUBSCRIBED:
            return False
        self.uris.add(uri)
        return True

    def remove(self, uri: str) -> None:
        self.uris.discard(uri)
        self._pending.discard(uri)

    def inbox_updated(self, org: str, feed: int) -> None:
        """A ``Relay`` consumer."""
        uri = resource.uri(feed)
        if org == self.org and uri in self.uris:
            self._pending.add(uri)
            self._wake.set()

    async def run(self) -> None:
        """Send the pending notifications until cancelled (the session's end)."""
        while True:
            await self._wake.wait()
            self._wake = anyio.Event()
            while self._pending:
                uri = self._pending.pop()
                try:
                    await self._send(uri)
                except Exception as error:  # the session is going away; its lifespan ends this task
                    logger.debug("could not announce %s: %s", uri, type(error).__name__)
