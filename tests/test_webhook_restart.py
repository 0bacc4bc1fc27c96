"""A memory-only team server that restarts keeps waiting on the feeds connected before, at one request or two.

Without Redis the inbox's memory of connected feeds dies with the process. After a restart, a delivery for a
feed proves it is connected (no request), and ``watch_mentions`` asked for a feed it knows nothing about
reads that feed once (``GET /feeds/{id}``) and looks for this server's URL among its destinations; a "no" is
believed for a while, so polling does not read the feed again on every call. The claims are about the
requests that reached the sandbox and what the tools returned, through MCP sessions over HTTP.
"""

from __future__ import annotations

import contextlib
from typing import Any

import anyio
import httpx2
import pytest

from octolens_mcp.config import Settings
from octolens_mcp.webhooks.inbox import ORIGIN, MemoryInbox
from octolens_sandbox import SandboxTransport
from tests.conftest import CANARY_KEY
from tests.fake_clock import FakeClock
from tests.http_harness import mcp_session, running
from tests.redis_server import RedisServer
from tests.test_webhooks import BUG_FEED, delivery, receiver_url, rows_of, structured, team, team_settings, workspace

pytestmark = pytest.mark.anyio

BUY_FEED = 3
"""The seeded "Buy intent" feed: not connected to any webhook."""


def counted(**overrides: Any) -> Settings:
    """A team server's settings without the background GET /auth (tested on its own): every request counted here
    is one a call sent."""
    return team_settings(scope_filter=False, **overrides)


def operations(requests: list[Any]) -> list[str]:
    return [str(r.operation) for r in requests]


async def connected_then_stopped() -> tuple[Any, Settings, SandboxTransport, str]:
    """A server that connected the bug feed and gave a cursor, then stopped: (sandbox, settings, upstream, cursor)."""
    sandbox = workspace()
    settings = counted()
    upstream = SandboxTransport(sandbox)
    async with running(settings, upstream), mcp_session(settings, CANARY_KEY) as session:
        await structured(session, "connect_feed_webhook", {"feed": BUG_FEED})
        cursor = (await structured(session, "watch_mentions", {"waitSeconds": 0}))["cursor"]
    return sandbox, settings, upstream, cursor


async def test_a_restarted_server_waits_on_a_feed_connected_before_it_after_one_read_of_the_feed() -> None:
    sandbox = workspace()
    settings = counted()  # the same port, public URL and secret across the restart
    upstream = SandboxTransport(sandbox)
    async with running(settings, upstream), mcp_session(settings, CANARY_KEY) as session:
        await structured(session, "connect_feed_webhook", {"feed": BUG_FEED})
        start = await structured(session, "watch_mentions", {"feed": BUG_FEED, "waitSeconds": 0})
        before = [(await sandbox.add_mention(sentiment="Negative"))["sourceId"] for _ in range(2)]
        seen = await structured(session, "watch_mentions", {"since": start["cursor"], "waitSeconds": 5})
        assert [row["sourceId"] for row in rows_of(seen)] == before
        cursor = seen["cursor"]

    async with running(settings, upstream), mcp_session(settings, CANARY_KEY) as session:
        sent = len(sandbox.requests)
        results: list[dict[str, Any]] = []
        async with anyio.create_task_group() as group:

            async def watcher() -> None:
                arguments = {"feed": BUG_FEED, "since": cursor, "waitSeconds": 20}
                results.append(await structured(session, "watch_mentions", arguments))

            group.start_soon(watcher)
            with anyio.fail_after(10):
                while len(sandbox.requests) < sent + 2:  # noqa: ASYNC110 - the sandbox records, it does not signal
                    await anyio.sleep(0.05)
            await anyio.sleep(0.3)  # the watcher is waiting on the inbox now
            added = await sandbox.add_mention(sentiment="Negative")
        (watched,) = results
        assert watched["mode"] == "webhook"
        # The cursor from before the restart names the old process's inbox: the new one is read from its start.
        assert [row["sourceId"] for row in rows_of(watched)] == [added["sourceId"]]
        # The key's organisation and the feed, once each; then nothing while waiting.
        assert operations(sandbox.requests[sent:]) == ["GET /org", "GET /feeds/{id}"]

        again = await structured(
            session, "watch_mentions", {"feed": BUG_FEED, "since": watched["cursor"]} | {"waitSeconds": 0}
        )
        assert again["mode"] == "webhook" and rows_of(again) == []
        later = await sandbox.add_mention(sentiment="Negative")
        got = await structured(session, "watch_mentions", {"since": again["cursor"], "waitSeconds": 5})
        assert [row["sourceId"] for row in rows_of(got)] == [later["sourceId"]]
        assert len(sandbox.requests) == sent + 2


