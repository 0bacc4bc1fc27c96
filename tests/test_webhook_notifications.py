"""Inbox notifications where the transport carries them: listen streams on any replica, stdio sessions sharing Redis.

The sandbox delivers as Octolens does (a mention added to a connected feed is POSTed to the receiver of the
replica named by the public URL); real MCP clients listen (``subscriptions/listen``, 2026-07-28) or subscribe
(``resources/subscribe``, 2025-11-25 and before), and a real Redis relays between processes.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import anyio
import httpx2
import pytest
from anyio.streams.buffered import BufferedByteReceiveStream
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.server.subscriptions import ResourceUpdated, ServerEvent

from octolens_mcp.config import Settings
from octolens_mcp.mcp.server import build_server
from octolens_sandbox import FaultySandbox
from tests.conftest import CANARY_KEY, REPO, WRITE_KEY
from tests.conftest import settings as conftest_settings
from tests.http_harness import KeyedUpstream, mcp_session, running, url
from tests.installed_command import COMMAND, environment
from tests.redis_server import RedisServer
from tests.test_webhooks import BUG_FEED, receiver_url, structured, team_settings, workspace

pytestmark = pytest.mark.anyio

INBOX = f"octolens://feeds/{BUG_FEED}/inbox"
BETA_ORG = "org_2betaDEMO000002"
HEARD_WITHIN = 5.0
"""Seconds a notification may take from the sandbox's POST to the client."""
QUIET_FOR = 1.0
"""Seconds a stream that must hear nothing is watched (after the stream that must hear has heard)."""
TS_SUBSCRIBE = REPO / "tests" / "ts" / "subscribe.mjs"


def two_organisations() -> tuple[FaultySandbox, FaultySandbox, KeyedUpstream]:
    """Alpha (CANARY_KEY, the demo's organisation) and beta (WRITE_KEY, another one), both with feed 1."""
    alpha = workspace()
    beta = FaultySandbox(keys={WRITE_KEY: "admin"}, organization_id=BETA_ORG)
    beta.loopback_webhooks = True
    assert BUG_FEED in beta.feeds
    return alpha, beta, KeyedUpstream({CANARY_KEY: alpha, WRITE_KEY: beta})


@asynccontextmanager
async def modern_client(settings: Settings, key: str) -> AsyncIterator[Client]:
    """A 2026-07-28 client over HTTP (listen streams), with ``key`` as its Bearer token."""
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=30) as http,
        Client(streamable_http_client(url(settings), http_client=http)) as client,
    ):
        yield client


async def next_event(events: AsyncIterator[ServerEvent], within: float = HEARD_WITHIN) -> ServerEvent:
    with anyio.fail_after(within):
        return await events.__anext__()


async def hears_nothing(events: AsyncIterator[ServerEvent], within: float = QUIET_FOR) -> None:
    with anyio.move_on_after(within):
        event = await events.__anext__()
        pytest.fail(f"a stream heard {event} it must not hear")


