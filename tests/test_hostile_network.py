"""The team server under a hostile network, on 127.0.0.1, bounded in time and count: junk tokens, floods, streams."""

from __future__ import annotations

import json
import secrets
import signal
import socket
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import MCPError

from octolens_mcp import redaction
from octolens_mcp.mcp.backend import MAX_TRIAL_CLIENTS, Backend, key_id
from octolens_mcp.mcp.exports import URI_PREFIX
from octolens_mcp.mcp.http_guard import MAX_TRACKED, Buckets, KeyBook
from octolens_mcp.mcp.request_note import RequestNote
from octolens_sandbox import FaultySandbox
from tests.conftest import CANARY_KEY, READ_KEY, assert_no_secret
from tests.http_harness import KeyedUpstream, http_process, http_settings, mcp_session, running, url

pytestmark = pytest.mark.anyio

MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}


def junk() -> str:
    return f"ak_live_{secrets.token_hex(12)}"


def bearer(key: str) -> dict[str, str]:
    return {**MCP_HEADERS, "Authorization": f"Bearer {key}"}


async def test_a_junk_token_costs_one_upstream_request_then_none_and_lists_cost_none() -> None:
    sandbox = FaultySandbox(keys={READ_KEY: "read"})
    settings = http_settings()
    token = junk()
    async with running(settings, KeyedUpstream({READ_KEY: sandbox})), httpx2.AsyncClient(timeout=10) as http:
        async with mcp_session(settings, token) as session:
            assert (await session.list_tools()).tools
            assert sandbox.requests == [], "a tool list sends nothing upstream (no GET /auth)"
            refused = await session.call_tool("list_tags")
            assert refused.is_error
        assert len(sandbox.requests) == 1, "the first call is sent and answered 401"
        # From now on the token is refused at the door: 401, no MCP, no upstream request.
        for _ in range(5):
            response = await http.post(url(settings), json=INITIALIZE, headers=bearer(token))
            assert response.status_code == 401
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert token not in response.text
        await anyio.sleep(0.2)
    assert len(sandbox.requests) == 1
    assert all(logged.path != "/auth" for logged in sandbox.requests)


async def test_rotating_tokens_from_one_address_get_429_before_any_work_and_real_keys_go_on() -> None:
    sandbox = FaultySandbox(keys={READ_KEY: "read"})
    settings = http_settings(http_unverified_per_address=6)
    async with running(settings, KeyedUpstream({READ_KEY: sandbox})), httpx2.AsyncClient(timeout=10) as http:
        redaction._recent.clear()
        # The real key proves itself first (its own unverified requests: initialize, initialized, the call).
        async with mcp_session(settings, READ_KEY) as session:
            assert not (await session.call_tool("list_tags")).is_error
        statuses = []
        for _ in range(40):
            response = await http.post(url(settings), json=INITIALIZE, headers=bearer(junk()))
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert int(response.headers["retry-after"]) >= 1
        assert statuses.count(429) >= 25, statuses  # a burst of 6, then 5 a second
        # A refused token is not even registered for redaction (that costs milliseconds a flood must not buy).
        assert len(redaction._recent) <= 12, "only the tokens let through were registered"
        sent = len(sandbox.requests)
        # A key Octolens accepted spends none of that budget: it is served at once.
        async with mcp_session(settings, READ_KEY) as session:
            result = await session.call_tool("list_tags")
            assert not result.is_error
            assert_no_secret(result)
        assert len(sandbox.requests) <= sent + 1


async def test_one_token_over_its_rate_gets_429_with_retry_after() -> None:
    sandbox = FaultySandbox(keys={READ_KEY: "read"})
    settings = http_settings(http_rate_per_key=2)
    async with running(settings, KeyedUpstream({READ_KEY: sandbox})), httpx2.AsyncClient(timeout=10) as http:
        statuses = [(await http.post(url(settings), json=INITIALIZE, headers=bearer(READ_KEY))).status_code]
        statuses += [(await http.post(url(settings), json=INITIALIZE, headers=bearer(READ_KEY))).status_code]
        statuses += [(await http.post(url(settings), json=INITIALIZE, headers=bearer(READ_KEY))).status_code]
        for _ in range(5):
            response = await http.post(url(settings), json=INITIALIZE, headers=bearer(READ_KEY))
            statuses.append(response.status_code)
        assert statuses[:4] == [200, 200, 200, 200], statuses  # a burst of twice the rate
        assert 429 in statuses[4:], statuses
        # Another token is not held back by this one's rate.
        other = await http.post(url(settings), json=INITIALIZE, headers=bearer(junk()))
        assert other.status_code == 200


