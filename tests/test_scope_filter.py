"""Scope-aware tool lists: the key's scope, learned from GET /auth in the background, narrows what is offered.

GET /auth is asked once per key in a process's lifetime, and only after one of the key's calls was answered:
listing tools never sends a request, and a key that never worked costs none.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp import Client
from mcp_types import ToolListChangedNotification

from octolens_mcp.mcp import manifest, scopes
from octolens_mcp.mcp.scopes import scope_of
from octolens_mcp.mcp.server import build_server
from octolens_sandbox import Fault, FaultySandbox, SandboxTransport
from tests.conftest import READ_KEY, WRITE_KEY, fails, ok, settings

pytestmark = pytest.mark.anyio

NEEDS = {tool["name"]: tool["_meta"]["octolens/scope"] for tool in manifest.load()}


async def names(client: Client) -> set[str]:
    return {tool.name for tool in (await client.list_tools()).tools}


async def until_narrowed(client: Client, gone: str) -> set[str]:
    with anyio.fail_after(5):
        while gone in (listed := await names(client)):  # noqa: ASYNC110 - polling the server's answer
            await anyio.sleep(0.05)
    return listed


@pytest.mark.parametrize(("key", "scope"), [(READ_KEY, "read"), (WRITE_KEY, "write")])
async def test_a_key_is_offered_only_the_tools_its_scope_can_use(sandbox: FaultySandbox, key: str, scope: str) -> None:
    notices: list[Any] = []

    async def on_message(message: Any) -> None:
        if isinstance(message, ToolListChangedNotification):
            notices.append(message)

    server = build_server(settings(api_key=key, scope_filter=True), transport=SandboxTransport(sandbox))
    async with Client(server, message_handler=on_message, mode="legacy") as client:
        # Before any call is answered the scope is not asked for: everything the settings expose.
        assert await names(client) == set(NEEDS)
        await anyio.sleep(0.2)
        assert await names(client) == set(NEEDS) and sandbox.requests == []
        await ok(client, "list_tags")  # answered: the key works, so its scope is worth a request
        narrowed = await until_narrowed(client, "invite_member")
        rank = {"read": 0, "write": 1, "admin": 2}
        assert narrowed == {name for name, needed in NEEDS.items() if rank[needed] <= rank[scope]}
        sent = sandbox.count()
        error = await fails(client, "invite_member", {"email": "new@example.com"})
        assert error["code"] == "FORBIDDEN" and error["sent"] is False
        assert error["requiredScope"] == "admin" and error["keyScope"] == scope
        assert "'admin' scope" in error["hint"] and "invite_member" not in error["hint"], "says what to do, once"
        assert sandbox.count() == sent, "refused without a request"
    assert notices, "the narrowed list was announced with notifications/tools/list_changed"
    assert [r.operation for r in sandbox.requests[:2]] == ["GET /tags", "GET /auth"]
    assert sandbox.count("GET /auth") == 1


async def test_a_scope_is_asked_for_once_per_key_whatever_follows(sandbox: FaultySandbox) -> None:
    server = build_server(settings(api_key=READ_KEY, scope_filter=True), transport=SandboxTransport(sandbox))
    async with Client(server) as client:
        await ok(client, "get_org")
        await until_narrowed(client, "invite_member")
        for _ in range(5):
            await names(client)
            await ok(client, "list_keywords")
            await ok(client, "get_usage")
        await anyio.sleep(0.2)
    assert sandbox.count("GET /auth") == 1


async def test_a_key_that_never_worked_is_never_asked_about(sandbox: FaultySandbox) -> None:
    server = build_server(
        settings(api_key="ak_live_revoked_0000", scope_filter=True), transport=SandboxTransport(sandbox)
    )
    async with Client(server) as client:
        for _ in range(3):
            assert await names(client) == set(NEEDS)
            assert (await fails(client, "get_org"))["code"] == "UNAUTHORIZED"
        await anyio.sleep(0.2)
        assert await names(client) == set(NEEDS)
    assert [r.operation for r in sandbox.requests] == ["GET /org"] * 3, "no GET /auth for a key that never worked"


async def test_when_told_not_to_every_tool_stays(sandbox: FaultySandbox) -> None:
    server = build_server(settings(api_key=READ_KEY, scope_filter=False), transport=SandboxTransport(sandbox))
    async with Client(server) as client:
        assert await names(client) == set(NEEDS)
        await anyio.sleep(0.3)
        assert await names(client) == set(NEEDS)
    assert all(logged.path != "/auth" for logged in sandbox.requests)


async def test_a_failed_lookup_leaves_every_tool_offered_and_the_api_decides(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(Fault("status", route="GET /auth", status=500, body="<html>oops</html>", times=10))
    server = build_server(settings(api_key=READ_KEY, scope_filter=True), transport=SandboxTransport(sandbox))
    async with Client(server) as client:
        await ok(client, "list_tags")
        await anyio.sleep(0.5)
        assert await names(client) == set(NEEDS)
        error = await fails(client, "invite_member", {"email": "new@example.com"})
        assert error["code"] in {"FORBIDDEN", "ADMIN_SCOPE_REQUIRED"}, "the API's own 403 reaches the agent"
        await ok(client, "list_tags")
        await anyio.sleep(0.2)
    # A failed lookup is tried again only after a while (and a later answered call), not on every call.
    assert sandbox.count("GET /auth") == 1


async def test_demo_mode_acts_as_an_admin_key_without_asking() -> None:
    sandbox = FaultySandbox()
    server = build_server(settings(demo=True, scope_filter=True), transport=SandboxTransport(sandbox))
    async with Client(server) as client:
        assert await names(client) == set(NEEDS)
        await anyio.sleep(0.2)
        assert await names(client) == set(NEEDS)
    assert sandbox.requests == []


@pytest.mark.parametrize(
    ("body", "scope"),
    [
        ({"organizationId": "o", "scope": ["read", "write"]}, "write"),
        ({"scopes": ["admin", "read"]}, "admin"),
        ({"scope": "read write"}, "write"),
        ({"scope": "read,admin"}, "admin"),
        ({"data": {"scopes": ["write"]}}, "write"),
        ({"key": {"scope": "ADMIN"}}, "admin"),
        # Named in several places: the widest counts, so no tool the key may use is hidden.
        ({"scope": "read", "data": {"scopes": ["read", "write"]}}, "write"),
        ({"scope": ["mentions:read"], "apiKey": {"scope": "admin"}}, "admin"),
        ({"scope": None}, None),
        ({"scope": ["owner"]}, None),
        ({"scope": [1, None, {"x": 1}]}, None),
        ([], None),
        ("read", None),
        ({}, None),
    ],
)
def test_scopes_are_read_defensively_from_any_documented_shape(body: Any, scope: str | None) -> None:
    assert scope_of(body) == scope


async def test_a_failing_lookup_is_tried_again_a_few_times_at_most(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scopes, "RETRY_AFTER", 0.0)
    book = scopes.ScopeBook()
    asked = 0

    async def broken() -> Any:
        nonlocal asked
        asked += 1
        raise OSError("unreachable")

    for _ in range(10):
        assert await book.learn("k", broken) is False
    assert asked == scopes.MAX_FAILURES and book.scope("k") is None and not book.needs_lookup("k")

    async def answered() -> Any:
        return {"scope": ["read"]}

    assert await book.learn("other", answered) is True and book.scope("other") == "read"
    assert not book.needs_lookup("other"), "an answered key is never asked again"
