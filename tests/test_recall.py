"""Mentions an agent just listed answer get_mention for a while without a request, until a write of ours."""

from __future__ import annotations

import pytest
from mcp import Client

from octolens_sandbox import Sandbox
from tests.conftest import call, ok, records, whole_mention

pytestmark = pytest.mark.anyio


async def test_a_listed_mention_is_read_whole_without_a_request(client: Client, sandbox: Sandbox) -> None:
    listed = records(await ok(client, "list_mentions", {"limit": 5, "includeAll": True}))
    source_id = listed[0]["sourceId"]
    before = sandbox.count()
    result = await call(client, "get_mention", {"sourceId": source_id})
    whole = await whole_mention(client, source_id)
    assert sandbox.count() == before, "the listed record answered both reads"
    assert result.meta is not None and result.meta.get("octolens/cached") is True
    stored = next(m for m in sandbox.mentions if m["sourceId"] == source_id)
    assert whole["body"] == stored["body"] and whole["id"] == stored["id"]  # whole, with the fields lists leave out


async def test_a_write_of_ours_makes_the_next_read_ask_again(client: Client, sandbox: Sandbox) -> None:
    source_id = records(await ok(client, "list_mentions", {"limit": 5, "includeAll": True}))[0]["sourceId"]
    await ok(client, "update_mention", {"sourceId": source_id, "sentiment": "Negative"})
    before = sandbox.count("GET /mentions/{sourceId}")
    read = await whole_mention(client, source_id)
    assert sandbox.count("GET /mentions/{sourceId}") == before + 1
    assert read["sentiment"] == "Negative"


async def test_a_mention_never_listed_is_read_from_the_api(client: Client, sandbox: Sandbox) -> None:
    source_id = sandbox.mentions[-1]["sourceId"]
    await whole_mention(client, source_id)
    assert sandbox.count("GET /mentions/{sourceId}") == 1
