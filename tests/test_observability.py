"""What the team server tells its operator, and the rate budget per organisation, on 127.0.0.1.

The organisation tests use one sandbox workspace with two keys (``read`` and ``write``): one organisation,
one upstream budget. Each key learns its organisation from ``GET /auth`` after its first answered call.
"""

from __future__ import annotations

import json
import logging
import signal
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager

import anyio
import httpx2
import pytest
from mcp import ClientSession

from octolens_mcp.config import Settings
from octolens_mcp.http.metrics import UPSTREAM
from octolens_mcp.logformat import MESSAGE_LIMIT, JsonFormatter, Trim
from octolens_sandbox import FaultySandbox
from tests.conftest import CANARY_KEY, READ_KEY, WRITE_KEY, assert_no_secret
from tests.http_harness import KeyedUpstream, free_port, http_process, http_settings, mcp_session, running, url
from tests.redis_server import RedisServer

pytestmark = pytest.mark.anyio


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def one_org() -> FaultySandbox:
    """One workspace, two keys, a clock one minute into the hour (a 429's Retry-After is then ~59 minutes)."""
    hour = int(time.time()) // 3600 * 3600
    return FaultySandbox(keys={READ_KEY: "read", WRITE_KEY: "write"}, clock=lambda: hour + 60.0)


async def learned_organization(sandbox: FaultySandbox, keys: int) -> None:
    """Until ``keys`` keys have asked ``GET /auth`` (in the background, after their first answered call)."""
    with anyio.fail_after(5):
        while sum(1 for logged in sandbox.requests if logged.path == "/auth") < keys:  # noqa: ASYNC110
            await anyio.sleep(0.02)
    await anyio.sleep(0.05)  # the answer is read and the key joined


def code_of(result: object) -> str:
    content = getattr(result, "content", [])
    text = content[0].text if content and content[0].type == "text" else ""
    code: str = json.loads(text.splitlines()[-1])["error"]["code"]
    return code


async def call_ok(session: ClientSession, tool: str) -> None:
    result = await session.call_tool(tool, {})
    assert not result.is_error, result.content
    assert_no_secret(result)


@asynccontextmanager
async def one_org_two_keys(
    first: Settings, second: Settings
) -> AsyncIterator[tuple[FaultySandbox, ClientSession, ClientSession]]:
    """Key A on the server ``first`` runs, key B on ``second`` (the same one, or a replica): one organisation,
    each key answered once and joined to it."""
    sandbox = one_org()
    upstream = KeyedUpstream({READ_KEY: sandbox, WRITE_KEY: sandbox})
    async with AsyncExitStack() as stack:
        for served in dict.fromkeys((first, second)):
            await stack.enter_async_context(running(served, upstream))
        a = await stack.enter_async_context(mcp_session(first, READ_KEY))
        b = await stack.enter_async_context(mcp_session(second, WRITE_KEY))
        await call_ok(a, "list_tags")
        await call_ok(b, "list_tags")
        await learned_organization(sandbox, 2)
        yield sandbox, a, b


async def test_keys_of_one_organization_share_a_spent_budget_and_a_429s_hold_on_one_process() -> None:
    settings = http_settings(cache_ttl=0)
    async with one_org_two_keys(settings, settings) as (sandbox, a, b):
        # Another client of the organisation spends all but one request; key A's answer says none are left.
        sandbox._used = sandbox.rate_limit - 1
        await call_ok(a, "get_org")
        sent = len(sandbox.requests)
        refused = await b.call_tool("get_org")
        assert code_of(refused) == "RATE_LIMITED", "key B stops with key A: one organisation, one budget"
        assert len(sandbox.requests) == sent, "and without sending"

    # A 429 for one key holds every key of the organisation until its Retry-After.
    settings = http_settings(cache_ttl=0)
    async with one_org_two_keys(settings, settings) as (sandbox, a, b):
        sandbox._used = sandbox.rate_limit  # the budget went elsewhere: the next request is answered 429
        assert code_of(await a.call_tool("get_org")) == "RATE_LIMITED"
        sent = len(sandbox.requests)
        held = await b.call_tool("get_org")
        assert code_of(held) == "RATE_LIMITED"
        assert len(sandbox.requests) == sent, "the 429 key A got holds key B without a request"


async def test_keys_of_one_organization_stop_together_across_two_replicas_sharing_redis(redis: RedisServer) -> None:
    first = http_settings(cache_ttl=0, redis_url=redis.url)
    second = http_settings(cache_ttl=0, redis_url=redis.url)
    async with one_org_two_keys(first, second) as (sandbox, a, b):
        sandbox._used = sandbox.rate_limit
        assert code_of(await a.call_tool("get_org")) == "RATE_LIMITED"  # replica one, key A: a 429
        sent = len(sandbox.requests)
        held = await b.call_tool("get_org")  # replica two, key B: held through Redis, nothing sent
        assert code_of(held) == "RATE_LIMITED"
        assert len(sandbox.requests) == sent


