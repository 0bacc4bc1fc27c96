"""Resources for the workspace context and prompts for the common jobs, through an MCP client session."""

from __future__ import annotations

import json

import pytest
from mcp import Client, MCPError

from octolens_sandbox import Sandbox

pytestmark = pytest.mark.anyio


async def test_resources_list_and_read(client: Client, sandbox: Sandbox) -> None:
    listed = await client.list_resources()
    uris = {str(resource.uri) for resource in listed.resources}
    assert uris == {"octolens://workspace", "octolens://keywords", "octolens://feeds", "octolens://tags"}
    workspace = await client.read_resource("octolens://workspace")
    content = workspace.contents[0]
    assert content.mime_type == "application/json"
    parts = json.loads(content.text)  # type: ignore[union-attr]
    assert parts["get_org"]["organizationId"] == sandbox.org["organizationId"]  # type: ignore[index]
    assert "mentions" in parts["get_usage"]
    keywords = json.loads((await client.read_resource("octolens://keywords")).contents[0].text)  # type: ignore[union-attr]
    assert [k["id"] for k in keywords["list_keywords"]["data"]] == sorted(
        sandbox.keywords, key=lambda i: (sandbox.keywords[i]["keyword"].casefold(), i)
    )


async def test_an_unknown_resource_is_a_protocol_error(client: Client) -> None:
    with pytest.raises(MCPError, match="Unknown resource"):
        await client.read_resource("octolens://nope")


async def test_prompts_list_and_render(client: Client) -> None:
    names = {prompt.name for prompt in (await client.list_prompts()).prompts}
    assert names == {
        "weekly_mention_report",
        "share_of_voice",
        "triage_negative_mentions",
        "set_up_alert",
        "watch_and_triage",
    }
    rendered = await client.get_prompt("set_up_alert", {"topic": "pricing complaints", "destination": "ops@acme.test"})
    text = rendered.messages[0].content.text  # type: ignore[union-attr]
    assert "pricing complaints" in text and "ops@acme.test" in text and "create_feed" in text
    report = await client.get_prompt("weekly_mention_report", {})
    assert "last 7 days" in report.messages[0].content.text  # type: ignore[union-attr]
    with pytest.raises(MCPError, match="missing argument"):
        await client.get_prompt("set_up_alert", {"topic": "x"})


async def test_share_of_voice_renders_the_default_it_describes(client: Client) -> None:
    listed = next(p for p in (await client.list_prompts()).prompts if p.name == "share_of_voice")
    days = next(a for a in listed.arguments or [] if a.name == "days")
    assert days.description == "How many days back (default: 30)."
    rendered = await client.get_prompt("share_of_voice", {})
    assert "over the last 30 days" in rendered.messages[0].content.text  # type: ignore[union-attr]


async def test_every_described_default_is_the_rendered_one(client: Client) -> None:
    for prompt in (await client.list_prompts()).prompts:
        required = {a.name: "x" for a in prompt.arguments or [] if a.required}
        text = (await client.get_prompt(prompt.name, required)).messages[0].content.text  # type: ignore[union-attr]
        for argument in prompt.arguments or []:
            if argument.description and "(default: " in argument.description:
                default = argument.description.split("(default: ", 1)[1].removesuffix(").")
                assert default in text, (prompt.name, argument.name)
