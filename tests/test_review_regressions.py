"""Regressions from a review of the server's edges: each case once broke (a crash, a wrong request, a leak)."""

from __future__ import annotations

import gzip
import json
import time
from typing import Any

import anyio
import httpx2
import pytest

from octolens_mcp.http.wire import retry_after
from octolens_sandbox import Fault, FaultySandbox, Sandbox
from tests.conftest import CANARY_KEY, call, connect, error_of, fails, ok, whole_mention
from tests.installed_command import environment
from tests.test_stdio import _exchange, _session
from tests.test_wire import RATE_HEADERS, answered_by, literal

pytestmark = pytest.mark.anyio

MENTION = {"id": 1, "sourceId": "reddit_t3_x", "source": "reddit", "body": "hello", "keywords": []}


async def test_a_lone_surrogate_from_upstream_becomes_a_replacement_character() -> None:
    raw = b'{"id":1,"sourceId":"reddit_t3_x","body":"a\\ud800b"}'

    def respond(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=raw, headers={"Content-Type": "application/json"})

    async with answered_by(respond) as (client, _):
        mention = await whole_mention(client, "reddit_t3_x")
    assert mention["body"] == "a\ufffdb"


async def test_nan_in_a_number_argument_is_refused() -> None:
    """JSON text may carry NaN (the SDK's parser takes it); it never reaches an HTTP body."""
    lines, _ = await _exchange(
        ["--demo"], environment(), _session(("list_mentions", {"filters": {"minXFollowers": float("nan")}}))
    )
    answer = next(json.loads(line) for line in lines if json.loads(line).get("id") == 3)
    assert answer["result"]["_meta"]["octolens/error"]["error"]["code"] == "VALIDATION_ERROR"


async def test_an_item_alone_over_the_budget_still_moves_the_cursor(sandbox: Sandbox) -> None:
    for mention in sandbox.mentions:
        mention["body"] = "x" * 70_000
    async with connect(sandbox, result_tokens=3000) as client:
        first = await ok(client, "list_mentions", {"limit": 3, "detail": "full"})
        second = await ok(
            client, "list_mentions", {"limit": 3, "detail": "full", "cursor": first["pagination"]["nextCursor"]}
        )
    assert first["truncated"]["returned"] == 1 and second["truncated"]["returned"] == 1
    assert first["data"][0]["sourceId"] != second["data"][0]["sourceId"]
    assert first["pagination"]["nextCursor"] != second["pagination"]["nextCursor"]


async def test_a_resume_cursor_keeps_its_page_size_and_its_tool(sandbox: Sandbox) -> None:
    for mention in sandbox.mentions:
        mention["body"] = "y" * 3000
    async with connect(sandbox, result_tokens=3000) as client:
        first = await ok(client, "list_mentions", {"limit": 20, "detail": "full"})
        cursor = first["pagination"]["nextCursor"]
        await ok(client, "list_mentions", {"limit": 5, "detail": "full", "cursor": cursor})
        assert sandbox.requests[-1].body["limit"] == 20  # the page the cursor names, not a new one
        other = await fails(client, "list_author_mentions", {"source": "reddit", "handle": "x", "cursor": cursor})
    assert other["code"] == "VALIDATION_ERROR" and other["details"][0]["path"] == "cursor"


async def test_a_forged_cursor_cannot_carry_an_out_of_range_limit(client: Any, sandbox: Sandbox) -> None:
    import base64

    forged = base64.urlsafe_b64encode(json.dumps({"t": "list_mentions", "c": None, "l": -7, "s": 0}).encode())
    error = await fails(client, "list_mentions", {"cursor": "oc1." + forged.decode().rstrip("=")})
    assert error["code"] == "VALIDATION_ERROR" and sandbox.count() == 0


async def test_the_budget_counts_the_fence_escapes(sandbox: Sandbox) -> None:
    for mention in sandbox.mentions:
        mention["body"] = "<b>&amp;</b>" * 300
    async with connect(sandbox, result_tokens=5000) as client:
        result = await call(client, "list_mentions", {"limit": 50, "detail": "full"})
    text = str(result.content[0].text)  # type: ignore[union-attr]
    assert len(text.encode()) / 3 <= 5000


async def test_a_zero_retry_after_never_polls_faster_than_once_a_second() -> None:
    polls: list[float] = []

    def respond(request: httpx2.Request) -> httpx2.Response:
        running = {"searchId": "srch_1", "status": "running"}
        if request.method == "GET":
            polls.append(time.monotonic())
        return httpx2.Response(202, json=running, headers={**RATE_HEADERS, "Retry-After": "0"})

    async with answered_by(respond, search_wait=2.5) as (client, _):
        await ok(client, "run_search", {"query": "acme"})
    assert 1 <= len(polls) <= 3