async def test_access_log_has_one_line_per_request_with_tool_and_fingerprint_never_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandbox = FaultySandbox(keys={CANARY_KEY: "admin"})
    settings = http_settings()
    caplog.set_level(logging.INFO, logger="octolens_mcp.access")
    async with running(settings, KeyedUpstream({CANARY_KEY: sandbox})), httpx2.AsyncClient() as http:
        async with mcp_session(settings, CANARY_KEY) as session:
            await call_ok(session, "list_tags")
        assert (await http.get(url(settings, "/healthz"))).status_code == 200
    lines = [record for record in caplog.records if record.name == "octolens_mcp.access"]
    # initialize, notifications/initialized, tools/list (the client checks output schemas), tools/call, /healthz.
    assert len(lines) == 5, [record.getMessage() for record in lines]
    call = [record for record in lines if getattr(record, "access", {}).get("tool") == "list_tags"]
    assert len(call) == 1
    fields = call[0].access  # type: ignore[attr-defined]
    assert fields["method"] == "POST" and fields["path"] == "/mcp" and fields["status"] == 200
    assert fields["outcome"] == "ok" and len(fields["key"]) == 12 and fields["duration_ms"] >= 0
    for record in lines:
        written = JsonFormatter().format(record)
        assert json.loads(written)["logger"] == "octolens_mcp.access"
        assert CANARY_KEY not in written and CANARY_KEY[8:] not in written


async def test_metrics_in_prometheus_text_count_calls_upstream_requests_and_the_budget() -> None:
    sandbox = FaultySandbox(keys={CANARY_KEY: "admin"})
    settings = http_settings()
    async with running(settings, KeyedUpstream({CANARY_KEY: sandbox})), httpx2.AsyncClient() as http:
        before = (await http.get(url(settings, "/metrics"))).text
        async with mcp_session(settings, CANARY_KEY) as session:
            await call_ok(session, "list_tags")
            await call_ok(session, "list_tags")  # the second one from the cache
        await learned_organization(sandbox, 1)
        response = await http.get(url(settings, "/metrics"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert CANARY_KEY not in text
    for name in ("octolens_upstream_429_total", "octolens_redis_errors_total", "octolens_open_streams"):
        assert f"# TYPE {name} " in text
    assert (
        sample(text, 'octolens_calls_total{outcome="ok",tool="list_tags"}')
        >= sample(before, 'octolens_calls_total{outcome="ok",tool="list_tags"}') + 2
    )
    assert sample(text, "octolens_upstream_requests_total") >= sample(before, "octolens_upstream_requests_total") + 2
    assert sample(text, "octolens_cache_hits_total") >= sample(before, "octolens_cache_hits_total") + 1
    budgets = [line for line in text.splitlines() if line.startswith('octolens_budget_remaining{organisation="org-')]
    assert budgets, "the budget left is shown by organisation (a hash of its id) once GET /auth told it"


def sample(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_healthz_is_liveness_and_readyz_checks_redis_and_the_upstream() -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    sandbox = FaultySandbox(keys={CANARY_KEY: "admin"})
    plain, with_redis = http_settings(), http_settings(redis_url=dead_redis)
    async with (
        running(plain, KeyedUpstream({CANARY_KEY: sandbox})),
        running(with_redis, KeyedUpstream({CANARY_KEY: sandbox})),
        httpx2.AsyncClient() as http,
    ):
        UPSTREAM.answered()
        assert (await http.get(url(plain, "/readyz"))).json() == {"status": "ready", "checks": {"upstream": "ok"}}
        down = await http.get(url(with_redis, "/readyz"))
        assert down.status_code == 503 and down.json()["checks"]["redis"] == "unreachable"
        assert dead_redis not in down.text
        assert (await http.get(url(with_redis, "/healthz"))).status_code == 200, "liveness ignores Redis"
        UPSTREAM.unreachable()
        assert (await http.get(url(plain, "/readyz"))).status_code == 503
        async with mcp_session(plain, CANARY_KEY) as session:
            await call_ok(session, "get_org")  # Octolens answers again
        assert (await http.get(url(plain, "/readyz"))).status_code == 200


def test_log_lines_drop_the_sdks_per_request_noise_and_never_hold_a_whole_body() -> None:
    trim = Trim()
    noise = logging.LogRecord("mcp.server.streamable_http", logging.INFO, "", 0, "Terminating session: None", (), None)
    assert not trim.filter(noise)
    body = "x" * (MESSAGE_LIMIT * 5)
    debug = logging.LogRecord("sse_starlette.sse", logging.DEBUG, "", 0, "chunk: %s", (body,), None)
    assert trim.filter(debug)
    assert len(debug.getMessage()) < MESSAGE_LIMIT + 100


def test_the_process_writes_json_access_lines_and_no_noise() -> None:
    with http_process(["--demo", "--log-format", "json", "--log-level", "INFO"]) as served:

        async def drive() -> None:
            async with mcp_session(http_settings(port=served.port), "ak_demo_someone_5678") as session:
                await call_ok(session, "list_keywords")

        anyio.run(drive)
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=15) == 0
    lines = [line for line in served.err.decode().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    access = [record for record in records if record["logger"] == "octolens_mcp.access"]
    assert [record.get("tool") for record in access if record["path"] == "/mcp"].count("list_keywords") == 1
    assert all({"method", "path", "status", "duration_ms"} <= set(record) for record in access)
    assert not any("Terminating session" in record["message"] for record in records)
    assert b"ak_demo_someone_5678" not in served.err


async def test_readyz_is_ready_with_a_live_redis(redis: RedisServer) -> None:
    settings = http_settings(redis_url=redis.url)
    async with running(settings, KeyedUpstream({CANARY_KEY: FaultySandbox(keys={CANARY_KEY: "admin"})})):
        UPSTREAM.answered()
        async with httpx2.AsyncClient() as http:
            for _ in range(3):  # each probe opens and closes its own connection
                ready = await http.get(url(settings, "/readyz"))
                assert ready.status_code == 200 and ready.json()["checks"] == {"redis": "ok", "upstream": "ok"}