async def test_after_a_restart_a_delivery_proves_its_feed_connected_without_any_feed_read() -> None:
    sandbox, settings, upstream, cursor = await connected_then_stopped()

    async with running(settings, upstream), mcp_session(settings, CANARY_KEY) as session:
        sent = len(sandbox.requests)
        added = await sandbox.add_mention(sentiment="Negative")
        assert [d.status for d in sandbox.deliveries][-1:] == [202]
        await anyio.sleep(0.2)  # stored after the answer
        # No feed named: the one the delivery proved connected is the only one known.
        got = await structured(session, "watch_mentions", {"since": cursor, "waitSeconds": 5})
        assert got["mode"] == "webhook" and got["feed"] == {"id": BUG_FEED, "name": "Negative brand mentions"}
        assert [row["sourceId"] for row in rows_of(got)] == [added["sourceId"]]
        assert operations(sandbox.requests[sent:]) == ["GET /org"]


async def test_after_a_restart_watching_with_no_feed_named_finds_the_connected_one_in_one_read_of_the_feed_list() -> (
    None
):
    sandbox, settings, upstream, cursor = await connected_then_stopped()

    async with running(settings, upstream), mcp_session(settings, CANARY_KEY) as session:
        sent = len(sandbox.requests)
        first = await structured(session, "watch_mentions", {"since": cursor, "waitSeconds": 0})
        # "The connected feed", as before the restart: not every mention of the organisation, polled.
        assert first["mode"] == "webhook" and first["feed"] == {"id": BUG_FEED, "name": "Negative brand mentions"}
        assert operations(sandbox.requests[sent:]) == ["GET /org", "GET /feeds"]
        added = await sandbox.add_mention(sentiment="Negative")
        got = await structured(session, "watch_mentions", {"since": first["cursor"], "waitSeconds": 5})
        assert [row["sourceId"] for row in rows_of(got)] == [added["sourceId"]]
        assert len(sandbox.requests) == sent + 2


async def test_with_no_feed_connected_the_feed_list_is_read_once_and_the_answer_remembered() -> None:
    sandbox = workspace()
    async with team(sandbox, scope_filter=False) as (_settings, session):
        sent = len(sandbox.requests)
        first = await structured(session, "watch_mentions", {"waitSeconds": 0})
        assert first["mode"] == "polling" and first["feed"] is None
        assert operations(sandbox.requests[sent:]) == ["GET /org", "GET /feeds", "POST /mentions"]
        sent = len(sandbox.requests)
        again = await structured(session, "watch_mentions", {"since": first["cursor"], "waitSeconds": 0})
        assert again["mode"] == "polling" and len(sandbox.requests) == sent  # no re-read, no poll yet
        await structured(session, "connect_feed_webhook", {"feed": BUG_FEED})
        sent = len(sandbox.requests)
        now = await structured(session, "watch_mentions", {"waitSeconds": 0})
        assert now["mode"] == "webhook" and len(sandbox.requests) == sent


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_a_feed_that_is_not_connected_is_read_once_then_polled_and_connect_or_disconnect_act_at_once(
    store: str,
) -> None:
    with contextlib.ExitStack() as stack:
        redis_url = stack.enter_context(RedisServer()).url if store == "redis" else None
        await not_connected_then_connected(redis_url)