async def test_a_delivery_to_one_replica_reaches_listen_streams_on_another_of_its_organisation_only() -> None:
    alpha, beta, upstream = two_organisations()
    with RedisServer() as redis:
        first = team_settings(redis_url=redis.url)
        second = replace(team_settings(redis_url=redis.url), public_url=first.public_url)
        async with (
            running(first, upstream),
            running(second, upstream),
            mcp_session(first, CANARY_KEY) as alpha_on_first,
            mcp_session(first, WRITE_KEY) as beta_on_first,
            modern_client(second, CANARY_KEY) as alpha_on_second,
            modern_client(second, WRITE_KEY) as beta_on_second,
        ):
            # Each organisation connects its own feed 1 (through the first replica: the sandbox delivers there).
            await structured(alpha_on_first, "connect_feed_webhook", {"feed": BUG_FEED})
            await structured(beta_on_first, "connect_feed_webhook", {"feed": BUG_FEED})
            assert receiver_url(alpha).startswith(url(first, "/webhooks/octolens/"))
            for client in (alpha_on_second, beta_on_second):  # a stream is only for a key with a successful call
                assert not (await client.call_tool("list_feeds", {})).is_error
            before = len(alpha.requests) + len(beta.requests)
            async with (
                alpha_on_second.listen(resource_subscriptions=[INBOX]) as ours,
                beta_on_second.listen(resource_subscriptions=[INBOX]) as theirs,
            ):
                assert ours.honored.resource_subscriptions == [INBOX] == theirs.honored.resource_subscriptions
                added = await alpha.add_mention(sentiment="Negative", sourceId="reddit_t3_alpha1")
                assert [d.status for d in alpha.deliveries] == [202]
                assert await next_event(ours) == ResourceUpdated(uri=INBOX)
                await hears_nothing(theirs)  # the same URI, another organisation's key: nothing

                # Beta's own delivery: the first thing its stream hears, and nothing on alpha's.
                theirs_added = await beta.add_mention(sentiment="Negative", sourceId="reddit_t3_beta1")
                assert [d.status for d in beta.deliveries] == [202]
                assert await next_event(theirs) == ResourceUpdated(uri=INBOX)
                await hears_nothing(ours)
            # Each key's organisation was remembered (in Redis) when it connected: listening asked nothing.
            assert len(alpha.requests) + len(beta.requests) == before

            # Read on the replica that did not receive it: each organisation its own inbox.
            read = (await alpha_on_second.read_resource(INBOX)).contents[0].text  # type: ignore[union-attr]
            assert added["sourceId"] in read and theirs_added["sourceId"] not in read
            read = (await beta_on_second.read_resource(INBOX)).contents[0].text  # type: ignore[union-attr]
            assert theirs_added["sourceId"] in read and added["sourceId"] not in read


async def test_a_redis_outage_fails_no_delivery_and_the_relay_comes_back() -> None:
    sandbox = workspace()
    with RedisServer() as redis:
        first = team_settings(redis_url=redis.url)
        second = replace(team_settings(redis_url=redis.url), public_url=first.public_url)
        upstream = KeyedUpstream({CANARY_KEY: sandbox})
        async with (
            running(first, upstream),
            running(second, upstream),
            mcp_session(first, CANARY_KEY) as session,
            modern_client(second, CANARY_KEY) as listener,
        ):
            await structured(session, "connect_feed_webhook", {"feed": BUG_FEED})
            assert not (await listener.call_tool("list_feeds", {})).is_error
            async with listener.listen(resource_subscriptions=[INBOX]) as events:
                redis.stop()
                started = time.monotonic()
                await sandbox.add_mention(sentiment="Negative")
                assert time.monotonic() - started < 1.0, "the receiver waited for Redis"
                assert sandbox.deliveries[-1].status == 202
                await hears_nothing(events)  # it could not be stored, so nothing is announced
                redis.start()  # an empty Redis: the feed's connection is gone, the receiver stores all the same
                with anyio.fail_after(30):  # the subscriber resubscribes within its back-off
                    while True:
                        await sandbox.add_mention(sentiment="Negative")
                        assert sandbox.deliveries[-1].status == 202
                        with anyio.move_on_after(1.0):
                            assert await events.__anext__() == ResourceUpdated(uri=INBOX)
                            break
            assert not (await listener.call_tool("list_feeds", {})).is_error


# --- stdio ---------------------------------------------------------------------------------------------


async def test_a_stdio_session_sharing_redis_is_told_of_a_delivery_to_the_team_server_and_reads_it() -> None:
    sandbox = workspace()  # the demo's organisation, as the stdio server's --demo key
    with RedisServer() as redis:
        team = team_settings(redis_url=redis.url)
        heard: list[str] = []
        arrived = anyio.Event()

        async def notified(message: Any) -> None:
            if getattr(message, "method", None) == "notifications/resources/updated":
                heard.append(str(message.params.uri))
                arrived.set()

        params = StdioServerParameters(command=COMMAND, args=["--demo"], env=environment(OCTOLENS_REDIS_URL=redis.url))
        async with (
            running(team, KeyedUpstream({CANARY_KEY: sandbox})),
            mcp_session(team, CANARY_KEY) as session,
            Client(params, mode="legacy", message_handler=notified) as stdio,
        ):
            await structured(session, "connect_feed_webhook", {"feed": BUG_FEED})
            resources = stdio.server_capabilities.resources
            assert resources is not None and resources.subscribe is True
            await stdio.subscribe_resource(INBOX)
            added = await sandbox.add_mention(sentiment="Negative")
            assert sandbox.deliveries[-1].status == 202
            with anyio.fail_after(HEARD_WITHIN):
                await arrived.wait()
            assert heard == [INBOX]
            read = (await stdio.read_resource(INBOX)).contents[0].text  # type: ignore[union-attr]
            assert added["sourceId"] in read and "<untrusted-data>" in read

            # Unsubscribed: the next delivery is not announced.
            arrived = anyio.Event()
            await stdio.unsubscribe_resource(INBOX)
            await sandbox.add_mention(sentiment="Negative")
            with anyio.move_on_after(QUIET_FOR):
                await arrived.wait()
            assert heard == [INBOX]


