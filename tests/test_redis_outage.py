"""When Redis does not hold up: a lock's owner gone, a restart under load, an outage a caller must not hear of."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator

import anyio
import pytest
from mcp_types import LoggingMessageNotificationParams
from redis.asyncio import Redis

from octolens_mcp.http.cache import _key
from octolens_mcp.http.client import OctolensClient
from octolens_mcp.http.errors import OctolensError
from octolens_mcp.http.shared.protocol import LEASE_SECONDS
from octolens_sandbox import FaultySandbox
from tests.conftest import CANARY_KEY
from tests.http_harness import KeyedUpstream, free_port, http_settings, mcp_session, running
from tests.redis_server import RedisServer
from tests.test_shared_state import CACHE_GROUP, FEEDS, KEYWORDS, Upstream, client, get, replica

pytestmark = pytest.mark.anyio


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


async def test_a_lock_whose_owner_is_gone_holds_readers_back_at_most_one_lease(redis: RedisServer) -> None:
    upstream = Upstream()
    async with replica(redis.url) as one, replica(redis.url) as two:
        # Replica one takes the read's lock and dies: it never fetches, renews nor releases.
        shared = one.bind(CANARY_KEY).shared
        assert shared is not None
        token, key = secrets.token_hex(16), _key(CACHE_GROUP["/feeds"], FEEDS)
        claim = await shared.claim(key, token, deadline=time.monotonic() + 30)  # a leader with time to spare
        assert claim.lead
        start = time.monotonic()
        response = await get(client(two, upstream), FEEDS, within=8.0)
        waited = time.monotonic() - start
    assert response.status == 200 and not response.cached
    assert waited < LEASE_SECONDS + 0.5, f"the reader went on alone after {waited:.2f}s"
    assert upstream.hits["GET /feeds"] == 1


async def test_a_leader_slower_than_a_lease_keeps_its_lock_and_reads_once(redis: RedisServer) -> None:
    upstream = Upstream()
    upstream.latency = LEASE_SECONDS * 1.8
    async with replica(redis.url) as one, replica(redis.url) as two:
        a, b = client(one, upstream), client(two, upstream)
        async with anyio.create_task_group() as group:
            group.start_soon(lambda: get(a, FEEDS, within=10.0))  # a first attempt gets half the time
            await anyio.sleep(0.1)
            assert (await get(b, FEEDS, within=8.0)).cached, "the follower waited for the renewed lock's entry"
        assert upstream.hits["GET /feeds"] == 1


async def test_a_redis_restart_under_load_costs_no_call_more_than_a_second(redis: RedisServer) -> None:
    upstream = Upstream()
    upstream.latency = 0.02
    durations: list[float] = []
    errors: list[str] = []
    stop = anyio.Event()

    async def reader(api: OctolensClient) -> None:
        while not stop.is_set():
            start = time.monotonic()
            try:
                await get(api, KEYWORDS, within=5.0)
            except OctolensError as error:
                errors.append(error.code)
            durations.append(time.monotonic() - start)
            await anyio.sleep(0.005)

    async with replica(redis.url) as one, replica(redis.url) as two:
        clients = [
            OctolensClient(
                base_url="https://app.octolens.test/api/v2",
                api_key=CANARY_KEY,
                transport=upstream.transport(),
                store=store,
                cache_ttl=0.1,  # entries expire all the time: reads keep taking locks
            )
            for store in (one, two)
            for _ in range(6)
        ]
        async with anyio.create_task_group() as group:
            for api in clients:
                group.start_soon(reader, api)
            await anyio.sleep(0.7)
            # Saved first, as a Redis with persistence does on shutdown: the locks held now come back with it.
            async with Redis.from_url(redis.url) as direct:
                await direct.save()
            await anyio.to_thread.run_sync(redis.stop)
            await anyio.sleep(0.3)
            await anyio.to_thread.run_sync(redis.start)
            await anyio.sleep(2.5)  # past the store's cooldown: sharing resumes
            stop.set()
    assert not errors, errors
    assert len(durations) > 100
    assert max(durations) < 1.0, f"slowest call {max(durations):.2f}s"


async def test_a_redis_outage_is_the_operators_log_alone_never_a_callers(caplog: pytest.LogCaptureFixture) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    sandbox = FaultySandbox(keys={CANARY_KEY: "admin"})
    settings = http_settings(redis_url=dead)
    heard: list[str] = []

    async def logged(params: LoggingMessageNotificationParams) -> None:
        heard.append(str(params.data))

    caplog.set_level(logging.WARNING, logger="octolens_mcp.http.shared")
    async with (
        running(settings, KeyedUpstream({CANARY_KEY: sandbox})),
        mcp_session(settings, CANARY_KEY, logging_callback=logged) as session,
    ):
        result = await session.call_tool("list_tags", {})
        assert not result.is_error
    operator = [record.getMessage() for record in caplog.records if record.name == "octolens_mcp.http.shared"]
    assert any("unavailable" in line for line in operator), "the operator hears of it"
    assert not any("Redis" in line or "127.0.0.1" in line for line in heard), heard
