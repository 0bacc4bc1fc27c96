"""Results that fit: compact mentions by default, a token budget cut at whole items, a cursor that resumes exactly."""

from __future__ import annotations

import csv
import io
import json
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mcp import Client

from octolens_mcp.jsontext import utf8_size
from octolens_mcp.mcp.budget import ITEM_MARGIN, Measure, _fenced_size_at_most
from octolens_mcp.mcp.tokens import estimate_tokens
from octolens_mcp.mcp.untrusted import _LOOKALIKES, fenced
from octolens_sandbox import Fault, FaultySandbox, Sandbox
from tests.conftest import CANARY_KEY, call, connect, fails, ok, records, whole_mention
from tests.token_corpora import all_corpora, mentions

pytestmark = pytest.mark.anyio

LONG_BODY = "A long post. " * 900  # 11,700 characters


def _text(result: Any) -> str:
    return str(result.content[0].text)


async def test_compact_by_default_full_on_request(client: Client) -> None:
    compact = await ok(client, "list_mentions", {"limit": 20, "includeAll": True})
    full = await ok(client, "list_mentions", {"limit": 20, "includeAll": True, "detail": "full"})
    assert [m["sourceId"] for m in records(compact)] == [m["sourceId"] for m in records(full)]
    for row in records(compact):
        assert not {"id", "url", "authorAvatar", "authorUrl", "relevanceComment"} & row.keys()
        assert None not in row.values() and row.get("engaged", True) is True
        assert all(set(k) == {"keyword"} for k in row.get("keywords", []))
    assert all({"id", "url", "authorAvatar"} <= row.keys() for row in records(full))


async def test_a_long_body_is_cut_with_a_marker_and_get_mention_has_it_whole(client: Client, sandbox: Sandbox) -> None:
    sandbox.mentions[0]["body"] = LONG_BODY
    source_id = sandbox.mentions[0]["sourceId"]
    page = await ok(client, "list_mentions", {"limit": 5, "includeAll": True})
    row = next(m for m in records(page) if m["sourceId"] == source_id)
    assert row["body"].startswith(LONG_BODY[:800]) and len(row["body"]) < 1000
    assert f"… [cut {len(LONG_BODY) - 800} chars; get_mention returns it whole]" in row["body"]
    whole = await whole_mention(client, source_id)
    assert whole["body"] == LONG_BODY


async def test_mentions_read_together_over_the_budget_name_how_to_read_each_alone(sandbox: Sandbox) -> None:
    chosen = [mention["sourceId"] for mention in sandbox.mentions[:4]]
    for mention in sandbox.mentions[:4]:
        mention["body"] = LONG_BODY
    async with connect(sandbox, result_tokens=7000) as client:
        read = await ok(client, "get_mention", {"sourceId": chosen})
        kept = [mention["sourceId"] for mention in read["data"]]
        assert kept and kept == chosen[: len(kept)] and len(kept) < len(chosen)
        assert all(mention["body"] == LONG_BODY for mention in read["data"]), "a mention kept is whole"
        resume = read["truncated"]["resume"]
        assert resume == {"tool": "get_mention", "arguments": {"sourceId": chosen[len(kept) :]}}
        before = sandbox.count()
        rest = await ok(client, "get_mention", resume["arguments"])
    assert rest["data"][0]["sourceId"] == chosen[len(kept)] and rest["data"][0]["body"] == LONG_BODY
    assert sandbox.count() == before, "the mentions read a moment ago answer the rest"


async def test_body_length_is_configurable(sandbox: Sandbox) -> None:
    sandbox.mentions[0]["body"] = LONG_BODY
    async with connect(sandbox, body_chars=100) as client:
        page = await ok(client, "list_mentions", {"limit": 1, "includeAll": True})
    assert records(page)[0]["body"].startswith(LONG_BODY[:100] + "… [cut ")


async def test_a_list_over_the_budget_is_cut_at_a_whole_item_and_resumes_exactly(sandbox: Sandbox) -> None:
    for mention in sandbox.mentions:
        mention["body"] = LONG_BODY[:3000]
    async with connect(sandbox, result_tokens=1_000_000) as whole:
        everything = [m["sourceId"] for m in records(await ok(whole, "list_mentions", {"limit": 200}))]
    async with connect(sandbox, result_tokens=4000) as client:
        first = await call(client, "list_mentions", {"limit": 100})
        page = await ok(client, "list_mentions", {"limit": 100})
        assert estimate_tokens(_text(first)) <= 4000
        cut = page["truncated"]
        assert cut["returned"] == len(records(page)) > 0 and cut["returned"] + cut["omitted"] == 100
        assert all(row["body"].endswith("returns it whole]") for row in records(page))  # whole items, never half
        seen = [m["sourceId"] for m in records(page)]
        cursor = page["pagination"]["nextCursor"]
        assert cursor.startswith("oc1.")
        while len(seen) < 100:
            more = await ok(client, "list_mentions", {"limit": 100, "cursor": cursor})
            seen += [m["sourceId"] for m in records(more)]
            cursor = more["pagination"]["nextCursor"]
    # No item skipped, none repeated; the last call may walk on into the next API page (limit counts items).
    assert seen == everything[: len(seen)]