async def test_junk_tokens_can_neither_grow_memory_nor_push_out_a_real_keys_client() -> None:
    sandbox = FaultySandbox(keys={READ_KEY: "read"})
    settings = replace(http_settings(), timeout=5)
    backend = Backend(settings, KeyedUpstream({READ_KEY: sandbox}))
    try:
        real = backend.client(READ_KEY)
        from octolens_mcp.catalog.org import AUTH

        await real.send(AUTH.request_with({}), write=False, deadline=time.monotonic() + 5)
        backend.settle(READ_KEY, real)
        for _ in range(MAX_TRIAL_CLIENTS * 4):
            backend.client(junk())
        assert backend.client(READ_KEY) is real, "a proven key keeps its client (and what it learned)"
        assert len(backend._trial) <= MAX_TRIAL_CLIENTS
    finally:
        await backend.aclose()

    book = KeyBook()
    for index in range(MAX_TRACKED + 100):
        book.settle(f"id-{index}", RequestNote(key_rejected=True))
    assert len(book._rejected) == MAX_TRACKED
    buckets = Buckets(1.0, 2.0)
    for index in range(MAX_TRACKED + 100):
        buckets.take(f"address-{index}")
    assert len(buckets._buckets) == MAX_TRACKED


async def test_a_refused_token_expires_from_the_negative_cache() -> None:
    now = [0.0]
    book = KeyBook(clock=lambda: now[0])
    book.settle("junk", RequestNote(key_rejected=True))
    assert book.rejected("junk") and not book.verified("junk")
    now[0] += 61
    assert not book.rejected("junk")
    book.settle("real", RequestNote(key_answered=True))
    assert book.verified("real")
    # A revoked key: its next answer is 401, and it is refused from then on.
    book.settle("real", RequestNote(key_rejected=True))
    assert book.rejected("real") and not book.verified("real")


def export_workspaces() -> KeyedUpstream:
    return KeyedUpstream(
        {
            READ_KEY: FaultySandbox(keys={READ_KEY: "read"}),
            CANARY_KEY: FaultySandbox(keys={CANARY_KEY: "admin"}, seed_value=11, organization_id="org_2betaDEMO000002"),
        }
    )


async def test_a_link_planted_in_a_keys_export_folder_is_never_followed(tmp_path: Path) -> None:
    settings = http_settings(export_dir=str(tmp_path))
    secret_file = tmp_path / "elsewhere.txt"
    secret_file.write_text(f"not an export {CANARY_KEY}")
    async with running(settings, export_workspaces()):
        async with mcp_session(settings, READ_KEY) as victim:
            victim_uri = str((await victim.call_tool("export_mentions", {"limit": 1})).structured_content["uri"])
        async with mcp_session(settings, CANARY_KEY) as attacker:
            own_uri = str((await attacker.call_tool("export_mentions", {"limit": 1})).structured_content["uri"])
            folder = tmp_path / key_id(CANARY_KEY)
            victim_file = tmp_path / key_id(READ_KEY) / victim_uri.removeprefix(URI_PREFIX)
            stamp = "mentions-20990101-000000-{}.json"
            targets = {"abcde1": secret_file, "abcde2": victim_file, "abcde3": Path("/proc/self/environ")}
            for suffix, target in targets.items():
                (folder / stamp.format(suffix)).symlink_to(target)
            listed = {str(resource.uri) for resource in (await attacker.list_resources()).resources}
            assert own_uri in listed
            for suffix in targets:
                uri = URI_PREFIX + stamp.format(suffix)
                assert uri not in listed
                with pytest.raises(MCPError, match="Unknown resource"):
                    await attacker.read_resource(uri)
            # The key's own folder swapped for a link to the victim's: nothing is served through it.
            own_name = own_uri.removeprefix(URI_PREFIX)
            (tmp_path / key_id(READ_KEY) / own_name).write_text("{}")
            moved = tmp_path / "moved"
            folder.rename(moved)
            folder.symlink_to(tmp_path / key_id(READ_KEY), target_is_directory=True)
            with pytest.raises(MCPError, match="Unknown resource"):
                await attacker.read_resource(own_uri)


