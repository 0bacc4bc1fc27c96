"""State shared across replicas through a real Redis: one cache, one rate budget, one read in flight.

Each ``RedisStore`` stands for one server process (its own connection pool and in-process tier); two
of them on the same Redis and the same upstream are two replicas. The upstream counts what reaches
it, so every claim is about requests sent. The last test runs two real ``octolens-mcp`` processes
over stdio against an HTTP upstream on loopback.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from redis.asyncio import Redis

from octolens_mcp.catalog import feeds, keywords
from octolens_mcp.catalog.inventory import OPERATIONS
from octolens_mcp.http.client import OctolensClient
from octolens_mcp.http.errors import OctolensError
from octolens_mcp.http.shared import Binding, Keyspace, LocalStore, SharedStore, SharedUnavailable, open_store
from octolens_mcp.http.shared.codec import BadData, decode_budget, decode_response
from octolens_mcp.http.shared.protocol import key_hash
from octolens_mcp.http.shared.redis_store import RedisStore
from octolens_mcp.http.wire import ApiResponse, RateLimit, WireRequest
from octolens_sandbox import seed
from tests.conftest import CANARY_KEY, READ_KEY, error_of
from tests.hostile_upstream import HostileUpstream, json_reply
from tests.redis_server import RedisServer

pytestmark = pytest.mark.anyio

BASE_URL = "https://app.octolens.test/api/v2"
SHARED_LOGGER = "octolens_mcp.http.shared"
KEYWORDS = WireRequest("GET", "/keywords")
FEEDS = WireRequest("GET", "/feeds")
ORG = WireRequest("GET", "/org")
CACHE_GROUP = {op.path: op.cache for op in OPERATIONS if op.cache is not None}
"""The cache group each reference read declares, by its path."""
CHANGES = {"feeds": feeds.CREATE.changes, "keywords": keywords.ADD.changes}
"""What the writes these tests send declare they change."""
COMMAND = str(Path(sys.executable).with_name("octolens-mcp"))


def budget_headers(remaining: int, *, reset_in: int = 1800) -> dict[str, str]:
    reset_at = int(time.time()) + reset_in
    return {"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(reset_at)}


class Upstream:
    """A fake Octolens API shared by every client of a test; it counts the requests that reach it."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.remaining = 400
        self.latency = 0.0

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self._answer)

    async def _answer(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path.removeprefix("/api/v2")
        self.hits[f"{request.method} {path}"] += 1
        if self.latency:
            await anyio.sleep(self.latency)
        body: dict[str, Any] = {"data": [{"id": 1, "path": path, "hit": self.hits[f"{request.method} {path}"]}]}
        return httpx2.Response(200, json=body, headers=budget_headers(self.remaining))


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
def upstream() -> Upstream:
    return Upstream()


@asynccontextmanager
async def replica(url: str, **options: float) -> AsyncIterator[RedisStore]:
    """One process's worth of shared state: its own pool and in-process tier, on the common Redis."""
    store = RedisStore(url, **options)
    try:
        yield store
    finally:
        await store.aclose()


def client(store: SharedStore | None, upstream: Upstream, key: str = CANARY_KEY) -> OctolensClient:
    return OctolensClient(base_url=BASE_URL, api_key=key, transport=upstream.transport(), store=store)


async def get(api: OctolensClient, request: WireRequest = KEYWORDS, *, within: float = 5.0) -> ApiResponse:
    return await api.send(request, write=False, deadline=time.monotonic() + within, cache=CACHE_GROUP[request.path])


async def write(api: OctolensClient, path: str, body: dict[str, Any], *, within: float = 5.0) -> ApiResponse:
    """A create under ``path`` (feeds or keywords), dropping what its operation declares it changes."""
    request = WireRequest("POST", path, body=body)
    return await api.send(request, write=True, changes=CHANGES[path.strip("/")], deadline=time.monotonic() + within)


def as_bytes(value: bytes | str | None) -> bytes:
    return value.encode() if isinstance(value, str) else value or b""


def shared_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == SHARED_LOGGER and r.levelno == logging.WARNING]