async def test_a_resumed_list_neither_repeats_nor_skips_when_new_mentions_arrive(sandbox: Sandbox) -> None:
    for mention in sandbox.mentions:
        mention["body"] = LONG_BODY[:3000]
    original = [m["sourceId"] for m in sandbox.mentions]
    async with connect(sandbox, result_tokens=4000) as client:
        page = await ok(client, "list_mentions", {"limit": 100, "includeAll": True})
        seen = [m["sourceId"] for m in records(page)]
        # Three posts arrive at the top of the first API page before the agent asks for more.
        arrivals = [dict(sandbox.mentions[0], sourceId=f"reddit_t3_new{n}", id=900_000 + n) for n in range(3)]
        sandbox.mentions[0:0] = arrivals
        more = await ok(
            client, "list_mentions", {"limit": 100, "includeAll": True, "cursor": page["pagination"]["nextCursor"]}
        )
    resumed = [m["sourceId"] for m in records(more)]
    assert resumed and not set(resumed) & set(seen)
    assert seen + resumed == original[: len(seen) + len(resumed)]


async def test_a_resumed_list_moves_on_past_items_that_share_a_name(sandbox: Sandbox) -> None:
    # An upstream may repeat a sourceId on one page (a crosspost, a bug); resuming by name must still move on.
    for index, mention in enumerate(sandbox.mentions):
        mention["body"] = LONG_BODY[:3000]
        if index % 3:
            mention["sourceId"] = "reddit_t3_repeated"
    expected = [m["id"] for m in sandbox.mentions[:100]]
    async with connect(sandbox, result_tokens=4000) as client:
        page = await ok(client, "list_mentions", {"limit": 100, "includeAll": True, "detail": "full"})
        seen = [m["id"] for m in records(page)]
        for _ in range(100):
            cursor = page["pagination"].get("nextCursor")
            if len(seen) >= 100 or not cursor:
                break
            arguments = {"limit": 100, "includeAll": True, "detail": "full", "cursor": cursor}
            page = await ok(client, "list_mentions", arguments)
            seen += [m["id"] for m in records(page)]
    assert seen[:100] == expected


async def test_a_forged_cursor_is_refused_before_sending(client: Client, sandbox: Sandbox) -> None:
    error = await fails(client, "list_mentions", {"cursor": "oc1.bm90IGpzb24"})
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"] == "cursor"
    assert sandbox.count() == 0


async def test_a_csv_export_is_cut_at_a_whole_row(sandbox: Sandbox) -> None:
    for mention in sandbox.mentions:
        mention["body"] = LONG_BODY[:2000]
    async with connect(sandbox, result_tokens=3000) as client:
        exported = await ok(client, "export_mentions", {"format": "csv", "limit": 200, "output": "result"})
    rows = list(csv.reader(io.StringIO(exported["csv"])))
    assert rows[0][:2] == ["id", "sourceId"] and all(len(row) == len(rows[0]) for row in rows)
    assert exported["truncated"]["returned"] == len(rows) - 1 and exported["truncated"]["omitted"] > 0


# Every list tool at its largest limit stays within the default budget (20,000 estimated tokens).
AT_MAXIMUM: list[tuple[str, dict[str, Any]]] = [
    ("list_mentions", {"limit": 500, "includeAll": True}),
    ("list_mentions", {"limit": 500, "includeAll": True, "detail": "full"}),
    ("export_mentions", {"limit": 50000, "includeAll": True}),
    ("export_mentions", {"limit": 50000, "includeAll": True, "output": "result"}),
    ("export_mentions", {"limit": 50000, "includeAll": True, "output": "result", "detail": "full"}),
    ("export_mentions", {"limit": 50000, "includeAll": True, "output": "result", "format": "csv"}),
    ("list_author_mentions", {"source": "reddit", "handle": "x", "limit": 250}),
    ("run_search", {"query": "analytics", "maxResults": 500, "minRelevance": "low", "detail": "full"}),
    ("list_searches", {"limit": 500}),
    ("list_keywords", {}),
    ("list_keyword_suggestions", {"limit": 500}),
    ("list_feeds", {}),
    ("list_notifications", {}),
    ("list_tags", {}),
    ("list_members", {}),
    ("list_invitations", {}),
    ("search_slack_channels", {"pages": 10}),
]


