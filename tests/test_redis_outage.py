"""When Redis does not hold up: a lock's owner gone, a restart under load, an outage a caller must not hear of."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import anyio
import pytest
from mcp import ClientSession
from mcp_types import LoggingMessageNotificationParams
from redis.asyncio import Redis

from octolens_mcp.http.cache import _key
from octolens_mcp.http.client import OctolensClient
from octolens_mcp.http.errors import OctolensError
from octolens_mcp.http.shared.protocol import LEASE_SECONDS, ORPHANED_SECONDS
from octolens_sandbox import Fault, FaultySandbox
from tests.conftest import CANARY_KEY
from tests.http_harness import KeyedUpstream, free_port, http_settings, mcp_session, running
from tests.redis_server import RedisServer
from tests.test_shared_state import CACHE_GROUP, FEEDS, KEYWORDS, Upstream, client, get, replica

pytestmark = pytest.mark.anyio


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


async def test_a_lock_whose_owner_is_gone_holds_readers_back_two_renewals_at_most(redis: RedisServer) -> None:
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
    # Once the owner has missed two renewals (⅔ s), not once the lease is over (1 s).
    assert waited < LEASE_SECONDS - ORPHANED_SECONDS + 0.3, f"the reader went on alone after {waited:.2f}s"
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


# --- Redis restarts under MCP load, two server replicas -------------------------------------------------

UPSTREAM_LATENCY = 0.3
"""How long the sandbox takes to answer GET /keywords: long enough that a read's lock is held at the restart."""
CLIENTS_PER_REPLICA = 8
RESTARTS = ("empty", "saved", "stale", "empty", "saved", "stale")
"""How Redis comes back: empty; from a snapshot taken while a lock was held (its lease, and its owner's token,
come back with it); or empty, then the read's lock set again by hand for 10 s, as the 10 s locks of an earlier
version were left behind (no owner renews it: its readers must go on alone)."""
STALE_LOCK = b"a lock whose owner is long gone"
SETTLED = 2.8
"""Seconds each restart is followed under load: past the replicas' cooldown (2 s), so they meet what came back."""


async def _held_lock(url: str) -> tuple[bytes, str]:
    """The name of a read's lock as soon as one is held, and the directory Redis keeps its snapshot in."""
    async with Redis.from_url(url) as direct:
        snapshot_dir = str((await direct.config_get("dir"))["dir"])
        with anyio.fail_after(10):
            while True:
                async for name in direct.scan_iter(match="octolens-mcp:v1:*:lock:*", count=1000):
                    return bytes(name), snapshot_dir
                await anyio.sleep(0.005)


async def test_redis_restarts_under_mcp_load_cost_no_call_more_than_a_second_beyond_the_upstream(
    redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the SDK's and the HTTP stack's debug records would cost more than the calls
    sandbox = FaultySandbox(keys={CANARY_KEY: "admin"}, rate_limit=10**6)
    sandbox.faults.append(Fault("latency", route="GET /keywords", times=10**9, seconds=UPSTREAM_LATENCY))
    replicas = [
        # Entries expire soon (yet outlive a waiting read's poll), so reads keep taking the lock; no rate limit.
        http_settings(redis_url=redis.url, cache_ttl=0.3, http_rate_per_key=0, http_rate_per_address=0)
        for _ in range(2)
    ]
    calls: list[tuple[float, float]] = []
    failures: list[str] = []
    stale_left: list[bytes | str | None] = []
    stop = anyio.Event()

    async def reader(session: ClientSession) -> None:
        while not stop.is_set():
            start = time.monotonic()
            try:
                result = await session.call_tool("list_keywords", {})
                if result.is_error:
                    failures.append(str(result.content[0])[:300])
            except Exception as exc:  # any failure of a call is the test's finding
                failures.append(f"{type(exc).__name__}: {str(exc)[:300]}")
            calls.append((start, time.monotonic() - start))

    async with (
        running(replicas[0], KeyedUpstream({CANARY_KEY: sandbox})),
        running(replicas[1], KeyedUpstream({CANARY_KEY: sandbox})),
        AsyncExitStack() as stack,
    ):
        sessions = [
            await stack.enter_async_context(mcp_session(settings, CANARY_KEY))
            for settings in replicas
            for _ in range(CLIENTS_PER_REPLICA)
        ]
        restarts: list[float] = []
        async with anyio.create_task_group() as group:  # every session's first call (its key checked) first
            for session in sessions:
                group.start_soon(session.call_tool, "list_keywords", {})
        async with anyio.create_task_group() as group:
            for session in sessions:
                group.start_soon(reader, session)
            await anyio.sleep(1.0)
            for how in RESTARTS:
                lock, snapshot_dir = await _held_lock(redis.url)
                snapshot = Path(snapshot_dir) / "dump.rdb"
                if how == "saved":
                    async with Redis.from_url(redis.url) as direct:
                        await direct.save()  # the server loads it when it starts again
                else:
                    snapshot.unlink(missing_ok=True)
                restarts.append(time.monotonic())
                await anyio.to_thread.run_sync(redis.stop)
                await anyio.to_thread.run_sync(redis.start)
                if how == "stale":
                    async with Redis.from_url(redis.url) as direct:
                        await direct.set(lock, STALE_LOCK, px=10_000)
                await anyio.sleep(SETTLED)
                if how == "stale":
                    async with Redis.from_url(redis.url) as direct:
                        stale_left.append(await direct.get(lock))
            stop.set()
    before = [duration for start, duration in calls if start < restarts[0]]
    slowest = max(duration for _, duration in calls)
    # A call may wait for one upstream read (whose answer the restart lost) and then make its own.
    allowed = 2 * UPSTREAM_LATENCY + 1.0
    report = (
        f"{len(calls)} calls over {len(RESTARTS)} restarts; slowest {slowest:.2f}s "
        f"(before the first restart {max(before):.2f}s), allowed {allowed:.2f}s"
    )
    print(report)
    assert not failures, f"{report}; {len(failures)} failed: {failures[:3]}"
    assert len(before) >= 2 * len(sessions), report
    assert slowest <= allowed, report
    assert STALE_LOCK not in stale_left, f"{report}; the stale lock held its readers back until it expired"