async def test_what_an_export_read_serves_is_redacted(tmp_path: Path) -> None:
    settings = http_settings(export_dir=str(tmp_path))
    async with running(settings, export_workspaces()), mcp_session(settings, CANARY_KEY) as session:
        uri = str((await session.call_tool("export_mentions", {"limit": 1})).structured_content["uri"])
        written = tmp_path / key_id(CANARY_KEY) / uri.removeprefix(URI_PREFIX)
        written.write_text(json.dumps({"data": [{"body": f"echoed {CANARY_KEY}"}]}))
        read = await session.read_resource(uri)
        text = read.contents[0].text  # type: ignore[union-attr]
        assert "echoed" in text and CANARY_KEY not in text


async def closed_within(stream: anyio.abc.SocketStream, seconds: float, drip: bytes = b"") -> bool:
    """Whether the server closes ``stream`` within ``seconds`` (``drip``: a byte sent every 0.2 s meanwhile)."""
    with anyio.move_on_after(seconds):
        while True:
            if drip:
                try:
                    await stream.send(drip)
                except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
                    return True
            with anyio.move_on_after(0.2):
                try:
                    if await stream.receive() == b"":
                        return True
                except (anyio.EndOfStream, anyio.BrokenResourceError, OSError):
                    return True
    return False