@pytest.mark.parametrize(("tool", "arguments"), AT_MAXIMUM, ids=[f"{t}-{json.dumps(a)}" for t, a in AT_MAXIMUM])
async def test_every_list_tool_fits_the_budget_at_its_maximum(
    sandbox: Sandbox, tool: str, arguments: dict[str, Any]
) -> None:
    for mention in sandbox.mentions[::3]:
        mention["body"] = LONG_BODY[:4000]
    async with connect(sandbox) as client:
        result = await call(client, tool, arguments)
    assert not result.is_error, _text(result)
    assert estimate_tokens(_text(result)) <= 20_000
    assert estimate_tokens(json.dumps(result.structured_content, ensure_ascii=False, separators=(",", ":"))) <= 20_000


async def test_a_cut_search_result_resumes_with_get_search_and_an_offset(sandbox: Sandbox) -> None:
    for mention in sandbox.mentions:
        mention["body"] = LONG_BODY[:2500]
    query = {"query": "analytics", "maxResults": 500, "minRelevance": "low", "detail": "full"}
    async with connect(sandbox, result_tokens=1_000_000) as whole:
        everything = await ok(whole, "run_search", query)
    expected = [m["sourceId"] for m in records(everything, "mentions")]
    async with connect(sandbox, result_tokens=6000) as client:
        first = await ok(client, "get_search", {"searchId": everything["searchId"], "detail": "full"})
        seen = [m["sourceId"] for m in records(first, "mentions")]
        resume = first["truncated"]["resume"]
        while True:
            assert resume["tool"] == "get_search"
            more = await ok(client, "get_search", {**resume["arguments"], "detail": "full"})
            seen += [m["sourceId"] for m in records(more, "mentions")]
            if "truncated" not in more:
                break
            resume = more["truncated"]["resume"]
    assert len(expected) > 10 and seen == expected


@pytest.mark.parametrize("tool", ["list_mentions", "get_search"])
async def test_a_huge_field_beside_the_items_leaves_them_room_and_the_list_resumes_exactly(tool: str) -> None:
    # An unknown top-level field as large as the whole budget: it is cut first, to a quarter of the budget,
    # so whole items still come, and going on from the result neither repeats nor skips one.
    sandbox = FaultySandbox(keys={CANARY_KEY: "admin"})
    for mention in sandbox.mentions:
        mention["body"] = LONG_BODY[:2000]
    field = "mentions" if tool == "get_search" else "data"
    async with connect(sandbox, result_tokens=1_000_000) as whole:
        done = await ok(whole, "run_search", {"query": "analytics", "maxResults": 500, "minRelevance": "low"})
        arguments = {"searchId": done["searchId"]} if tool == "get_search" else {"limit": 60, "includeAll": True}
        everything = [m["sourceId"] for m in records(await ok(whole, tool, arguments), field)]
    sandbox.faults.append(Fault("add_field", times=1000, name="x_huge", value="z " * 20_000))
    async with connect(sandbox, result_tokens=4000) as client:
        seen: list[str] = []
        for _ in range(40):
            page = await ok(client, tool, arguments)
            shown = [m["sourceId"] for m in records(page, field)]
            assert shown, "the items had room"
            assert "[cut " in page["x_huge"]
            seen += shown
            more = page.get("truncated", {}).get("resume", {}).get("arguments") or {}
            cursor = (page.get("pagination") or {}).get("nextCursor")
            if tool == "get_search" and more:
                arguments = more
            elif tool == "list_mentions" and cursor and len(seen) < 60:
                arguments = {"limit": 60 - len(seen), "includeAll": True, "cursor": cursor}
            else:
                break
    assert seen == everything[: len(seen)] and len(seen) >= min(len(everything), 20)


@pytest.mark.parametrize("fenced", [True, False])
def test_items_measured_one_by_one_cost_at_most_their_list_and_the_margin(fenced: bool) -> None:
    # What lets a list be measured whole (ItemRoom.take_all) and still keep exactly the items taking them one
    # by one would keep: strings, objects and mentions cut from every corpus.
    measure = Measure(fenced=fenced)
    draw = random.Random(11)
    lists: list[list[Any]] = [mentions()[:25], mentions()[25:30]]
    for text in all_corpora().values():
        for _ in range(10):
            pieces = []
            for _ in range(draw.randint(1, 12)):
                start = draw.randrange(len(text))
                pieces.append(text[start : start + draw.choice([1, 5, 40, 300])])
            lists += [pieces, [{"text": piece, "n": index} for index, piece in enumerate(pieces)]]
    for items in lists:
        one_by_one = sum(measure.of(item) + 1 for item in items)
        assert one_by_one <= measure.of(items) + ITEM_MARGIN * len(items) + 1, repr(items)[:200]


@given(st.text(alphabet=st.sampled_from('ab<>&"\\ \u00e9\U0001f600\u4e2d' + _LOOKALIKES) | st.characters()))
def test_a_fenced_texts_size_is_never_more_than_its_bound(text: str) -> None:
    # take_all decides by this bound that items fit without writing the fence: it must never be under.
    assert _fenced_size_at_most(text) >= utf8_size(fenced(text))
