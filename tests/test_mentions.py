"""Mention tools: list, export, get, triage, by author, tags, filter wizard."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import anyio
import pytest
from mcp import Client

from octolens_sandbox import Fault, FaultySandbox, Sandbox
from octolens_sandbox.seed import INJECTION_BODY
from tests.conftest import EXPORT_DIR, call, connect, fails, ok, records, sent, whole_mention

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
    assert result.structured_content is not None and result.structured_content["data"][0]["body"] == INJECTION_BODY


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
    mention = await whole_mention(client, sandbox.mentions[0]["sourceId"])
    assert mention["timestamp"] == sandbox.mentions[0]["timestamp"]
    error = await fails(client, "get_mention", {"sourceId": "reddit_t3_nope"})
    assert error["code"] == "MENTION_NOT_FOUND" and error["status"] == 404
    assert "list_mentions" in error["hint"]


async def test_a_few_chosen_mentions_are_read_whole_in_one_call(client: Client, sandbox: Sandbox) -> None:
    chosen = [sandbox.mentions[4]["sourceId"], sandbox.mentions[1]["sourceId"], "reddit_t3_nope"]
    read = await ok(client, "get_mention", {"sourceId": [*chosen, chosen[0]]})
    assert [m["sourceId"] for m in read["data"]] == chosen[:2], "in the order asked, each once"
    assert read["data"][0]["body"] == sandbox.mentions[4]["body"] and "id" in read["data"][0]
    assert read["notFound"] == ["reddit_t3_nope"]
    assert sorted(path for path, _ in sent(sandbox, "GET /mentions/{sourceId}")) == sorted(
        f"/mentions/{source_id}" for source_id in chosen
    ), "one read each, the repeat not sent again"


async def test_reading_more_than_ten_mentions_at_once_is_refused_before_any_request(
    client: Client, sandbox: Sandbox
) -> None:
    error = await fails(client, "get_mention", {"sourceId": [f"reddit_t3_{n}" for n in range(11)]})
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"].startswith("sourceId")
    assert error["sent"] is False
    assert sandbox.requests == []


async def test_set_engaged_sends_the_toggle_only_when_it_differs(client: Client, sandbox: Sandbox) -> None:
    mention = next(m for m in sandbox.mentions if not m["engaged"])
    done = await ok(client, "update_mention", {"sourceId": mention["sourceId"], "engaged": True})
    assert done == {
        "ok": True,
        "sourceId": mention["sourceId"],
        "action": "engage",
        "changed": True,
        "engaged": True,
    }
    assert (await whole_mention(client, mention["sourceId"]))["engaged"] is True
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
    assert (await whole_mention(client, sid))["relevanceScore"] == 2
    await ok(client, "update_mention", {"sourceId": sid, "relevance": "clear"})
    assert (await whole_mention(client, sid))["relevanceScore"] == 0
    await ok(client, "update_mention", {"sourceId": sid, "sentiment": "Negative"})
    assert (await whole_mention(client, sid))["sentiment"] == "Negative"


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


# --- what triage costs: the requests each sequence sends -----------------------------------------------


async def test_relevance_after_a_list_sends_only_the_patch(client: Client, sandbox: Sandbox) -> None:
    listed = await ok(client, "list_mentions", {"limit": 5})  # compact: no id shown, but remembered
    sid = records(listed)[2]["sourceId"]
    mention = next(m for m in sandbox.mentions if m["sourceId"] == sid)
    done = await ok(client, "update_mention", {"sourceId": sid, "relevance": "high"})
    assert done == {"ok": True, "sourceId": sid, "action": "relevance", "relevanceScore": 0}
    assert [r.operation for r in sandbox.requests] == ["POST /mentions", "PATCH /mentions/{sourceId}"]
    body = {"action": "relevance", "postId": mention["id"], "relevance": 0, "timestamp": mention["timestamp"]}
    assert sent(sandbox, "PATCH /mentions/{sourceId}") == [(f"/mentions/{sid}", body)]


async def test_sentiment_after_a_get_sends_only_the_patch(client: Client, sandbox: Sandbox) -> None:
    mention = sandbox.mentions[3]
    sid = mention["sourceId"]
    await whole_mention(client, sid)
    done = await ok(client, "update_mention", {"sourceId": sid, "sentiment": "Negative"})
    assert done == {"ok": True, "sourceId": sid, "action": "sentiment", "sentiment": "Negative"}
    assert sandbox.count() == 2
    body = {"action": "sentiment", "sentimentLabel": "Negative", "timestamp": mention["timestamp"]}
    assert sent(sandbox, "PATCH /mentions/{sourceId}") == [(f"/mentions/{sid}", body)]


async def test_triage_of_a_mention_no_answer_named_reads_it_once(client: Client, sandbox: Sandbox) -> None:
    mention = sandbox.mentions[4]
    sid = mention["sourceId"]
    done = await ok(client, "update_mention", {"sourceId": sid, "relevance": "low"})
    assert done == {"ok": True, "sourceId": sid, "action": "relevance", "relevanceScore": 2}
    assert [r.operation for r in sandbox.requests] == ["GET /mentions/{sourceId}", "PATCH /mentions/{sourceId}"]
    body = {"action": "relevance", "postId": mention["id"], "relevance": 2, "timestamp": mention["timestamp"]}
    assert sent(sandbox, "PATCH /mentions/{sourceId}") == [(f"/mentions/{sid}", body)]


async def test_a_mention_read_to_decide_an_engage_needs_no_read_for_the_next_write(
    client: Client, sandbox: Sandbox
) -> None:
    mention = next(m for m in sandbox.mentions if not m["engaged"])
    sid = mention["sourceId"]
    await ok(client, "update_mention", {"sourceId": sid, "engaged": True})
    before = len(sandbox.requests)
    await ok(client, "update_mention", {"sourceId": sid, "relevance": "low"})
    assert [r.operation for r in sandbox.requests[before:]] == ["PATCH /mentions/{sourceId}"]
    body = {"action": "relevance", "postId": mention["id"], "relevance": 2, "timestamp": mention["timestamp"]}
    assert sent(sandbox, "PATCH /mentions/{sourceId}")[-1] == (f"/mentions/{sid}", body)


async def test_a_relevance_write_given_only_a_timestamp_still_needs_the_id(client: Client, sandbox: Sandbox) -> None:
    mention = sandbox.mentions[6]
    args = {"sourceId": mention["sourceId"], "relevance": "medium", "timestamp": mention["timestamp"]}
    await ok(client, "update_mention", args)
    assert [r.operation for r in sandbox.requests] == ["GET /mentions/{sourceId}", "PATCH /mentions/{sourceId}"]
    # A sentiment write needs no id: the given timestamp is enough.
    other = sandbox.mentions[7]
    given = {"sourceId": other["sourceId"], "sentiment": "Positive", "timestamp": other["timestamp"]}
    await ok(client, "update_mention", given)
    assert sandbox.count() == 3


async def test_engage_reads_fresh_state_and_toggles_without_a_read_back(client: Client, sandbox: Sandbox) -> None:
    mention = next(m for m in sandbox.mentions if not m["engaged"])
    sid = mention["sourceId"]
    await whole_mention(client, sid)  # remembered facts never decide a toggle
    done = await ok(client, "update_mention", {"sourceId": sid, "engaged": True})
    assert done == {"ok": True, "sourceId": sid, "action": "engage", "changed": True, "engaged": True}
    assert [r.operation for r in sandbox.requests] == [
        "GET /mentions/{sourceId}",
        "GET /mentions/{sourceId}",
        "PATCH /mentions/{sourceId}",
    ]
    body = {"action": "engage", "postId": mention["id"], "timestamp": mention["timestamp"]}
    assert sent(sandbox, "PATCH /mentions/{sourceId}") == [(f"/mentions/{sid}", body)]
    # Already engaged (read fresh, not remembered): no write.
    again = await ok(client, "update_mention", {"sourceId": sid, "engaged": True})
    assert again == {"ok": True, "sourceId": sid, "action": "engage", "changed": False, "engaged": True}
    assert sandbox.count("GET /mentions/{sourceId}") == 3 and sandbox.count("PATCH /mentions/{sourceId}") == 1


@pytest.mark.parametrize(
    ("answer", "reported"),
    [
        pytest.param('{"ok": true, "engaged": true, "extra": 1}', {"ok": True, "engaged": True, "verified": True}),
        pytest.param('{"ok": true, "engaged": false}', {"ok": False, "engaged": False, "verified": True}),
        pytest.param("{}", {"ok": True, "engaged": True}),
        pytest.param('{"ok": false}', {"ok": False}),
    ],
)
async def test_engage_reports_the_state_its_answer_states(
    sandbox: FaultySandbox, answer: str, reported: dict[str, object]
) -> None:
    mention = next(m for m in sandbox.mentions if not m["engaged"])
    json_type = {"Content-Type": "application/json"}
    route = "PATCH /mentions/{sourceId}"
    sandbox.faults.append(Fault("status", route=route, status=200, body=answer, headers=json_type))
    async with connect(sandbox) as client:
        done = await ok(client, "update_mention", {"sourceId": mention["sourceId"], "engaged": True})
    changed = {} if reported == {"ok": False} else {"changed": True}
    assert done == {"sourceId": mention["sourceId"], "action": "engage", **changed, **reported}
    assert sandbox.count() == 2


async def test_an_engage_whose_answer_is_lost_is_reported_as_such(sandbox: FaultySandbox) -> None:
    mention = next(m for m in sandbox.mentions if not m["engaged"])
    sandbox.faults.append(Fault("reset", route="PATCH /mentions/{sourceId}"))
    async with connect(sandbox) as client:
        error = await fails(client, "update_mention", {"sourceId": mention["sourceId"], "engaged": True})
    assert error["code"] == "RESPONSE_LOST" and error["mayHaveLanded"] is True and "get_mention" in error["verify"]
    assert sandbox.count("PATCH /mentions/{sourceId}") == 1 and sandbox.count() == 2
