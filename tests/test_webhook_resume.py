"""A ``watch_mentions`` result cut by the token budget, or by its batch of 50, goes on exactly where it stopped.

The next call from the result's ``cursor`` (or with its ``truncated.resume`` arguments) returns the mentions the
cut left out, none lost and none repeated: in webhook mode (deliveries in the inbox of a team server over HTTP)
and in polling mode (a server without a receiver, polling the sandbox on a fake clock). Mentions sharing a
timestamp are the hard case for polling: a cursor that is only a timestamp loses the rest of that instant.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import httpx2
import pytest

from octolens_mcp.webhooks.watch import BATCH, POLL_PAGE, POLL_PAGES
from octolens_sandbox import FaultySandbox
from tests.conftest import CANARY_KEY, assert_no_secret
from tests.fake_clock import FakeClock
from tests.redis_server import RedisServer
from tests.test_webhooks import (
    BUG_FEED,
    delivery,
    polling_client,
    receiver_url,
    rows_of,
    structured,
    team,
    workspace,
)

pytestmark = pytest.mark.anyio

Call = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
SMALL_BUDGET = 2500
"""Tokens per result: a handful of mentions with long bodies, so that a result is cut by the budget."""
LONG = "The export to CSV fails for every dashboard we own, and support has not answered yet. " * 12


async def walk(call: Call, first: dict[str, Any], *, follow: str) -> tuple[list[str], int]:
    """Every mention from ``first``'s arguments on, following each result's ``cursor`` or, when cut, its
    ``truncated.resume`` arguments (``follow="resume"``); and how many results were cut."""
    seen: list[str] = []
    cuts = 0
    arguments = first
    for _ in range(200):
        result = await call(arguments)
        rows = rows_of(result)
        if not rows:
            return seen, cuts
        seen += [str(row["sourceId"]) for row in rows]
        cut = result.get("truncated")
        cuts += cut is not None
        if follow == "resume" and cut is not None:
            arguments = cut["resume"]["arguments"]
            assert arguments["since"] == result["cursor"]
            # The same feed and form go on (the feed by its id).
            assert arguments.get("detail") == first.get("detail") and ("feed" in arguments) == ("feed" in first)
        else:
            arguments = {**first, "since": result["cursor"]}
    raise AssertionError("the walk did not end")


# --- webhook mode ---------------------------------------------------------------------------------------------


async def deliver(sandbox: FaultySandbox, count: int, body: str) -> list[str]:
    """``count`` deliveries to the connected feed, as Octolens POSTs them; their sourceIds in order."""
    sent = [f"reddit_t3_walk{n:03d}" for n in range(count)]
    async with httpx2.AsyncClient() as http:
        for n, source_id in enumerate(sent):
            stamp = (datetime(2026, 12, 3, 9, 0, tzinfo=UTC) + timedelta(seconds=n // 3)).isoformat()
            answer = await http.post(
                receiver_url(sandbox), json=delivery(sourceId=source_id, body=body, timestamp=stamp)
            )
            assert answer.status_code == 202
    await anyio.sleep(0.3)  # stored after the answer
    return sent


@pytest.mark.parametrize(("follow", "store"), [("cursor", "memory"), ("resume", "memory"), ("cursor", "redis")])
async def test_a_webhook_result_cut_by_the_budget_goes_on_from_its_cursor(follow: str, store: str) -> None:
    with contextlib.ExitStack() as stack:
        redis_url = stack.enter_context(RedisServer()).url if store == "redis" else None
        await webhook_walk(follow, redis_url)


async def webhook_walk(follow: str, redis_url: str | None) -> None:
    sandbox = workspace()
    async with team(sandbox, result_tokens=SMALL_BUDGET, redis_url=redis_url) as (_settings, session):
        await structured(session, "connect_feed_webhook", {"feed": BUG_FEED})
        start = await structured(session, "watch_mentions", {"feed": BUG_FEED, "waitSeconds": 0})
        sent = await deliver(sandbox, 24, LONG)

        async def call(arguments: dict[str, Any]) -> dict[str, Any]:
            result = await structured(session, "watch_mentions", arguments)
            assert result["mode"] == "webhook"
            return result

        seen, cuts = await walk(call, {"feed": BUG_FEED, "since": start["cursor"], "waitSeconds": 0}, follow=follow)
    assert cuts >= 2, "no result was cut: the budget is too large for this test"
    # Each is stored after its answer: with Redis two stores may race, so the inbox's order is the arrival's.
    assert sorted(seen) == sorted(sent) and len(seen) == len(set(seen))


async def test_a_webhook_result_of_a_whole_batch_goes_on_from_its_cursor() -> None:
    sandbox = workspace()
    async with team(sandbox, result_tokens=200_000) as (_settings, session):
        await structured(session, "connect_feed_webhook", {"feed": BUG_FEED})
        start = await structured(session, "watch_mentions", {"waitSeconds": 0})
        sent = await deliver(sandbox, BATCH + 12, "short")
        first = await structured(session, "watch_mentions", {"since": start["cursor"], "waitSeconds": 0})
        assert len(rows_of(first)) == BATCH and "truncated" not in first
        seen, _cuts = await walk(
            lambda a: structured(session, "watch_mentions", a),
            {"since": start["cursor"], "waitSeconds": 0, "detail": "full"},
            follow="cursor",
        )
    assert seen == sent


# --- polling mode ---------------------------------------------------------------------------------------------


async def polling_walk(
    count: int, body: str, result_tokens: int, follow: str, *, polls: int = 3, gaps: list[str] | None = None
) -> tuple[list[str], list[str], int]:
    """``count`` new mentions, three to a timestamp, walked through a polling server; (added, seen, cuts).

    At most ``polls`` requests; each result's ``gap`` (if any) is added to ``gaps``."""
    clock = FakeClock()
    sandbox = FaultySandbox(keys={CANARY_KEY: "admin"}, clock=clock.wall)
    async with polling_client(sandbox, clock, result_tokens=result_tokens) as client:

        async def call(arguments: dict[str, Any]) -> dict[str, Any]:
            result = await client.call_tool("watch_mentions", arguments)
            assert_no_secret(result)
            assert not result.is_error, result.content
            assert result.structured_content is not None
            assert result.structured_content["mode"] == "polling"
            out: dict[str, Any] = result.structured_content
            if "gap" in out and gaps is not None:
                gaps.append(out["gap"])
            return out

        start = await call({"waitSeconds": 0})
        clock.now += 1
        moment = datetime.fromtimestamp(clock.wall(), UTC)
        added = [
            (await sandbox.add_mention(_moment=moment + timedelta(seconds=n // 3), body=body))["sourceId"]
            for n in range(count)
        ]
        clock.now += 120  # the next call may poll
        first = {"since": start["cursor"], "waitSeconds": 0, **({"detail": "full"} if follow == "resume" else {})}
        seen, cuts = await walk(call, first, follow=follow)
    made = sandbox.count("POST /mentions")
    assert made <= polls, made  # the walk answers from what one poll found
    return added, seen, cuts


async def test_a_polling_result_of_a_whole_batch_loses_nothing_of_a_shared_timestamp() -> None:
    added, seen, _cuts = await polling_walk(BATCH + 10, "short", 200_000, "cursor")
    # The 50th and 51st mentions share a timestamp: a cursor of the timestamp alone would skip the 51st.
    assert sorted(seen) == sorted(added) and len(seen) == len(set(seen))


@pytest.mark.parametrize("follow", ["cursor", "resume"])
async def test_a_polling_result_cut_by_the_budget_goes_on_from_its_cursor(follow: str) -> None:
    added, seen, cuts = await polling_walk(20, LONG, SMALL_BUDGET, follow)
    assert cuts >= 2, "no result was cut: the budget is too large for this test"
    assert sorted(seen) == sorted(added) and len(seen) == len(set(seen))


async def test_a_poll_reads_every_page_of_what_arrived_in_its_interval() -> None:
    # 260 new mentions in one interval: one poll reads its three pages (newest first), and the walk sees all.
    gaps: list[str] = []
    added, seen, _cuts = await polling_walk(260, "short", 200_000, "cursor", polls=1 + 3, gaps=gaps)
    assert sorted(seen) == sorted(added) and len(seen) == len(set(seen))
    assert gaps == []


async def test_a_poll_with_more_than_its_pages_names_the_gap() -> None:
    # Over POLL_PAGES pages in one interval: the newest are read, and the results say which span was not.
    gaps: list[str] = []
    count = POLL_PAGES * POLL_PAGE + 12
    added, seen, _cuts = await polling_walk(count, "short", 200_000, "cursor", polls=1 + POLL_PAGES, gaps=gaps)
    assert len(seen) == len(set(seen)) == POLL_PAGES * POLL_PAGE
    assert set(seen) == set(added[-POLL_PAGES * POLL_PAGE :])
    assert gaps and "were not read" in gaps[0] and "list_mentions" in gaps[0]
