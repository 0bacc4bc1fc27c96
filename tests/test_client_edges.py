"""The client's edges: Retry-After as an HTTP date, cache expiry, and a shared read's error reaching every waiter."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import anyio
import httpx2
import pytest

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


async def test_cached_reference_data_expires_after_its_ttl(sandbox: FaultySandbox) -> None:
    async with connect(sandbox, cache_ttl=0.3) as client:
        await ok(client, "list_feeds")
        await ok(client, "list_feeds")
        assert sandbox.count("GET /feeds") == 1
        await anyio.sleep(0.4)
        await ok(client, "list_feeds")
    assert sandbox.count("GET /feeds") == 2


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
