"""Mention tools: list, export, get, triage, by author, tags, filter wizard."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import anyio
import pytest
from mcp import Client

from octolens_sandbox import Sandbox
from octolens_sandbox.seed import INJECTION_BODY
from tests.conftest import EXPORT_DIR, call, connect, fails, ok, records

pytestmark = pytest.mark.anyio


async def test_list_mentions_pages_newest_first(client: Client) -> None:
    first = await ok(client, "list_mentions", {"limit": 5, "detail": "full"})
    assert len(records(first)) == 5
    stamps = [m["timestamp"] for m in records(first)]
    assert stamps == sorted(stamps, reverse=True)
    cursor = first["pagination"]["nextCursor"]
    assert isinstance(cursor, str)
    second = await ok(client, "list_mentions", {"limit": 5, "cursor": cursor, "detail": "full"})
    assert {m["id"] for m in records(first)}.isdisjoint({m["id"] for m in records(second)})
    assert records(second)[0]["timestamp"] <= stamps[-1]


async def test_simple_filters_and_negation(client: Client) -> None:
    page = await ok(
        client, "list_mentions", {"limit": 50, "filters": {"source": ["reddit"], "!tag": ["hiring"]}, "detail": "full"}
    )
    assert records(page)
    assert all(m["source"] == "reddit" and "hiring" not in m["tags"] for m in records(page))
    negative = await ok(
        client,
        "list_mentions",
        {"limit": 50, "filters": {"sentiment": ["negative"], "keyword": ["3"]}, "detail": "full"},
    )
    assert records(negative)
    assert all(m["sentiment"] == "Negative" and 3 in [k["id"] for k in m["keywords"]] for m in records(negative))


async def test_advanced_filters(client: Client) -> None:
    filters = {
        "operator": "AND",
        "groups": [
            {"operator": "OR", "conditions": [{"source": ["reddit"]}, {"source": ["hackernews"]}]},
            {"operator": "AND", "conditions": [{"!sentiment": ["positive"]}]},
        ],
    }
    page = await ok(client, "list_mentions", {"limit": 100, "filters": filters, "detail": "full"})
    assert records(page)
    assert all(m["source"] in ("reddit", "hackernews") and m["sentiment"] != "Positive" for m in records(page))


async def test_view_applies_a_feed_and_include_all_adds_low_relevance(client: Client) -> None:
    page = await ok(client, "list_mentions", {"limit": 100, "view": 1, "detail": "full"})
    assert records(page)
    assert all(m["sentiment"] == "Negative" and {1, 2} & {k["id"] for k in m["keywords"]} for m in records(page))
    assert all(m["relevanceScore"] in (0, 1) for m in records(page))
    everything = await ok(client, "list_mentions", {"limit": 100, "includeAll": True, "detail": "full"})
    assert any(m["relevanceScore"] == 2 for m in records(everything))


async def test_mention_text_is_delivered_as_untrusted_data(client: Client, sandbox: Sandbox) -> None:
    injected = next(m for m in sandbox.mentions if m["body"] == INJECTION_BODY)
    result = await call(client, "get_mention", {"sourceId": injected["sourceId"]})
    text = result.content[0].text  # type: ignore[union-attr]
    notice, fenced = text.split("<untrusted-data>", 1)
    assert "untrusted" in notice and "never as instructions" in notice
    assert INJECTION_BODY not in notice and INJECTION_BODY in fenced
    assert fenced.rstrip().endswith("</untrusted-data>")
    assert result.structured_content is not None and result.structured_content["body"] == INJECTION_BODY


async def test_export_goes_to_a_file_with_a_preview(client: Client) -> None:
    exported = await ok(client, "export_mentions", {"limit": 7, "filters": {"source": ["twitter"]}})
    path = Path(exported["path"])
    assert path.parent == EXPORT_DIR and path.suffix == ".json"
    assert exported["format"] == "json" and exported["total"] == 7 and exported["rows"] == 7
    assert "sourceId" in exported["columns"] and len(exported["preview"]) == 3 and "data" not in exported
    written = json.loads(await anyio.Path(path).read_text(encoding="utf-8"))
    assert len(records(written)) == 7 and all("authorAvatar" in row for row in records(written))  # full records
    as_csv = await ok(client, "export_mentions", {"format": "csv", "limit": 3})
    assert as_csv["rows"] == 3 and as_csv["columns"][:2] == ["id", "sourceId"] and "csv" not in as_csv
    rows = list(csv.reader(io.StringIO(await anyio.Path(as_csv["path"]).read_text(encoding="utf-8"))))
    assert len(rows) == 4
    assert rows[0] == [
        "id",
        "sourceId",
        "timestamp",
        "source",
        "url",
        "title",
        "body",
        "author",
        "authorFollowers",
        "language",
        "keywords",
        "tags",
        "relevance",
        "sentiment",
        "engaged",
    ]
    assert len(rows) == 4 and as_csv["total"] == 3


async def test_get_mention_and_not_found(client: Client, sandbox: Sandbox) -> None:
    mention = await ok(client, "get_mention", {"sourceId": sandbox.mentions[0]["sourceId"]})
    assert mention["timestamp"] == sandbox.mentions[0]["timestamp"]
    error = await fails(client, "get_mention", {"sourceId": "reddit_t3_nope"})
    assert error["code"] == "MENTION_NOT_FOUND" and error["status"] == 404
    assert "list_mentions" in error["hint"]


async def test_set_engaged_sends_the_toggle_only_when_it_differs(client: Client, sandbox: Sandbox) -> None:
    mention = next(m for m in sandbox.mentions if not m["engaged"])
    done = await ok(client, "update_mention", {"sourceId": mention["sourceId"], "engaged": True})
    assert done == {
        "ok": True,
        "sourceId": mention["sourceId"],
        "action": "engage",
        "changed": True,
        "engaged": True,
        "verified": True,
    }
    assert (await ok(client, "get_mention", {"sourceId": mention["sourceId"]}))["engaged"] is True
    again = await ok(client, "update_mention", {"sourceId": mention["sourceId"], "engaged": True})
    assert again["changed"] is False and again["engaged"] is True
    assert sandbox.count("PATCH /mentions/{sourceId}") == 1


async def test_relevance_and_sentiment_overrides(client: Client, sandbox: Sandbox) -> None:
    mention = next(m for m in sandbox.mentions if m["relevanceScore"] == 0 and m["sentiment"] == "Positive")
    sid = mention["sourceId"]
    await ok(
        client,
        "update_mention",
        {"sourceId": sid, "relevance": "low", "timestamp": mention["timestamp"], "postId": mention["id"]},
    )
    assert (await ok(client, "get_mention", {"sourceId": sid}))["relevanceScore"] == 2
    await ok(client, "update_mention", {"sourceId": sid, "relevance": "clear"})
    assert (await ok(client, "get_mention", {"sourceId": sid}))["relevanceScore"] == 0
    await ok(client, "update_mention", {"sourceId": sid, "sentiment": "Negative"})
    assert (await ok(client, "get_mention", {"sourceId": sid}))["sentiment"] == "Negative"


async def test_update_mention_needs_exactly_one_change(client: Client, sandbox: Sandbox) -> None:
    error = await fails(client, "update_mention", {"sourceId": "x", "engaged": True, "sentiment": "Neutral"})
    assert error["code"] == "VALIDATION_ERROR" and "exactly one" in error["details"][0]["message"]
    assert sandbox.count() == 0


async def test_author_mentions(client: Client, sandbox: Sandbox) -> None:
    reddit = next(m for m in sandbox.mentions if m["source"] == "reddit")
    page = await ok(client, "list_author_mentions", {"source": "reddit", "handle": "@" + reddit["author"], "limit": 50})
    assert records(page) and all(m["author"] == reddit["author"] and m["source"] == "reddit" for m in records(page))
    # Which of handle/profileUrl a platform takes is the API's call; only "neither" is refused locally.
    await ok(client, "list_author_mentions", {"source": "linkedin", "handle": "someone"})
    assert sandbox.count() == 2
    error = await fails(client, "list_author_mentions", {"source": "reddit"})
    assert error["code"] == "VALIDATION_ERROR" and sandbox.count() == 2


async def test_tags(client: Client) -> None:
    tags = (await ok(client, "list_tags"))["data"]
    assert "buy_intent" in tags and tags == sorted(tags)


async def test_filter_wizard_answers_mention_filters_usable_by_list_mentions(client: Client) -> None:
    wizard = await ok(client, "generate_filters", {"query": "negative reddit posts this week"})
    assert wizard["grammar"] == "mention"
    assert wizard["filters"]["source"] == ["reddit"] and wizard["filters"]["sentiment"] == ["negative"]
    page = await ok(client, "list_mentions", {"filters": wizard["filters"], "limit": 10})
    assert all(m["source"] == "reddit" for m in records(page))
    vague = await ok(client, "generate_filters", {"query": "stuff"})
    assert vague["filters"] is None and vague["grammar"] == "none" and vague["explanation"]


async def test_filter_wizard_feed_grammar_is_translated(sandbox: Sandbox) -> None:
    sandbox.wizard_grammar = "feed"
    async with connect(sandbox) as client:
        wizard = await ok(client, "generate_filters", {"query": "negative twitter posts"})
    assert wizard["grammar"] == "feed"
    assert wizard["feedFilters"]["conditions"][0]["field"] == "Source"
    assert wizard["filters"] == {"source": ["twitter"], "sentiment": ["negative"]}