async def test_the_typescript_client_on_stdio_is_told_of_a_delivery_and_reads_it() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: install Node.js 20+ to run the TypeScript client tests")
    sandbox = workspace()
    with RedisServer() as redis:
        team = team_settings(redis_url=redis.url)
        scenario = {
            "command": COMMAND,
            "args": ["--demo"],
            "env": {"OCTOLENS_REDIS_URL": redis.url},
            "uri": INBOX,
            "timeoutMs": HEARD_WITHIN * 1000,
        }
        async with (
            running(team, KeyedUpstream({CANARY_KEY: sandbox})),
            mcp_session(team, CANARY_KEY) as session,
            await anyio.open_process([node, str(TS_SUBSCRIBE), json.dumps(scenario)], cwd=REPO) as process,
        ):
            await structured(session, "connect_feed_webhook", {"feed": BUG_FEED})
            assert process.stdout is not None
            lines = BufferedByteReceiveStream(process.stdout)
            with anyio.fail_after(30):
                first = json.loads(await lines.receive_until(b"\n", 1 << 20))
                assert first == {"subscribed": True, "subscribeCapability": True}
                added = await sandbox.add_mention(sentiment="Negative")
                second = json.loads(await lines.receive_until(b"\n", 1 << 20))
                await process.wait()
        assert second["updated"] == [INBOX]
        assert added["sourceId"] in second["read"]["text"] and "<untrusted-data>" in second["read"]["text"]


async def test_a_stdio_listen_stream_sharing_redis_hears_the_team_servers_delivery() -> None:
    sandbox = workspace()
    with RedisServer() as redis:
        team = team_settings(redis_url=redis.url)
        params = StdioServerParameters(command=COMMAND, args=["--demo"], env=environment(OCTOLENS_REDIS_URL=redis.url))
        async with (
            running(team, KeyedUpstream({CANARY_KEY: sandbox})),
            mcp_session(team, CANARY_KEY) as session,
            Client(params) as stdio,  # 2026-07-28 over stdio
        ):
            await structured(session, "connect_feed_webhook", {"feed": BUG_FEED})
            async with stdio.listen(resource_subscriptions=[INBOX]) as events:
                assert events.honored.resource_subscriptions == [INBOX]
                await sandbox.add_mention(sentiment="Negative")
                assert await next_event(events) == ResourceUpdated(uri=INBOX)


async def test_without_redis_a_stdio_server_neither_advertises_nor_accepts_inbox_subscriptions() -> None:
    server = build_server(conftest_settings(toolsets=("all",)))
    async with Client(server, mode="legacy") as legacy:
        resources = legacy.server_capabilities.resources
        assert resources is not None and not resources.subscribe
        with pytest.raises(MCPError, match=r"over stdio no webhook arrives.*OCTOLENS_REDIS_URL.*watch_mentions"):
            await legacy.subscribe_resource(INBOX)
        with pytest.raises(MCPError, match="only feed inboxes"):
            await legacy.subscribe_resource("octolens://guide")
    async with Client(server) as modern:
        resources = modern.server_capabilities.resources
        assert resources is not None and not resources.subscribe
        async with modern.listen(tools_list_changed=True, resource_subscriptions=[INBOX]) as events:
            assert not events.honored.resource_subscriptions  # acknowledged without what cannot arrive
            assert events.honored.tools_list_changed is True


def test_a_team_server_offers_no_session_subscriptions() -> None:
    """Stateless HTTP has no stream for a session's notifications: resources/subscribe is not served there."""
    server = build_server(team_settings())
    legacy = server.get_capabilities()
    assert legacy.resources is not None and not legacy.resources.subscribe
    modern = server.get_capabilities(protocol_version="2026-07-28")
    assert modern.resources is not None and modern.resources.subscribe  # listen streams carry them
