"""The client under faults, the rate limit and cancellation; the reference-data cache; secrets.

Every case counts the requests that reached the sandbox: a read recovers from a transient fault,
and a write that may have reached the API is sent exactly once and answers RESPONSE_LOST.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import anyio
import pytest

from octolens_mcp.catalog.inventory import BY_NAME
from octolens_sandbox import Fault, FaultySandbox
from tests.conftest import CANARY_KEY, connect, fails, ok

pytestmark = pytest.mark.anyio

HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
INTERNAL = json.dumps({"error": {"code": "INTERNAL_ERROR", "message": "Unexpected failure", "status": 500}})


def fault(kind: str, route: str | None, **options: Any) -> Fault:
    return Fault(kind, route=route, **options)  # type: ignore[arg-type]


# (case, fault builder, read outcome, write outcome); an outcome is "ok" or an error code.
MATRIX: list[tuple[str, dict[str, Any], str, str]] = [
    ("429 short Retry-After", {"kind": "rate_limit", "retry_after": 1}, "ok", "ok"),
    ("429 long Retry-After", {"kind": "rate_limit", "retry_after": 120}, "RATE_LIMITED", "RATE_LIMITED"),
    (
        "500 envelope",
        {"kind": "status", "status": 500, "body": INTERNAL, "headers": {"Content-Type": "application/json"}},
        "INTERNAL_ERROR",
        "RESPONSE_LOST",
    ),
    ("502 HTML", {"kind": "status", "status": 502, "body": HTML_502}, "ok", "RESPONSE_LOST"),
    ("503", {"kind": "status", "status": 503, "body": ""}, "ok", "RESPONSE_LOST"),
    ("connection refused", {"kind": "refuse"}, "ok", "ok"),
    ("connect timeout", {"kind": "connect_timeout"}, "ok", "ok"),
    ("pool timeout", {"kind": "pool_timeout"}, "ok", "ok"),
    ("reset before any response", {"kind": "reset"}, "ok", "RESPONSE_LOST"),
    ("truncated body", {"kind": "truncate"}, "ok", "RESPONSE_LOST"),
    ("invalid JSON on 2xx", {"kind": "invalid_json"}, "ok", "RESPONSE_LOST"),
    ("slower than the deadline", {"kind": "slow_after", "seconds": 6.0}, "ok", "RESPONSE_LOST"),
]
# Faults that fail the connection before anything is sent: even a write is resent.
NEVER_SENT = {"connection refused", "connect timeout", "pool timeout"}
# Faults after which the write really landed (the sandbox handled it before misbehaving).
LANDED = {"truncated body", "invalid JSON on 2xx", "slower than the deadline"}


@pytest.mark.parametrize(("case", "spec", "outcome", "_write"), MATRIX, ids=[m[0] for m in MATRIX])
async def test_read_under_fault(
    sandbox: FaultySandbox, case: str, spec: dict[str, Any], outcome: str, _write: str
) -> None:
    sandbox.faults.append(fault(route="GET /feeds", **spec))
    async with connect(sandbox, timeout=3.0, cache_ttl=0) as client:
        if outcome == "ok":
            feeds = await ok(client, "list_feeds")
            assert [f["id"] for f in feeds["data"]] == [1, 2, 3]
        else:
            error = await fails(client, "list_feeds")
            assert error["code"] == outcome
    reached = sandbox.count("GET /feeds")
    if case in NEVER_SENT:
        assert (reached, sandbox.refused) == (1, 1)
    else:
        assert reached == (2 if outcome == "ok" else 1)


@pytest.mark.parametrize(("case", "spec", "_read", "outcome"), MATRIX, ids=[m[0] for m in MATRIX])
async def test_write_under_fault(
    sandbox: FaultySandbox, case: str, spec: dict[str, Any], _read: str, outcome: str
) -> None:
    sandbox.faults.append(fault(route="POST /feeds", **spec))
    async with connect(sandbox, timeout=3.0, cache_ttl=0) as client:
        if outcome == "ok":
            created = await ok(client, "create_feed", {"name": "Launch watch"})
            assert created["name"] == "Launch watch"
        else:
            error = await fails(client, "create_feed", {"name": "Launch watch"})
            assert error["code"] == outcome
            if outcome == "RESPONSE_LOST":
                assert error["mayHaveLanded"] is True and "list_feeds" in error["verify"]
                assert "list_feeds" in error["hint"] and "Do not repeat it blindly" in error["hint"]
            if outcome == "RATE_LIMITED":
                assert error["retryAfterSeconds"] == 120
                # The 429 holds this key: its next call is refused without a request.
                before = sandbox.count()
                assert (await fails(client, "list_feeds"))["sent"] is False and sandbox.count() == before
        if outcome != "RATE_LIMITED":
            names = [f["name"] for f in (await ok(client, "list_feeds"))["data"]]
    if outcome == "RATE_LIMITED":
        async with connect(sandbox, cache_ttl=0) as elsewhere:  # another process, which never saw the 429
            names = [f["name"] for f in (await ok(elsewhere, "list_feeds"))["data"]]
    sent = sandbox.count("POST /feeds")
    expected_sent = 2 if case == "429 short Retry-After" else 1
    assert sent == expected_sent, "a write that may have landed must be sent exactly once"
    landed = outcome == "ok" or case in LANDED
    assert names.count("Launch watch") == (1 if landed else 0)


async def test_rate_limit_budget_follows_headers_and_fails_fast(sandbox: FaultySandbox) -> None:
    sandbox.rate_limit = 3
    async with connect(sandbox, cache_ttl=0) as client:
        first = await client.call_tool("get_org", {})
        second = await client.call_tool("get_usage", {})
        assert first.meta is not None and second.meta is not None
        assert first.meta["octolens/rateLimit"]["remaining"] == 2
        assert second.meta["octolens/rateLimit"]["remaining"] == 1
        assert second.meta["octolens/rateLimit"]["limit"] == 3
        await ok(client, "list_tags")
        before = sandbox.count()
        error = await fails(client, "get_org")
    assert error["code"] == "RATE_LIMITED" and error["sent"] is False and error["retryAfterSeconds"] > 0
    assert sandbox.count() == before, "a spent budget must not send a request"


HELD_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get_org", {}),
    ("get_usage", {}),
    ("list_keywords", {}),
    ("list_feeds", {}),
    ("list_tags", {}),
    ("list_mentions", {"limit": 5}),
    ("get_mention", {"sourceId": "reddit_t3_anything"}),
    ("update_mention", {"sourceId": "reddit_t3_anything", "sentiment": "Neutral"}),
    ("run_search", {"query": "acme"}),
    ("get_feedback_stats", {}),
]


async def test_a_429_holds_every_later_call_until_its_retry_after(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(fault("rate_limit", "GET /org", retry_after=60))
    async with connect(sandbox) as client:
        first = await fails(client, "get_org")
        assert first["code"] == "RATE_LIMITED" and first["retryAfterSeconds"] == 60
        assert sandbox.count() == 1
        for name, arguments in HELD_CALLS:
            error = await fails(client, name, arguments)
            assert error["code"] == "RATE_LIMITED" and error["sent"] is False, name
            assert 55 <= error["retryAfterSeconds"] <= 61 and f"{error['retryAfterSeconds']} seconds" in error["hint"]
    assert sandbox.count() == 1, "no call is sent while the 429's Retry-After runs"


async def test_a_429_hold_ends_when_its_wait_is_over(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(fault("rate_limit", "GET /org", retry_after=1))
    async with connect(sandbox, rate_limit_wait_cap=0) as client:  # returned at once, not waited through
        assert (await fails(client, "get_org"))["code"] == "RATE_LIMITED"
        held = await fails(client, "list_tags")
        assert held["sent"] is False and 0 < held["retryAfterSeconds"] <= 2
        assert sandbox.count() == 1
        await anyio.sleep(held["retryAfterSeconds"])
        assert (await ok(client, "list_tags"))["data"]
    assert [r.operation for r in sandbox.requests] == ["GET /org", "GET /tags"]


async def test_a_call_that_waits_out_its_429_is_sent_while_the_others_are_held(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(fault("rate_limit", "GET /org", retry_after=1))
    async with connect(sandbox) as client:
        outcome: dict[str, Any] = {}

        async def waits_it_out() -> None:
            outcome["org"] = await ok(client, "get_org")

        async with anyio.create_task_group() as group:
            group.start_soon(waits_it_out)
            await anyio.sleep(0.3)  # the 429 came back; get_org sleeps through its Retry-After
            outcome["held"] = await fails(client, "list_tags")
        assert outcome["org"]["name"] and outcome["held"]["sent"] is False
        # The retry's answer shows requests are served again: the hold is gone.
        assert (await ok(client, "list_tags"))["data"]
    assert [r.operation for r in sandbox.requests] == ["GET /org", "GET /org", "GET /tags"]


async def test_429_wait_reports_progress_then_retries(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(fault("rate_limit", "GET /org", retry_after=1))
    messages: list[str | None] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message)

    async with connect(sandbox, cache_ttl=0) as client:
        result = await client.call_tool("get_org", {}, progress_callback=on_progress)
    assert not result.is_error and sandbox.count("GET /org") == 2
    assert messages == ["RATE_LIMITED: retrying in 1.0s"]


async def test_429_longer_than_the_cap_returns_at_once(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(fault("rate_limit", "GET /org", retry_after=5))
    async with connect(sandbox, rate_limit_wait_cap=2.0) as client:
        with anyio.fail_after(2):
            error = await fails(client, "get_org")
    assert error["code"] == "RATE_LIMITED" and error["retryAfterSeconds"] == 5 and "5 seconds" in error["hint"]


async def test_cancelled_call_stops_upstream_work(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(fault("latency", "GET /org", seconds=5.0))
    async with connect(sandbox) as client:
        with anyio.move_on_after(0.3) as scope:
            await client.call_tool("get_org", {})
        assert scope.cancelled_caught
        await anyio.sleep(0.5)  # the cancellation reaches the server as a notification
        assert sandbox.cancelled == 1
        assert sandbox.count("GET /org") == 1
        usage = await ok(client, "get_usage")  # the session is still usable
        assert usage["plan"] == "Pro_v3"


async def test_no_call_hangs_past_its_deadline(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(fault("latency", None, seconds=30.0, times=10))
    async with connect(sandbox, timeout=0.5, cache_ttl=0) as client:
        with anyio.fail_after(3):
            error = await fails(client, "get_org")
    assert error["code"] == "UPSTREAM_TIMEOUT"


async def test_reference_data_is_cached_and_invalidated_by_writes(sandbox: FaultySandbox) -> None:
    async with connect(sandbox) as client:
        await ok(client, "list_keywords")
        again = await client.call_tool("list_keywords", {})
        assert again.meta is not None and again.meta["octolens/cached"] is True
        assert sandbox.count("GET /keywords") == 1
        await ok(client, "list_feeds")
        await ok(client, "update_keyword", {"id": 2, "excludeWords": "careers"})
        rows = (await ok(client, "list_keywords"))["data"]
        assert next(r for r in rows if r["id"] == 2)["excludeWords"] == "careers"
        assert sandbox.count("GET /keywords") == 2
        await ok(client, "list_feeds")  # a keyword write may cascade to feeds
        assert sandbox.count("GET /feeds") == 2
        await ok(client, "get_org")
        await ok(client, "get_org")
        assert sandbox.count("GET /org") == 1


async def test_concurrent_identical_reads_share_one_request(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(fault("latency", "GET /org/company", seconds=0.3))
    results: list[dict[str, Any]] = []
    async with connect(sandbox) as client:

        async def read() -> None:
            results.append(await ok(client, "get_company"))

        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(read)
    assert len(results) == 5 and all(r == results[0] for r in results)
    assert sandbox.count("GET /org/company") == 1


async def test_cache_can_be_turned_off(sandbox: FaultySandbox) -> None:
    async with connect(sandbox, cache_ttl=0) as client:
        await ok(client, "list_tags")
        await ok(client, "list_tags")
    assert sandbox.count("GET /tags") == 2


async def test_unexpected_failure_shows_no_internals_and_no_key(
    sandbox: FaultySandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(body: Any) -> Any:
        raise RuntimeError(f"boom with {CANARY_KEY} inside")

    monkeypatch.setitem(BY_NAME, "get_auth_info", replace(BY_NAME["get_auth_info"], shape=explode))
    caplog.set_level(logging.DEBUG)
    async with connect(sandbox) as client:
        error = await fails(client, "get_auth_info")
    assert error["code"] == "INTERNAL_ERROR" and "boom" not in json.dumps(error)
    assert "boom with ak_***" in caplog.text and CANARY_KEY not in caplog.text


async def test_engage_is_not_read_back_so_a_failing_read_cannot_fail_it(sandbox: FaultySandbox) -> None:
    mention = next(m for m in sandbox.mentions if not m["engaged"])
    # The first GET (current state) passes; any read after the toggle would fail.
    sandbox.faults.append(fault("status", "GET /mentions/{sourceId}", status=404, body="", skip=1, times=10))
    async with connect(sandbox) as client:
        result = await ok(client, "update_mention", {"sourceId": mention["sourceId"], "engaged": True})
    assert result["ok"] is True and result["changed"] is True and result["engaged"] is True
    assert "verified" not in result
    assert sandbox.count("PATCH /mentions/{sourceId}") == 1 and sandbox.count("GET /mentions/{sourceId}") == 1


async def test_search_whose_poll_fails_hands_back_its_id(sandbox: FaultySandbox) -> None:
    sandbox.search_polls_needed = 8  # more than the blocking wait (5 s) covers
    sandbox.search_retry_after = 0
    sandbox.faults.append(fault("status", "GET /search/{searchId}", status=404, body="", times=5))
    async with connect(sandbox) as client:
        result = await ok(client, "run_search", {"query": "acme"})
    assert result["status"] == "running" and result["searchId"].startswith("srch_")
    assert sandbox.count("POST /search") == 1
