"""The client's edges: Retry-After (a date, 0, past), cache expiry, and a shared read's error reaching every waiter."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import anyio
import httpx2
import pytest

from octolens_mcp.config import Settings
from octolens_mcp.http.shared import local as local_module
from octolens_sandbox import Fault, FaultySandbox
from tests.conftest import connect, fails, ok
from tests.test_wire import RATE_HEADERS, answered_by

pytestmark = pytest.mark.anyio


async def test_retry_after_as_an_http_date_is_waited_through() -> None:
    answers = iter(["429", "200"])

    def respond(request: httpx2.Request) -> httpx2.Response:
        if next(answers) == "429":
            when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
            body = {"error": {"code": "RATE_LIMITED", "message": "slow down", "status": 429}}
            return httpx2.Response(429, json=body, headers={"Retry-After": when})
        return httpx2.Response(200, json={"data": ["buy_intent"]}, headers=RATE_HEADERS)

    async with answered_by(respond) as (client, seen):
        start = time.monotonic()
        tags = await ok(client, "list_tags")
    assert tags == {"data": ["buy_intent"]} and len(seen) == 2
    assert 0.5 <= time.monotonic() - start < 5.0


def _rate_limited(retry_after: str, times: int) -> tuple[Callable[[httpx2.Request], httpx2.Response], list[float]]:
    """A responder answering ``times`` 429s with ``retry_after``, then the tags; and when each request came."""
    sent: list[float] = []

    def respond(request: httpx2.Request) -> httpx2.Response:
        sent.append(time.monotonic())
        if len(sent) <= times:
            body = {"error": {"code": "RATE_LIMITED", "message": "slow down", "status": 429}}
            return httpx2.Response(429, json=body, headers={"Retry-After": retry_after})
        return httpx2.Response(200, json={"data": ["buy_intent"]}, headers=RATE_HEADERS)

    return respond, sent


def _gaps(sent: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(sent)]


@pytest.mark.parametrize(
    "retry_after",
    [
        pytest.param("0", id="zero"),
        pytest.param("-5", id="negative"),
        pytest.param(format_datetime(datetime(2001, 1, 1, tzinfo=UTC), usegmt=True), id="past-date"),
    ],
)
async def test_a_429_that_asks_for_no_wait_is_retried_after_a_second(retry_after: str) -> None:
    respond, sent = _rate_limited(retry_after, times=1)
    async with answered_by(respond) as (client, _):
        assert await ok(client, "list_tags") == {"data": ["buy_intent"]}
    assert len(sent) == 2
    assert 1.0 <= _gaps(sent)[0] < 1.9


async def test_successive_429s_without_a_wait_back_off() -> None:
    respond, sent = _rate_limited("0", times=2)
    async with answered_by(respond) as (client, _):
        assert await ok(client, "list_tags") == {"data": ["buy_intent"]}
    first, second = _gaps(sent)
    assert len(sent) == 3 and 1.0 <= first < 1.9 and 2.0 <= second < 2.9


async def test_429_back_off_stops_at_the_deadline() -> None:
    respond, sent = _rate_limited("0", times=10)
    async with answered_by(respond, timeout=2.5) as (client, _):
        start = time.monotonic()
        error = await fails(client, "list_tags")
    # 1 s, then 2 s would end past the deadline: the second 429 is returned instead of waited through.
    assert error["code"] == "RATE_LIMITED" and len(sent) == 2
    assert 1.0 <= time.monotonic() - start < 2.0


async def test_a_wait_cap_of_zero_returns_a_429_asking_for_no_wait_at_once() -> None:
    respond, sent = _rate_limited("0", times=10)
    async with answered_by(respond, rate_limit_wait_cap=0) as (client, _):
        error = await fails(client, "list_tags")
    assert error["code"] == "RATE_LIMITED" and len(sent) == 1


async def test_cached_reference_data_expires_after_its_ttl(sandbox: FaultySandbox) -> None:
    async with connect(sandbox, cache_ttl=0.3) as client:
        await ok(client, "list_feeds")
        await ok(client, "list_feeds")
        assert sandbox.count("GET /feeds") == 1
        await anyio.sleep(0.4)
        await ok(client, "list_feeds")
    assert sandbox.count("GET /feeds") == 2


class _Later:
    """``time`` as the cache's entries see it when they are checked, ``ahead`` seconds later (an agent's next turn)."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.ahead


async def test_reference_data_is_reused_across_turns_by_default(
    sandbox: FaultySandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Later()
    monkeypatch.setattr(local_module, "time", clock)
    assert Settings().cache_ttl == 300
    async with connect(sandbox) as client:  # the default time to live
        await ok(client, "list_keywords")
        clock.ahead = 45.0  # the agent's next turn, well past the old 30 s
        again = await client.call_tool("list_keywords", {})
        assert again.meta is not None and again.meta["octolens/cached"] is True
        await ok(client, "list_mentions", {"filters": {"keyword": ["Heliograph"]}, "limit": 1})  # a name resolved
        assert [r.operation for r in sandbox.requests] == ["GET /keywords", "POST /mentions"]
        # Its own write drops what it changes at once; a read deciding a write is fresh whatever is cached.
        await ok(client, "update_keyword", {"id": 2, "excludeWords": "careers"})
        await ok(client, "list_keywords")
        await ok(client, "pause_keyword", {"id": 2, "paused": True})
        assert sandbox.count("GET /keywords") == 3
        clock.ahead = 45.0 + 301  # past the time to live: read again
        await ok(client, "list_keywords")
        assert sandbox.count("GET /keywords") == 4


async def test_a_waiter_gets_the_leading_reads_error(sandbox: FaultySandbox) -> None:
    """Two identical reads share one request; when it fails, both calls fail with its error."""
    sandbox.faults.append(Fault("latency", route="GET /feeds", seconds=0.3))
    sandbox.faults.append(Fault("status", route="GET /feeds", status=418, body="teapot"))
    errors: list[dict[str, Any]] = []
    async with connect(sandbox) as client:

        async def read() -> None:
            errors.append(await fails(client, "list_feeds"))

        async with anyio.create_task_group() as group:
            group.start_soon(read)
            group.start_soon(read)
    assert [e["code"] for e in errors] == ["UPSTREAM_ERROR", "UPSTREAM_ERROR"]
    assert sandbox.count("GET /feeds") == 1