async def test_slowloris_and_silent_connections_are_closed_and_healthz_keeps_answering() -> None:
    settings = http_settings(http_header_timeout=1.0)
    async with running(settings, KeyedUpstream({READ_KEY: FaultySandbox(keys={READ_KEY: "read"})})):
        slow = [await anyio.connect_tcp("127.0.0.1", settings.port) for _ in range(20)]
        silent = [await anyio.connect_tcp("127.0.0.1", settings.port) for _ in range(20)]
        for stream in slow:
            await stream.send(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        # A keep-alive connection that answered one request, then starts the next one slowly.
        again = await anyio.connect_tcp("127.0.0.1", settings.port)
        await again.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert b" 200 " in await again.receive()
        await again.send(b"GET /healthz HTTP/1.1\r\n")
        async with httpx2.AsyncClient(timeout=5) as http:
            assert (await http.get(url(settings, "/healthz"))).status_code == 200
        started = time.monotonic()
        results: list[bool] = []

        async def watch(stream: anyio.abc.SocketStream, drip: bytes) -> None:
            results.append(await closed_within(stream, 3.0, drip))

        async with anyio.create_task_group() as group:
            for stream in slow:
                group.start_soon(watch, stream, b"X")
            for stream in [*silent, again]:
                group.start_soon(watch, stream, b"")
        assert all(results) and len(results) == 41, results
        assert time.monotonic() - started < 3.0
        for stream in [*slow, *silent, again]:
            await stream.aclose()


async def test_at_the_connection_cap_the_idle_longest_make_room_and_healthz_answers() -> None:
    settings = http_settings(http_max_connections=8)
    async with running(settings, KeyedUpstream({READ_KEY: FaultySandbox(keys={READ_KEY: "read"})})):
        idle = [await anyio.connect_tcp("127.0.0.1", settings.port) for _ in range(8)]
        await anyio.sleep(0.1)
        async with httpx2.AsyncClient(timeout=5) as http:
            for _ in range(3):
                assert (await http.get(url(settings, "/healthz"))).status_code == 200
        closed = [await closed_within(stream, 0.5) for stream in idle]
        assert closed[0], "the connection idle longest was closed to make room"
        assert closed.count(True) <= 3
        for stream in idle:
            await stream.aclose()


async def test_event_streams_only_for_accepted_keys_and_at_most_the_cap_per_key() -> None:
    sandbox = FaultySandbox(keys={READ_KEY: "read"})
    settings = http_settings(http_streams_per_key=2)
    stream_headers = {"Accept": "text/event-stream", "Mcp-Protocol-Version": "2025-06-18"}
    async with running(settings, KeyedUpstream({READ_KEY: sandbox})), httpx2.AsyncClient(timeout=5) as http:
        refused = await http.get(url(settings), headers={**stream_headers, "Authorization": f"Bearer {junk()}"})
        assert refused.status_code == 405
        async with mcp_session(settings, READ_KEY) as session:
            assert not (await session.call_tool("list_tags")).is_error  # the key is accepted from now on
        keyed = {**stream_headers, "Authorization": f"Bearer {READ_KEY}"}
        async with (
            http.stream("GET", url(settings), headers=keyed) as first,
            http.stream("GET", url(settings), headers=keyed) as second,
        ):
            assert first.status_code == 200 and second.status_code == 200
            third = await http.get(url(settings), headers=keyed)
            assert third.status_code == 429 and int(third.headers["retry-after"]) >= 1
            metrics = (await http.get(url(settings, "/metrics"))).text
            assert "octolens_open_streams 2" in metrics


async def test_post_to_mcp_with_a_slash_is_served_not_redirected_to_http() -> None:
    sandbox = FaultySandbox(keys={READ_KEY: "read"})
    for trusted in (None, ("127.0.0.1",)):
        settings = http_settings(trusted_proxies=trusted)
        async with running(settings, KeyedUpstream({READ_KEY: sandbox})), httpx2.AsyncClient(timeout=5) as http:
            proxied = {**bearer(READ_KEY), "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
            response = await http.post(url(settings, "/mcp/"), json=INITIALIZE, headers=proxied)
            assert response.status_code == 200, (trusted, response.status_code, response.headers.get("location"))
            assert "location" not in response.headers


async def test_forwarded_addresses_count_only_from_trusted_proxies() -> None:
    sandbox = FaultySandbox(keys={READ_KEY: "read"})

    async def statuses(settings: Any, client: str) -> list[int]:
        async with httpx2.AsyncClient(timeout=5) as http:
            headers = {**bearer(junk()), "X-Forwarded-For": client}
            return [(await http.post(url(settings), json=INITIALIZE, headers=headers)).status_code for _ in range(3)]

    trusting = http_settings(trusted_proxies=("127.0.0.1",), http_unverified_per_address=2)
    async with running(trusting, KeyedUpstream({READ_KEY: sandbox})):
        assert await statuses(trusting, "198.51.100.1") == [200, 200, 429]
        assert await statuses(trusting, "198.51.100.2") == [200, 200, 429], "another client behind the proxy"
    distrusting = http_settings(http_unverified_per_address=2)
    async with running(distrusting, KeyedUpstream({READ_KEY: sandbox})):
        assert await statuses(distrusting, "198.51.100.1") == [200, 200, 429]
        assert await statuses(distrusting, "198.51.100.2") == [429, 429, 429], "a forged header changes nothing"


async def test_cors_answers_allowed_origins_and_nothing_for_others() -> None:
    sandbox = FaultySandbox(keys={READ_KEY: "read"})
    settings = http_settings(allowed_origins=("https://app.example.com", "http://localhost:*"))
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,mcp-protocol-version",
    }
    async with running(settings, KeyedUpstream({READ_KEY: sandbox})), httpx2.AsyncClient(timeout=5) as http:
        for origin in ("https://app.example.com", "http://localhost:5173"):
            answer = await http.options(url(settings), headers={**preflight, "Origin": origin})
            assert answer.status_code == 200
            assert answer.headers["access-control-allow-origin"] == origin
            assert "authorization" in answer.headers["access-control-allow-headers"].lower()
            served = await http.post(url(settings), json=INITIALIZE, headers={**bearer(READ_KEY), "Origin": origin})
            assert served.status_code == 200 and served.headers["access-control-allow-origin"] == origin
            exposed = served.headers["access-control-expose-headers"].lower()
            assert "mcp-session-id" in exposed and "www-authenticate" in exposed
            # A 401 too: the browser client can read WWW-Authenticate.
            keyless = await http.post(url(settings), json=INITIALIZE, headers={**MCP_HEADERS, "Origin": origin})
            assert keyless.status_code == 401 and keyless.headers["access-control-allow-origin"] == origin
        for foreign in ("https://evil.example", "https://app.example.com.evil.example", "http://localhost.evil:80"):
            answer = await http.options(url(settings), headers={**preflight, "Origin": foreign})
            assert "access-control-allow-origin" not in answer.headers
            refused = await http.post(url(settings), json=INITIALIZE, headers={**bearer(READ_KEY), "Origin": foreign})
            assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers


def test_sigterm_closes_open_event_and_listen_streams_at_once_and_exits_cleanly() -> None:
    key = "ak_demo_someone_4242"
    with http_process(["--demo", "--shutdown-grace", "15"]) as served:
        settings = http_settings(port=served.port)
        elapsed: list[float] = []

        async def drive() -> None:
            async with mcp_session(settings, key) as session:
                assert not (await session.call_tool("list_tags")).is_error  # the key is accepted
            headers = {"Accept": "text/event-stream", "Authorization": f"Bearer {key}"}
            body, listen_headers = listen_request(key)
            async with (
                httpx2.AsyncClient(timeout=30) as http,
                http.stream("GET", url(settings), headers={**headers, "Mcp-Protocol-Version": "2025-06-18"}) as stream,
                http.stream("POST", url(settings), json=body, headers=listen_headers) as listening,
            ):
                assert stream.status_code == 200  # held open, as a TypeScript client's is
                events = listening.aiter_text()
                assert "subscriptions/acknowledged" in await anext(events)
                started = time.monotonic()
                served.process.send_signal(signal.SIGTERM)
                with anyio.fail_after(10):
                    async for _ in stream.aiter_bytes():
                        pass
                    async for _ in events:
                        pass
                await anyio.to_thread.run_sync(served.process.wait, 10)
                elapsed.append(time.monotonic() - started)

        anyio.run(drive)
        assert served.process.returncode == 0
    assert elapsed[0] < 3.0, f"shutdown took {elapsed[0]:.1f}s with a stream open (grace 15 s)"
    assert b"Traceback" not in served.err
    assert key.encode() not in served.err


def listen_request(key: str) -> tuple[dict[str, Any], dict[str, str]]:
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
    body = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "subscriptions/listen",
        "params": {"notifications": {"toolsListChanged": True}, "_meta": meta},
    }
    headers = {**bearer(key), "Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "subscriptions/listen"}
    return body, headers


async def test_listen_streams_only_for_accepted_keys_and_at_most_the_cap_per_key() -> None:
    sandbox = FaultySandbox(keys={READ_KEY: "read"})
    settings = http_settings(http_streams_per_key=2)
    async with running(settings, KeyedUpstream({READ_KEY: sandbox})), httpx2.AsyncClient(timeout=5) as http:
        body, headers = listen_request(junk())
        refused = await http.post(url(settings), json=body, headers=headers)
        assert "has not yet made a successful call" in refused.text
        async with mcp_session(settings, READ_KEY) as session:
            assert not (await session.call_tool("list_tags")).is_error
        body, headers = listen_request(READ_KEY)
        async with (
            http.stream("POST", url(settings), json=body, headers=headers) as first,
            http.stream("POST", url(settings), json=body, headers=headers) as second,
        ):
            readers = [first.aiter_text(), second.aiter_text()]  # kept: a dropped reader closes its stream
            for stream, reader in zip((first, second), readers, strict=True):
                assert stream.status_code == 200
                assert "subscriptions/acknowledged" in await anext(reader)
            async with http.stream("POST", url(settings), json=body, headers=headers) as third:
                text = await anext(third.aiter_text())
                assert "Too many open subscription streams" in text, text


def test_at_a_low_open_file_limit_a_flood_of_idle_connections_is_refused_quietly() -> None:
    held: list[socket.socket] = []
    with http_process(["--demo"], open_files=160) as served:
        try:
            for _ in range(400):  # far more than the 160 files the process may open; not waiting for each
                flood = socket.socket()
                flood.setblocking(False)
                flood.connect_ex(("127.0.0.1", served.port))
                held.append(flood)
            time.sleep(0.5)
            for _ in range(5):
                assert httpx2.get(f"http://127.0.0.1:{served.port}/healthz", timeout=5).status_code == 200
        finally:
            for connection in held:
                connection.close()
    assert served.process.returncode == 0
    err = served.err.decode(errors="replace")
    assert "Traceback" not in err and err.count("\n") < 20, err[-2000:]