async def not_connected_then_connected(redis_url: str | None) -> None:
    sandbox = workspace()
    async with team(sandbox, scope_filter=False, redis_url=redis_url) as (_settings, session):
        sent = len(sandbox.requests)
        first = await structured(session, "watch_mentions", {"feed": BUY_FEED, "waitSeconds": 0})
        assert first["mode"] == "polling"
        assert operations(sandbox.requests[sent:]) == ["GET /org", "GET /feeds/{id}", "POST /mentions"]
        # The "no" is remembered: the next call neither reads the feed nor polls (within the poll interval).
        sent = len(sandbox.requests)
        second = await structured(
            session, "watch_mentions", {"feed": BUY_FEED, "since": first["cursor"]} | {"waitSeconds": 0}
        )
        assert second["mode"] == "polling" and len(sandbox.requests) == sent

        await structured(session, "connect_feed_webhook", {"feed": BUY_FEED})
        sent = len(sandbox.requests)
        connected = await structured(session, "watch_mentions", {"feed": BUY_FEED, "waitSeconds": 0})
        assert connected["mode"] == "webhook" and len(sandbox.requests) == sent

        target = receiver_url_of(sandbox, BUY_FEED)
        await structured(session, "disconnect_feed_webhook", {"feed": BUY_FEED})
        # A delivery Octolens sent before the destination went proves nothing against that answer.
        async with httpx2.AsyncClient() as http:
            late = delivery(viewId=BUY_FEED, viewName="Buy intent", sourceId="reddit_t3_late")
            assert (await http.post(target, json=late)).status_code == 202
        await anyio.sleep(0.2)
        sent = len(sandbox.requests)
        gone = await structured(session, "watch_mentions", {"feed": BUY_FEED, "waitSeconds": 0})
        assert gone["mode"] == "polling"
        assert "GET /feeds/{id}" not in operations(sandbox.requests[sent:])


async def test_a_feed_whose_webhook_is_not_this_servers_url_is_polled() -> None:
    sandbox = workspace()
    sandbox.feeds[BUY_FEED]["destinations"].append(
        {
            "type": "WEBHOOK",
            "frequency": "hourly",
            "deliveryMode": "individual",
            "webhookDestination": {"url": "https://hooks.example.test/elsewhere"},
        }
    )
    async with team(sandbox, scope_filter=False) as (_settings, session):
        got = await structured(session, "watch_mentions", {"feed": "Buy intent", "waitSeconds": 0})
        assert got["mode"] == "polling"


def receiver_url_of(sandbox: Any, feed: int) -> str:
    if feed == BUG_FEED:
        return receiver_url(sandbox)
    urls = [d["webhookDestination"]["url"] for d in sandbox.feeds[feed]["destinations"] if d["type"] == "WEBHOOK"]
    assert len(urls) == 1
    return str(urls[0])


# --- the memory inbox's positions -------------------------------------------------------------------------


async def test_a_memory_position_from_another_process_reads_from_the_start_and_a_skip_survives_trimming() -> None:
    clock = FakeClock()
    old, new = MemoryInbox(10, 100.0, clock.wall), MemoryInbox(3, 100.0, clock.wall)
    await old.add("org_a", 1, {"sourceId": "old"})
    stale = await old.head("org_a", 1)
    for n in range(3):
        await new.add("org_a", 1, {"sourceId": f"s{n}"})
    found, _after = await new.after("org_a", 1, await new.skip("org_a", 1, stale, 2), 10)
    assert [m["sourceId"] for m in found] == ["s0", "s1", "s2"]  # the old process's skip means nothing here
    start = await new.head("org_a", 1)
    for n in range(3, 6):
        await new.add("org_a", 1, {"sourceId": f"s{n}"})
    await new.add("org_a", 1, {"sourceId": "s6"})  # s3 is trimmed (3 kept): skipping 1 still lands after s3
    found, _after = await new.after("org_a", 1, await new.skip("org_a", 1, start, 1), 10)
    assert [m["sourceId"] for m in found] == ["s4", "s5", "s6"]
    assert (await new.after("org_a", 1, ORIGIN, 10))[0] == found
