"""The argument rules, one per case: what reaches the API is exactly what the agent meant, or nothing.

Nulls mean "not given"; types are strict except digit strings for integers and JSON text for objects;
path parameters are one segment; text is valid Unicode; URLs stay within 8,000 characters.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from octolens_sandbox import Sandbox
from tests.conftest import fails, ok
from tests.test_wire import answered_by, literal

pytestmark = pytest.mark.anyio


async def test_null_optional_arguments_are_not_sent(client: Client, sandbox: Sandbox) -> None:
    await ok(client, "get_mention_volume", {"tag": None, "granularity": None, "keywordIds": None})
    assert sandbox.requests[-1].query == []
    await ok(client, "list_mentions", {"limit": 2, "cursor": None, "filters": {"source": ["reddit"], "tag": None}})
    assert sandbox.requests[-1].body == {"limit": 2, "filters": {"source": ["reddit"]}}


async def test_null_for_a_required_argument_is_missing(client: Client, sandbox: Sandbox) -> None:
    error = await fails(client, "get_feed", {"id": None})
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"] == "id" and error["sent"] is False
    assert sandbox.count() == 0


@pytest.mark.parametrize("tool", ["delete_keyword", "delete_feed", "delete_notification", "test_notification"])
async def test_a_boolean_is_never_an_id(client: Client, sandbox: Sandbox, tool: str) -> None:
    error = await fails(client, tool, {"id": True})
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"] == "id"
    assert sandbox.count() == 0 and 1 in sandbox.keywords


@pytest.mark.parametrize(
    ("tool", "arguments", "path"),
    [
        ("list_mentions", {"limit": True}, "limit"),
        ("list_mentions", {"limit": 2.5}, "limit"),
        ("list_mentions", {"includeAll": "true"}, "includeAll"),
        ("list_mentions", {"includeAll": 1}, "includeAll"),
        ("list_mentions", {"cursor": 42}, "cursor"),
        ("list_mentions", {"filters": {"relevance": [True]}}, "filters.relevance[0]"),
        ("get_mention_volume", {"relevance": [False]}, "relevance[0]"),
        ("pause_keyword", {"id": 1, "paused": "false"}, "paused"),
    ],
)
async def test_no_coercion_between_types(
    client: Client, sandbox: Sandbox, tool: str, arguments: dict[str, Any], path: str
) -> None:
    error = await fails(client, tool, arguments)
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"] == path
    assert sandbox.count() == 0


async def test_digit_strings_are_integers_and_json_text_is_an_object(client: Client, sandbox: Sandbox) -> None:
    feed = await ok(client, "get_feed", {"id": "1"})
    assert feed["id"] == 1 and sandbox.requests[-1].path == "/feeds/1"
    await ok(client, "list_mentions", {"limit": "3", "filters": '{"source": ["reddit"]}'})
    assert sandbox.requests[-1].body == {"limit": 3, "filters": {"source": ["reddit"]}}


@pytest.mark.parametrize("value", [".", ".."])
@pytest.mark.parametrize(
    ("tool", "name", "extra"),
    [
        ("get_mention", "sourceId", {}),
        ("update_mention", "sourceId", {"sentiment": "Positive", "timestamp": "2026-05-06 13:35:37.000"}),
        ("get_search", "searchId", {}),
        ("remove_member", "id", {}),
        ("delete_feedback", "sourceId", {"timestamp": "2026-05-06 13:35:37.000"}),
    ],
)
async def test_path_parameters_cannot_leave_their_route(
    client: Client, sandbox: Sandbox, tool: str, name: str, extra: dict[str, Any], value: str
) -> None:
    error = await fails(client, tool, {name: value, **extra})
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"] == name and error["sent"] is False
    assert sandbox.count() == 0


async def test_a_path_parameter_is_one_encoded_segment() -> None:
    envelope = {"error": {"code": "MENTION_NOT_FOUND", "message": "no such mention", "status": 404}}
    async with answered_by(literal(404, envelope)) as (client, seen):
        await fails(client, "get_mention", {"sourceId": "a/../../org?x=1#y"})
    assert seen[0].url.raw_path == b"/api/v2/mentions/a%2F..%2F..%2Forg%3Fx%3D1%23y"


async def test_lone_surrogates_are_refused(client: Client, sandbox: Sandbox) -> None:
    error = await fails(client, "generate_filters", {"query": "bad \ud800 text"})
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"] == "query"
    error = await fails(client, "list_mentions", {"filters": {"tag": ["ok", "\udfff"]}})
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"] == "filters.tag[1]"
    assert sandbox.count() == 0


async def test_an_over_long_url_is_refused_before_sending(client: Client, sandbox: Sandbox) -> None:
    error = await fails(client, "search_slack_channels", {"q": "x" * 20_000})
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"] == "q" and error["sent"] is False
    assert sandbox.count() == 0


async def test_deeply_nested_arguments_are_refused_not_crashed(client: Client, sandbox: Sandbox) -> None:
    nested: Any = ["reddit"]
    for _ in range(150):  # much deeper than this, the SDK's own client refuses to serialise the call
        nested = [nested]
    error = await fails(client, "list_mentions", {"filters": {"source": nested}})
    assert error["code"] == "VALIDATION_ERROR" and sandbox.count() == 0
