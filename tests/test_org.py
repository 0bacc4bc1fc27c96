"""Workspace, usage, billing link, company profile, members, key introspection."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from octolens_sandbox import Fault, FaultySandbox, Sandbox
from tests.conftest import READ_KEY, connect, fails, ok

pytestmark = pytest.mark.anyio


async def test_org_read_and_update(client: Client) -> None:
    org = await ok(client, "get_org")
    assert org["organizationId"].startswith("org_") and org["platforms"] == "all"
    updated = await ok(client, "update_org", {"name": "Acme Inc", "platforms": ["reddit", "twitter"]})
    assert updated["name"] == "Acme Inc"
    assert (await ok(client, "get_org"))["platforms"] == ["reddit", "twitter"]
    back = await ok(client, "update_org", {"platforms": "all"})
    assert back["platforms"] == "all"


async def test_usage_and_upgrade_link(client: Client) -> None:
    usage = await ok(client, "get_usage")
    assert usage["mentions"]["count"] <= usage["mentions"]["limit"] and usage["keywords"]["count"] == 6
    link = await ok(client, "create_upgrade_link")
    assert link["url"].startswith("https://") and link["expiresInSeconds"] == 600
    assert link["destination"] == "/me/subscription"


async def test_company_profile(client: Client) -> None:
    company = await ok(client, "get_company")
    assert company["domain"] == "acme-analytics.test"
    competitors = json.dumps([{"name": "Heliograph", "description": "analytics"}])
    updated = await ok(client, "update_company", {"relevanceContext": "B2B SaaS", "competitors": competitors})
    assert updated["relevanceContext"] == "B2B SaaS"
    assert json.loads((await ok(client, "get_company"))["competitors"]) == json.loads(competitors)
    as_array = await ok(client, "update_company", {"competitors": [{"name": "Lumen"}]})
    assert json.loads(as_array["competitors"]) == [{"name": "Lumen"}]
    error = await fails(client, "update_company", {"domain": "evil.test"})
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"] == "domain"
    assert error["sent"] is False


async def test_members_and_invitations(client: Client) -> None:
    members = (await ok(client, "list_members"))["data"]
    assert {m["role"] for m in members} == {"admin", "member"}
    invited = await ok(client, "invite_member", {"email": "lin@acme-analytics.test", "role": "admin"})
    assert invited["id"].startswith("orginv_") and invited["alreadyInvited"] is False
    again = await ok(client, "invite_member", {"email": "lin@acme-analytics.test"})
    assert again["id"] == invited["id"] and again["alreadyInvited"] is True
    assert invited["id"] in [i["id"] for i in (await ok(client, "list_invitations"))["data"]]
    revoked = await ok(client, "remove_member", {"id": invited["id"]})
    assert revoked == {"id": invited["id"], "removed": True}
    assert invited["id"] not in [i["id"] for i in (await ok(client, "list_invitations"))["data"]]
    removed = await ok(client, "remove_member", {"id": "orgmem_2grcMEMBER1"})
    assert removed["removed"] is True
    assert "orgmem_2grcMEMBER1" not in [m["id"] for m in (await ok(client, "list_members"))["data"]]


async def test_member_errors(client: Client) -> None:
    last = await fails(client, "remove_member", {"id": "orgmem_2adaADMIN01"})
    assert last["code"] == "LAST_ADMIN" and last["status"] == 400
    personal = await fails(client, "invite_member", {"email": "someone@gmail.com"})
    assert personal["code"] == "GENERIC_EMAIL_DOMAIN"
    # No id pattern is documented, so an email goes to the API, which answers that no such member exists.
    wrong_id = await fails(client, "remove_member", {"id": "ada@acme-analytics.test"})
    assert wrong_id["code"].endswith("NOT_FOUND") and "sent" not in wrong_id
    escape = await fails(client, "remove_member", {"id": ".."})
    assert escape["code"] == "VALIDATION_ERROR" and escape["details"][0]["path"] == "id" and escape["sent"] is False


async def test_auth_info_reports_scopes(client: Client, sandbox: Sandbox) -> None:
    info = await ok(client, "get_auth_info")
    assert info["scopes"] == ["read", "write", "admin"] and info["organizationId"].startswith("org_")
    async with connect(sandbox, api_key=READ_KEY) as reader:
        assert (await ok(reader, "get_auth_info"))["scopes"] == ["read"]
        denied = await fails(reader, "invite_member", {"email": "x@acme-analytics.test"})
    assert denied["code"] == "FORBIDDEN" and "'admin'" in denied["hint"] and "get_auth_info" in denied["hint"]


@pytest.mark.parametrize(
    ("answer", "scopes"),
    [
        ({"scope": "read write"}, ["read", "write"]),
        ({"scopes": "read,admin"}, ["read", "admin"]),
        ({"scope": ["read", " write "]}, ["read", "write"]),
        ({"data": {"scopes": ["write"]}}, ["write"]),
        ({"key": {"scope": "admin"}}, ["admin"]),
        ({"organizationId": "org_1"}, None),
    ],
)
async def test_auth_info_reads_scopes_from_every_shape_the_tool_list_does(
    answer: dict[str, Any], scopes: list[str] | None
) -> None:
    sandbox = FaultySandbox()
    body = json.dumps({"organizationId": "org_1", "name": "Acme", "plan": "Pro", **answer})
    json_type = {"Content-Type": "application/json"}
    sandbox.faults.append(Fault("status", route="GET /auth", status=200, body=body, headers=json_type))
    async with connect(sandbox) as client:
        info = await ok(client, "get_auth_info")
    assert info["scopes"] == scopes and "scope" not in info