async def test_two_replicas_share_one_entry_and_one_read_in_flight(redis: RedisServer, upstream: Upstream) -> None:
    async with replica(redis.url) as one, replica(redis.url) as two:
        a, b = client(one, upstream), client(two, upstream)
        first = await get(a)
        second = await get(b)
        assert upstream.hits["GET /keywords"] == 1
        assert (first.cached, second.cached) == (False, True)
        assert second.body == first.body and second.rate_limit == first.rate_limit
        second.body["data"].clear()  # a caller's copy is its own
        assert (await get(b)).body == first.body

        # Identical reads at once, on both replicas and twice on each: one request reaches the API.
        upstream.latency = 0.3
        answers: list[ApiResponse] = []

        async def read(api: OctolensClient) -> None:
            answers.append(await get(api, FEEDS))

        async with anyio.create_task_group() as group:
            for api in (a, b, client(one, upstream), client(two, upstream)):
                group.start_soon(read, api)
        assert upstream.hits["GET /feeds"] == 1
        assert len({json.dumps(answer.body) for answer in answers}) == 1


async def test_a_budget_spent_on_one_replica_stops_the_other_without_sending(
    redis: RedisServer, upstream: Upstream
) -> None:
    async with replica(redis.url) as one, replica(redis.url) as two:
        a, b = client(one, upstream), client(two, upstream)
        upstream.remaining = 0
        await get(a, ORG)
        with pytest.raises(OctolensError) as refused:
            await get(b, FEEDS)
        error = refused.value
        assert error.code == "RATE_LIMITED" and error.extra["sent"] is False
        assert error.retry_after is not None and 0 < error.retry_after <= 1801
        assert upstream.hits == Counter({"GET /org": 1})
        # A fuller budget that arrives late (an answer sent before the spent one) does not undo it.
        assert a.rate_limit is not None and a.rate_limit.reset_at is not None
        late = RateLimit(limit=500, remaining=300, reset_at=a.rate_limit.reset_at)
        shared = two.bind(CANARY_KEY).shared
        assert shared is not None
        await shared.record_budget(late, deadline=time.monotonic() + 1)
        with pytest.raises(OctolensError):
            await get(client(two, upstream), FEEDS)
        assert upstream.hits == Counter({"GET /org": 1})


async def test_a_429_on_one_replica_holds_the_other_until_its_retry_after(redis: RedisServer) -> None:
    hits: Counter[str] = Counter()

    def answer(request: httpx2.Request) -> httpx2.Response:
        path = request.url.path.removeprefix("/api/v2")
        hits[path] += 1
        if path == "/org":
            body = {"error": {"code": "RATE_LIMITED", "message": "slow down", "status": 429}}
            # The budget stated says requests are left: the Retry-After alone holds the key.
            return httpx2.Response(429, json=body, headers={"Retry-After": "60", **budget_headers(120)})
        return httpx2.Response(200, json={"data": []}, headers=budget_headers(119))

    async with replica(redis.url) as one, replica(redis.url) as two:
        a = OctolensClient(base_url=BASE_URL, api_key=CANARY_KEY, transport=httpx2.MockTransport(answer), store=one)
        b = OctolensClient(base_url=BASE_URL, api_key=CANARY_KEY, transport=httpx2.MockTransport(answer), store=two)
        with pytest.raises(OctolensError) as first:
            await get(a, ORG)
        assert first.value.code == "RATE_LIMITED" and first.value.retry_after == 60
        for api in (a, b, client(two, Upstream())):
            with pytest.raises(OctolensError) as held:
                await get(api, FEEDS)
            assert held.value.extra["sent"] is False
            assert held.value.retry_after is not None and 55 <= held.value.retry_after <= 61
        assert hits == Counter({"/org": 1})
        # Another key's organization is not held.
        assert (await get(client(two, Upstream(), key=READ_KEY), FEEDS)).status == 200


async def test_a_write_on_one_replica_drops_the_entry_the_other_would_read(
    redis: RedisServer, upstream: Upstream
) -> None:
    async with replica(redis.url) as one, replica(redis.url) as two:
        a, b = client(one, upstream), client(two, upstream)
        await get(a, FEEDS)
        await get(a, KEYWORDS)
        await b.send(
            WireRequest("POST", "/feeds", body={"name": "x"}),
            write=True,
            changes=CHANGES["feeds"],
            deadline=time.monotonic() + 5,
        )
        assert (await get(a, FEEDS)).body["data"][0]["hit"] == 2, "the write dropped the feeds entry"
        assert (await get(a, KEYWORDS)).cached, "a feeds write leaves keywords cached"
        assert upstream.hits["GET /feeds"] == 2 and upstream.hits["GET /keywords"] == 1