async def test_a_read_overlapping_a_write_is_not_cached(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(Fault("slow_after", route="DELETE /keywords/{id}", seconds=0.5))
    async with connect(sandbox) as client:
        async with anyio.create_task_group() as group:
            group.start_soon(call, client, "delete_keyword", {"id": 6})
            await anyio.sleep(0.2)
            await ok(client, "list_keywords")  # overlaps the delete, which has already been applied
        after = await ok(client, "list_keywords")
    assert 6 not in [k["id"] for k in after["data"]]


async def test_a_follower_keeps_its_own_deadline(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(Fault("latency", route="GET /keywords", seconds=4.0))
    async with connect(sandbox, timeout=2.0) as client:
        start = time.monotonic()
        async with anyio.create_task_group() as group:
            # An export (a slow operation, so a longer deadline) leads the cached keyword read to resolve a name.
            group.start_soon(call, client, "export_mentions", {"filters": {"keyword": ["Heliograph"]}})
            await anyio.sleep(0.1)
            error = await fails(client, "list_keywords")
            group.cancel_scope.cancel()
    assert error["code"] == "UPSTREAM_TIMEOUT" and time.monotonic() - start < 3.5


async def test_a_truncated_gzip_body_is_unreadable_not_short() -> None:
    whole = gzip.compress(json.dumps({"data": [MENTION] * 200}).encode())

    def respond(request: httpx2.Request) -> httpx2.Response:
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        return httpx2.Response(200, stream=httpx2.ByteStream(whole[: len(whole) // 2]), headers=headers)

    async with answered_by(respond) as (client, _):
        error = await fails(client, "list_mentions", {})
    assert error["code"] == "INVALID_RESPONSE"


async def test_a_csv_export_with_a_huge_field_and_one_answered_with_json() -> None:
    csv_text = "id,sourceId,body\n1,reddit_t3_x," + "z" * 200_000 + "\n"

    def respond(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, text=csv_text, headers={"Content-Type": "text/csv", **RATE_HEADERS})

    async with answered_by(respond) as (client, _):
        exported = await ok(client, "export_mentions", {"format": "csv"})
    assert exported["rows"] == 1
    async with answered_by(literal(200, {"data": [MENTION]})) as (client, _):
        error = await fails(client, "export_mentions", {"format": "csv"})
    assert error["code"] == "INVALID_RESPONSE"


async def test_hostile_wizard_answers_are_invalid_not_internal() -> None:
    for filters in [
        {"conditions": [{"field": "Keywords", "values": "²"}]},
        {"top_level_operator": "AND", "groups": 5},
        {"conditions": [5, {"field": "Source", "values": "reddit"}]},
    ]:
        body = {"filters": filters, "isAdvanced": False, "explanation": "x"}
        async with answered_by(literal(200, body)) as (client, _):
            result = await call(client, "generate_filters", {"query": "q"})
        assert not result.is_error or error_of(result)["error"]["code"] != "INTERNAL_ERROR"


async def test_an_echoed_key_is_redacted_before_any_cut_and_after_cleaning() -> None:
    cut_message = {"error": {"code": "VALIDATION_ERROR", "message": "x" * 990 + CANARY_KEY, "status": 400}}
    async with answered_by(literal(400, cut_message)) as (client, _):
        result = await call(client, "list_feeds", {})
    dumped = result.model_dump_json()
    assert CANARY_KEY[:12] not in dumped
    hidden = CANARY_KEY[:8] + "\u200b" + CANARY_KEY[8:]
    async with answered_by(literal(200, {**MENTION, "body": f"echo {hidden}"})) as (client, _):
        result = await call(client, "get_mention", {"sourceId": "reddit_t3_x"})
    assert CANARY_KEY not in result.model_dump_json()


async def test_a_429_with_another_code_respects_the_wait_cap() -> None:
    envelope = {"error": {"code": "rate_limit_exceeded", "message": "slow down", "status": 429}}

    def respond(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(429, json=envelope, headers={"Retry-After": "5"})

    async with answered_by(respond, rate_limit_wait_cap=0) as (client, seen):
        start = time.monotonic()
        await fails(client, "list_tags", {})
    assert time.monotonic() - start < 1.5 and len(seen) == 1


async def test_a_digit_string_view_is_sent_as_a_number(client: Any, sandbox: Sandbox) -> None:
    await ok(client, "list_mentions", {"view": "2", "limit": 1})
    assert sandbox.requests[-1].body["view"] == 2


def test_a_retry_after_date_without_a_zone_is_utc() -> None:
    now = 1_800_000_000.0
    when = time.strftime("%a, %d %b %Y %H:%M:%S -0000", time.gmtime(now + 120))
    assert retry_after(when, now=now) == pytest.approx(120, abs=1)
