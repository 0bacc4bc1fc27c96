"""The team server over streamable HTTP: a key per request, refusals before MCP, isolation across keys."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from typing import Any

import anyio
import httpx2
import pytest
from mcp import ClientSession, MCPDeprecationWarning
from mcp_types import CallToolResult

from octolens_sandbox import Fault, FaultySandbox, Sandbox
from tests.conftest import CANARY_KEY, READ_KEY, WRITE_KEY, assert_no_secret
from tests.http_harness import KeyedUpstream, http_process, http_settings, mcp_session, running, url

pytestmark = pytest.mark.anyio

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def two_workspaces() -> tuple[FaultySandbox, FaultySandbox]:
    """Workspace A (a read key) and workspace B (an admin key), told apart by their org and keyword names."""
    alpha = FaultySandbox(keys={READ_KEY: "read"})
    beta = FaultySandbox(keys={CANARY_KEY: "admin"}, seed_value=11, organization_id="org_2betaDEMO000002")
    assert beta.org is not None
    beta.org["name"] = "Beta Workspace"
    for row in beta.keywords.values():
        row["keyword"] = f"beta-{row['keyword']}"
    return alpha, beta


async def structured(session: ClientSession, tool: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await session.call_tool(tool, arguments or {})
    assert_no_secret(result)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    content: dict[str, Any] = result.structured_content
    return content


def error_code(result: CallToolResult) -> str:
    assert result.is_error
    text = result.content[0].text if result.content and result.content[0].type == "text" else ""
    code: str = json.loads(text.splitlines()[-1])["error"]["code"]
    return code


def requests_to(sandbox: Sandbox, path: str) -> int:
    return sum(1 for logged in sandbox.requests if logged.path == path)


async def test_a_request_without_a_key_gets_401_json_and_never_reaches_mcp_or_upstream() -> None:
    sandbox = FaultySandbox(keys={READ_KEY: "read"})
    settings = http_settings()
    async with running(settings, KeyedUpstream({READ_KEY: sandbox})), httpx2.AsyncClient() as http:
        refused: list[dict[str, Any]] = [
            {},
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {"Authorization": "Bearer"},
            {"Authorization": "Bearer ak_caf\xe9_1234567".encode("latin-1")},  # not ASCII: no key could be
        ]
        for headers in refused:
            response = await http.post(url(settings), json=INITIALIZE, headers={**MCP_HEADERS, **headers})
            assert response.status_code == 401
            assert response.headers["content-type"] == "application/json"
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json()["error"]["code"] == "UNAUTHORIZED"
            assert "mcp-session-id" not in response.headers
    assert sandbox.requests == []


async def test_wrong_host_bad_origin_and_oversized_bodies_are_refused() -> None:
    sandbox = FaultySandbox(keys={READ_KEY: "read"})
    settings = http_settings(max_request_bytes=64 * 1024)
    keyed = {**MCP_HEADERS, "Authorization": f"Bearer {READ_KEY}"}
    async with running(settings, KeyedUpstream({READ_KEY: sandbox})), httpx2.AsyncClient() as http:
        wrong_host = await http.post(url(settings), json=INITIALIZE, headers={**keyed, "Host": "attacker.example"})
        assert wrong_host.status_code == 421
        bad_origin = await http.post(
            url(settings), json=INITIALIZE, headers={**keyed, "Origin": "https://evil.example"}
        )
        assert bad_origin.status_code == 403
        padded = {**INITIALIZE, "padding": "x" * (65 * 1024)}
        oversized = await http.post(url(settings), content=json.dumps(padded), headers=keyed)
        assert oversized.status_code == 413
        allowed = await http.post(url(settings), json=INITIALIZE, headers=keyed)
        assert allowed.status_code == 200
    assert sandbox.requests == []


async def test_a_deployment_names_its_own_hosts() -> None:
    settings = http_settings(allowed_hosts=("mcp.example.com",))
    keyed = {**MCP_HEADERS, "Authorization": f"Bearer {READ_KEY}"}
    async with running(settings, KeyedUpstream({READ_KEY: Sandbox()})), httpx2.AsyncClient() as http:
        named = await http.post(url(settings), json=INITIALIZE, headers={**keyed, "Host": "mcp.example.com"})
        assert named.status_code == 200
        loopback = await http.post(url(settings), json=INITIALIZE, headers=keyed)
        assert loopback.status_code == 421


async def test_healthz_answers_without_a_key_and_reveals_nothing() -> None:
    settings = http_settings()
    async with running(settings, KeyedUpstream({READ_KEY: Sandbox()})), httpx2.AsyncClient() as http:
        response = await http.get(url(settings, "/healthz"))
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert "server" not in response.headers
        assert (await http.head(url(settings, "/healthz"))).status_code == 200


async def test_each_key_sees_only_its_own_workspace_interleaved_and_concurrent() -> None:
    alpha, beta = two_workspaces()
    settings = http_settings()
    async with (
        running(settings, KeyedUpstream({READ_KEY: alpha, CANARY_KEY: beta})),
        mcp_session(settings, READ_KEY) as a,
        mcp_session(settings, CANARY_KEY) as b,
    ):
        seen: dict[str, set[str]] = {"a": set(), "b": set()}

        async def reads(name: str, session: ClientSession) -> None:
            for _ in range(5):
                org = await structured(session, "get_org")
                keywords = await structured(session, "list_keywords")
                seen[name].add(org["name"])
                seen[name].update(row["keyword"] for row in keywords["data"])

        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(reads, "a", a)
                group.start_soon(reads, "b", b)
    assert "Beta Workspace" in seen["b"] and "Beta Workspace" not in seen["a"]
    assert all(word.startswith("beta-") for word in seen["b"] - {"Beta Workspace"})
    assert not any(word.startswith("beta-") for word in seen["a"])
    # Each workspace was asked for its own reference data: nothing cached for one key served the other.
    assert requests_to(alpha, "/keywords") >= 1 and requests_to(beta, "/keywords") >= 1


async def test_a_spent_budget_and_a_narrow_scope_belong_to_their_key_alone() -> None:
    alpha, beta = two_workspaces()
    alpha.rate_limit = 4
    settings = http_settings(cache_ttl=0)
    async with (
        running(settings, KeyedUpstream({READ_KEY: alpha, CANARY_KEY: beta})),
        mcp_session(settings, READ_KEY) as a,
        mcp_session(settings, CANARY_KEY) as b,
    ):
        # Lists alone never ask for a scope; each key's first answered call starts learning it (GET /auth).
        every = {tool.name for tool in (await a.list_tools()).tools}
        assert "add_keyword" in every
        await b.list_tools()
        assert alpha.requests == [] and beta.requests == []
        await structured(a, "list_tags")
        await structured(b, "list_tags")
        await anyio.sleep(0.5)
        narrowed = {tool.name for tool in (await a.list_tools()).tools}
        assert "add_keyword" not in narrowed and "list_keywords" in narrowed
        assert "add_keyword" in {tool.name for tool in (await b.list_tools()).tools}
        sent_before = len(alpha.requests)
        refused = await a.call_tool("add_keyword", {"keyword": "x", "platforms": ["reddit"]})
        assert error_code(refused) == "FORBIDDEN"
        assert "write scope" in (refused.content[0].text if refused.content[0].type == "text" else "")
        assert len(alpha.requests) == sent_before

        codes = [error_code(r) if r.is_error else "ok" for r in [await a.call_tool("get_org") for _ in range(5)]]
        assert codes[-1] == "RATE_LIMITED"
        sent_before = len(alpha.requests)
        assert error_code(await a.call_tool("get_org")) == "RATE_LIMITED"
        assert len(alpha.requests) == sent_before, "a known spent budget fails fast without sending"
        # The other key's organization still has its whole budget, and its calls are sent.
        for _ in range(3):
            assert (await structured(b, "get_org"))["name"] == "Beta Workspace"


async def test_tool_lists_with_tokens_that_never_worked_send_nothing_upstream() -> None:
    sandbox = FaultySandbox(keys={READ_KEY: "read"})
    settings = http_settings()
    async with running(settings, KeyedUpstream({READ_KEY: sandbox})):
        for _ in range(20):
            async with mcp_session(settings, f"ak_live_{secrets.token_hex(12)}") as session:
                assert len((await session.list_tools()).tools) > 0
        await anyio.sleep(0.3)  # anything started in the background has had its chance
    assert sandbox.requests == [], "no GET /auth (nor anything else) for a token that never made a call"


async def test_the_server_key_is_used_only_when_the_operator_opts_in() -> None:
    sandbox = FaultySandbox(keys={WRITE_KEY: "write", READ_KEY: "read"})
    settings = http_settings(api_key=WRITE_KEY, http_server_key=True)
    async with running(settings, KeyedUpstream({WRITE_KEY: sandbox, READ_KEY: sandbox})):
        async with mcp_session(settings, None) as keyless:
            assert (await structured(keyless, "get_auth_info"))["scopes"] == ["read", "write"]
        async with mcp_session(settings, READ_KEY) as own_key:
            assert (await structured(own_key, "get_auth_info"))["scopes"] == ["read"]
        # Another scheme (a proxy's own login) or an empty Bearer brings no key: the server's is used.
        async with httpx2.AsyncClient() as http:
            for no_key in ("Basic dXNlcjpwYXNz", "Bearer"):
                response = await http.post(
                    url(settings), json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": no_key}
                )
                assert response.status_code == 200, no_key
        # A Bearer token that cannot be a key meant the caller's own: refused, never served as the server.
        async with httpx2.AsyncClient() as http:
            for broken in ("Bearer " + "k" * 600, "Bearer k\u00e9y", "Bearer k\x7fy"):
                raw_headers = [
                    *((k.encode(), v.encode()) for k, v in MCP_HEADERS.items()),
                    (b"Authorization", broken.encode()),
                ]
                response = await http.post(url(settings), json=INITIALIZE, headers=raw_headers)
                assert response.status_code == 401, broken
                assert response.json()["error"]["code"] == "UNAUTHORIZED"
    closed = http_settings(api_key=WRITE_KEY)
    async with running(closed, KeyedUpstream({WRITE_KEY: sandbox})), httpx2.AsyncClient() as http:
        response = await http.post(url(closed), json=INITIALIZE, headers=MCP_HEADERS)
        assert response.status_code == 401


async def test_shutdown_lets_a_call_in_flight_finish() -> None:
    sandbox = FaultySandbox(keys={READ_KEY: "read"})
    sandbox.faults.append(Fault("latency", route="GET /keywords", seconds=1.0))
    settings = http_settings()
    async with running(settings, KeyedUpstream({READ_KEY: sandbox})) as server, mcp_session(settings, READ_KEY) as a:
        outcome: dict[str, Any] = {}
        await a.list_tools()  # the client validates results against listed schemas: list before the shutdown

        async def slow_call() -> None:
            outcome.update(await structured(a, "list_keywords"))

        async with anyio.create_task_group() as group:
            group.start_soon(slow_call)
            await anyio.sleep(0.3)
            server.should_exit = True  # what SIGTERM does
        assert outcome["data"], "the call in flight was answered during the shutdown"


def test_the_http_process_serves_mcp_keeps_stdout_empty_and_stops_on_sigterm() -> None:
    with http_process(["--demo"]) as served:

        async def drive() -> None:
            async with mcp_session(http_settings(port=served.port), "ak_demo_someone_1234") as session:
                assert (await structured(session, "list_keywords"))["data"]

        anyio.run(drive)
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=15) == 0
    assert served.out == b"", "nothing but protocol on stdout; over HTTP, nothing at all"
    assert f"127.0.0.1:{served.port}/mcp".encode() in served.err
    assert b"ak_demo_someone_1234" not in served.err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--transport", "http", "--dynamic-toolsets"], "needs a session"),
        (["--transport", "http", "--http-server-key"], "needs OCTOLENS_API_KEY"),
        (["--transport", "http", "--port", "70000"], "TCP port"),
        (["--redis-url", "http://cache:6379"], "redis://"),
        (["--transport", "http", "--allowed-origins", "*"], "not *"),
    ],
)
def test_impossible_http_settings_stop_at_start(flags: list[str], message: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCTOLENS_")}
    done = subprocess.run(
        [sys.executable, "-m", "octolens_mcp", "--demo", *flags], env=env, capture_output=True, timeout=30
    )
    assert done.returncode == 2
    assert message in done.stderr.decode()
    assert done.stdout == b""


async def test_log_records_reach_their_own_client_only_at_the_default_level() -> None:
    received: dict[str, list[Any]] = {"chatty": [], "other": []}

    def collect(into: list[Any]) -> Any:
        async def on_log(params: Any) -> None:
            into.append(params)

        return on_log

    sandbox = FaultySandbox(keys={CANARY_KEY: "admin"})
    # A write that lands with an answer of an unexpected shape is logged at WARNING.
    sandbox.faults.append(Fault("status", route="POST /keywords", status=201, body='{"unexpected": [1]}'))
    settings = http_settings()
    async with running(settings, KeyedUpstream({CANARY_KEY: sandbox})):
        async with mcp_session(settings, CANARY_KEY, logging_callback=collect(received["chatty"])) as chatty:
            with pytest.warns(MCPDeprecationWarning):
                await chatty.set_logging_level("debug")
            await chatty.call_tool("get_feed", {"id": 9999})  # logs "get_feed failed" at INFO
        async with mcp_session(settings, CANARY_KEY, logging_callback=collect(received["other"])) as other:
            failed = await other.call_tool("get_feed", {"id": 9999})
            landed = await structured(other, "add_keyword", {"keyword": "odd answer"})
    assert error_code(failed) == "FEED_NOT_FOUND" and landed["landed"] is True
    # The warning reaches the client whose call it was, on that call's own stream (no other exists).
    assert [params.level for params in received["other"]] == ["warning"]
    assert "unexpected shape" in str(received["other"][0].data)
    # Stateless HTTP keeps no session to hold a level: one client's setLevel changes nothing, not even its own.
    assert received["chatty"] == []