async def test_different_keys_share_neither_entries_nor_budget(redis: RedisServer, upstream: Upstream) -> None:
    async with replica(redis.url) as one, replica(redis.url) as two:
        await get(client(one, upstream, CANARY_KEY))
        upstream.remaining = 0
        await get(client(one, upstream, CANARY_KEY), ORG)
        upstream.remaining = 400
        other = client(two, upstream, READ_KEY)
        assert not (await get(other)).cached
        await get(other, ORG)
        assert upstream.hits == Counter({"GET /keywords": 2, "GET /org": 2})
        with pytest.raises(OctolensError):
            await get(client(two, upstream, CANARY_KEY), FEEDS)


async def test_redis_holds_no_api_key_text(redis: RedisServer, upstream: Upstream) -> None:
    async with replica(redis.url) as one:
        for key in (CANARY_KEY, READ_KEY):
            api = client(one, upstream, key)
            await get(api)
            await get(api, ORG)
            await api.send(
                WireRequest("POST", "/keywords", body={}),
                write=True,
                changes=CHANGES["keywords"],
                deadline=time.monotonic() + 5,
            )
            await get(api)
    raw = Redis.from_url(redis.url)
    try:
        names: list[bytes] = [name async for name in raw.scan_iter(count=1000)]
        dumped = b"".join(names)
        for name in names:
            kind = await raw.type(name)
            if kind == b"string":
                dumped += as_bytes(await raw.get(name))
            elif kind == b"set":
                dumped += b"".join(as_bytes(member) for member in await raw.smembers(name))
    finally:
        await raw.aclose()
    namespaces = {name.split(b":")[2].decode() for name in names}
    assert namespaces == {key_hash(CANARY_KEY), key_hash(READ_KEY)}
    assert all(name.startswith(b"octolens-mcp:v1:") for name in names)
    for key in (CANARY_KEY, READ_KEY):
        assert key.encode() not in dumped and key.split("_")[-1].encode() not in dumped


async def test_an_outage_falls_back_with_one_warning_and_sharing_resumes(
    redis: RedisServer, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    async with replica(redis.url, cooldown=0.2) as one, replica(redis.url, cooldown=0.2) as two:
        a, b = client(one, upstream), client(two, upstream)
        await get(a)
        redis.stop()
        # Each replica reads for itself, then serves its own copy; Redis is asked again after each cooldown.
        assert not (await get(a)).cached
        assert not (await get(b)).cached
        for _ in range(2):
            await anyio.sleep(0.25)
            assert (await get(a)).cached and (await get(b)).cached
            await a.send(
                WireRequest("POST", "/feeds", body={}),
                write=True,
                changes=CHANGES["feeds"],
                deadline=time.monotonic() + 5,
            )
        assert upstream.hits["GET /keywords"] == 3 and upstream.hits["POST /feeds"] == 2
        # One warning per replica (each is a process of its own), not one per call or per operation.
        assert len(shared_warnings(caplog)) == 2, [r.getMessage() for r in shared_warnings(caplog)]

        redis.start()
        await anyio.sleep(0.25)
        await get(a, ORG)
        assert (await get(b, ORG)).cached
        assert upstream.hits["GET /org"] == 1
        upstream.remaining = 0
        await get(a, WireRequest("GET", "/tags"))
        with pytest.raises(OctolensError):
            await get(b, WireRequest("GET", "/org/usage"))
        assert upstream.hits["GET /org/usage"] == 0
    assert len(shared_warnings(caplog)) == 2
    assert any("answers again" in r.getMessage() for r in caplog.records if r.name == SHARED_LOGGER)


async def test_bad_data_in_redis_is_dropped_and_never_fails_a_call(
    redis: RedisServer, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    async with replica(redis.url) as one:
        a = client(one, upstream)
        await get(a)
        prefix = f"octolens-mcp:v1:{key_hash(CANARY_KEY)}"
        raw = Redis.from_url(redis.url)
        try:
            [entry] = [name async for name in raw.scan_iter(match=f"{prefix}:entry:*")]
            await raw.set(entry, b"{not json", px=30_000)
            await raw.set(entry.replace(b":entry:", b":lock:"), b"a lock that would never expire")
            await raw.set(f"{prefix}:budget", b"nonsense")
            await raw.sadd(f"{prefix}:generation", b"a set where a counter belongs")
        finally:
            await raw.aclose()
        # The bad entry and budget are dropped and this read goes upstream; the next one clears the
        # lock that would never expire and the generation of the wrong type, and shares its answer.
        assert not (await get(a)).cached
        assert not (await get(a)).cached
        assert (await get(a)).cached
        await a.send(
            WireRequest("POST", "/keywords", body={}),
            write=True,
            changes=CHANGES["keywords"],
            deadline=time.monotonic() + 5,
        )
        assert not (await get(a)).cached
        assert (await get(a)).cached
    assert upstream.hits["GET /keywords"] == 4
    assert len(shared_warnings(caplog)) == 1


class DeafToWrites:
    """A store whose keyspaces cannot be told of writes while ``deaf`` is set (a blip that loses no data)."""

    def __init__(self, store: RedisStore) -> None:
        self.store = store
        self.deaf = False

    def bind(self, api_key: str) -> Binding:
        binding = self.store.bind(api_key)
        assert binding.shared is not None
        return Binding(binding.local, Deaf(binding.shared, self))

    async def aclose(self) -> None:
        await self.store.aclose()


class Deaf:
    def __init__(self, shared: Keyspace, switch: DeafToWrites) -> None:
        self._shared = shared
        self._switch = switch

    def __getattr__(self, name: str) -> Any:
        return getattr(self._shared, name)

    async def invalidate(self, paths: Iterable[str], *, deadline: float) -> None:
        if self._switch.deaf:
            raise SharedUnavailable("deaf")
        await self._shared.invalidate(paths, deadline=deadline)


async def test_a_write_the_store_missed_is_told_before_it_serves_this_replica_again(
    redis: RedisServer, upstream: Upstream
) -> None:
    async with replica(redis.url) as one, replica(redis.url) as two:
        a, deaf = client(one, upstream), DeafToWrites(two)
        b = client(deaf, upstream)
        await get(a, FEEDS)
        deaf.deaf = True
        await b.send(
            WireRequest("POST", "/feeds", body={}), write=True, changes=CHANGES["feeds"], deadline=time.monotonic() + 5
        )
        deaf.deaf = False
        assert not (await get(b, FEEDS)).cached, "the missed write was told first, so the entry went"
        assert (await get(a, FEEDS)).body["data"][0]["hit"] == 2
        assert upstream.hits["GET /feeds"] == 2


async def test_a_redis_that_never_answers_costs_a_call_at_most_one_short_timeout(
    upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as blackhole:
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(16)  # connections are accepted by the kernel and never answered
        url = f"redis://127.0.0.1:{blackhole.getsockname()[1]}/0"
        async with replica(url, op_timeout=0.2) as store:
            api = client(store, upstream)
            start = time.monotonic()
            assert (await get(api, within=1.0)).status == 200
            await api.send(
                WireRequest("POST", "/feeds", body={}),
                write=True,
                changes=CHANGES["feeds"],
                deadline=time.monotonic() + 1,
            )
            assert (await get(api, FEEDS, within=1.0)).status == 200
            assert time.monotonic() - start < 1.0, "one timeout, then the cooldown skips Redis"
    assert len(shared_warnings(caplog)) == 1


async def test_a_follower_on_another_replica_keeps_its_own_deadline(redis: RedisServer, upstream: Upstream) -> None:
    async with replica(redis.url) as one, replica(redis.url) as two:
        a, b = client(one, upstream), client(two, upstream)
        upstream.latency = 3.0
        async with anyio.create_task_group() as group:
            group.start_soon(get, a, FEEDS)
            await anyio.sleep(0.1)
            start = time.monotonic()
            with pytest.raises(OctolensError) as waited:
                await get(b, FEEDS, within=0.3)
            assert waited.value.code == "UPSTREAM_TIMEOUT" and time.monotonic() - start < 1.5
            group.cancel_scope.cancel()
        assert upstream.hits["GET /feeds"] == 1, "the follower waited for the leader instead of sending"


async def test_a_cancelled_leader_lets_the_other_replica_read_at_once(redis: RedisServer, upstream: Upstream) -> None:
    async with replica(redis.url) as one, replica(redis.url) as two:
        a, b = client(one, upstream), client(two, upstream)
        upstream.latency = 1.0
        with anyio.move_on_after(0.1):
            await get(a, FEEDS)
        upstream.latency = 0.0
        start = time.monotonic()
        assert not (await get(b, FEEDS)).cached
        assert time.monotonic() - start < 2.0, "the cancelled read released its lock (else it holds it 5 s)"
        assert upstream.hits["GET /feeds"] == 2


@pytest.mark.parametrize(
    "stored",
    [
        b"[]",
        b'{"v":2,"status":200,"body":{}}',
        b'{"v":1,"status":500,"body":{}}',
        b'{"v":1,"status":200,"body":{},"headers":{"a":1}}',
        b'{"v":1,"status":200,"body":{},"headers":{},"retryAfter":"soon"}',
        b'{"v":1,"status":200,"body":{},"headers":{},"rateLimit":{"remaining":-1}}',
        b'{"v":1,"status":200,"body":{},"headers":{},"totalCount":true}',
        b"\xff",
    ],
)
def test_a_stored_value_of_the_wrong_shape_is_refused(stored: bytes) -> None:
    with pytest.raises(BadData):
        decode_response(stored)


@pytest.mark.parametrize("stored", [b"", b"1 2", b"1 -2 3", b"a b c", b"1 2 3 4", "\u0661 2 3".encode()])
def test_a_stored_budget_of_the_wrong_shape_is_refused(stored: bytes) -> None:
    with pytest.raises(BadData):
        decode_budget(stored)


def test_without_a_redis_url_redis_is_never_imported() -> None:
    script = (
        "import sys; from octolens_mcp.http.client import OctolensClient; from octolens_mcp.http.shared import "
        "open_store; OctolensClient(base_url='http://x', api_key='k', store=open_store(None)); "
        "print(any(m == 'redis' or m.startswith('redis.') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True)
    assert done.stdout.strip() == "False"


async def test_without_a_redis_url_the_store_stays_in_process(upstream: Upstream) -> None:
    store = open_store(None)
    assert isinstance(store, LocalStore)
    first, second = client(store, upstream), client(store, upstream)
    await get(first)
    assert (await get(second)).cached, "clients of one key in one process share it"
    assert not (await get(client(store, upstream, READ_KEY))).cached
    assert not (await get(client(None, upstream))).cached, "a client without a store keeps its own"
    await store.aclose()


# --- two real server processes --------------------------------------------------------------------


def server_params(upstream: HostileUpstream, redis: RedisServer) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCTOLENS_")}
    env.update(
        OCTOLENS_API_KEY=CANARY_KEY,
        OCTOLENS_REDIS_URL=redis.url,
        OCTOLENS_SCOPE_FILTER="false",  # no background GET /auth: every request counted is the test's
    )
    return StdioServerParameters(command=COMMAND, args=["--base-url", upstream.base_url, "--toolsets", "all"], env=env)


async def test_two_server_processes_share_one_cache_and_one_budget(redis: RedisServer) -> None:
    keywords = {"data": seed.keywords(datetime.now(UTC))}
    with HostileUpstream() as upstream:
        upstream.route("GET", "/keywords", json_reply(200, keywords, list(budget_headers(420).items())))
        upstream.route("GET", "/tags", json_reply(200, {"data": ["buy_intent"]}, list(budget_headers(0).items())))
        upstream.route("GET", "/feeds", json_reply(200, {"data": []}, list(budget_headers(419).items())))
        async with AsyncExitStack() as stack:
            a = await stack.enter_async_context(Client(server_params(upstream, redis)))
            b = await stack.enter_async_context(Client(server_params(upstream, redis)))
            with anyio.fail_after(20):
                first = await a.call_tool("list_keywords", {})
                second = await b.call_tool("list_keywords", {})
                assert not first.is_error and not second.is_error
                assert first.structured_content == second.structured_content
                assert upstream.hits("GET", "/keywords") == 1

                spent = await a.call_tool("list_tags", {})
                assert not spent.is_error and upstream.hits("GET", "/tags") == 1
                refused = error_of(await b.call_tool("list_feeds", {}))
        assert refused["error"]["code"] == "RATE_LIMITED" and refused["error"]["sent"] is False
        assert upstream.hits("GET", "/feeds") == 0
