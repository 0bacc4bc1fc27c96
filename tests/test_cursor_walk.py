"""A cursor list asked for more than one API page walks the cursor up to the count, within the budget and deadline.

Facts from the reference (§2.8, §6.1, §6.4): cursor lists answer ``pagination.nextCursor`` (org-wide
suggestions: a top-level ``nextCursor``), ``null`` on the last page, absent on bounded answers; the page
maxima are POST /mentions 100, GET /mentions/by-author 50, org-wide GET /keywords/suggestions 100; GET
/search leaves them open (100 here). Each request spends one of the organization's 500 requests/hour.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from unittest.mock import ANY

import httpx2
import pytest
from mcp import Client

from octolens_mcp.catalog.inventory import BY_NAME
from octolens_mcp.catalog.models.common import WALK_PAGES
from octolens_mcp.mcp import manifest
from octolens_mcp.mcp.server import build_server
from octolens_mcp.mcp.tokens import estimate_tokens
from octolens_sandbox import Fault, FaultySandbox
from tests.conftest import call, connect, fails, ok, records, settings

pytestmark = pytest.mark.anyio

LIST = "POST /mentions"
BODY = "A post long enough to weigh on the budget. " * 20  # 860 characters: compact keeps 800
BASE_URL = "https://app.octolens.test/api/v2"


def _ids(page: dict[str, Any]) -> list[str]:
    return [m["sourceId"] for m in records(page)]


def _everything(sandbox: FaultySandbox) -> list[str]:
    """Every mention of the workspace, in the API's order (``includeAll``: none is left out)."""
    return [m["sourceId"] for m in sandbox.mentions]


def _limits(sandbox: FaultySandbox) -> list[int | None]:
    return [r.body.get("limit") for r in sandbox.requests if r.operation == LIST]


# --- walking the sandbox ---------------------------------------------------------------------------


async def test_250_mentions_come_in_3_requests_and_the_cursor_goes_on(sandbox: FaultySandbox) -> None:
    async with connect(sandbox, result_tokens=1_000_000) as client:
        first = await ok(client, "list_mentions", {"limit": 250, "includeAll": True})
        assert _limits(sandbox) == [100, 100, 50] and sandbox.count(LIST) == 3
        assert first["paging"] == {"pages": 3} and "truncated" not in first
        rest = await ok(
            client, "list_mentions", {"limit": 500, "includeAll": True, "cursor": first["pagination"]["nextCursor"]}
        )
    assert len(records(first)) == 250 and not first["pagination"]["nextCursor"].startswith("oc1.")
    assert _limits(sandbox)[3:] == [100, 100]  # 150 were left: the second page answers 50 and ends the list
    assert rest["paging"] == {"pages": 2} and rest["pagination"]["nextCursor"] is None
    assert _ids(first) + _ids(rest) == _everything(sandbox)


async def test_the_walk_stops_where_the_api_has_no_next_page(sandbox: FaultySandbox) -> None:
    async with connect(sandbox, result_tokens=1_000_000) as client:
        page = await ok(client, "list_mentions", {"limit": 500, "includeAll": True})
    assert _limits(sandbox) == [100, 100, 100, 100]  # the fourth page's nextCursor is null: no fifth request
    assert _ids(page) == _everything(sandbox) and page["pagination"]["nextCursor"] is None
    assert page["paging"] == {"pages": 4}


async def test_a_limit_within_one_page_sends_one_request_as_before(sandbox: FaultySandbox) -> None:
    async with connect(sandbox) as client:
        page = await ok(client, "list_mentions", {"limit": 40, "includeAll": True})
        default = await ok(client, "list_mentions", {"includeAll": True})
    assert _limits(sandbox) == [40, None] and len(records(page)) == 40 and len(records(default)) == 20
    assert "paging" not in page and "paging" not in default


async def test_a_budget_cut_mid_page_resumes_with_no_duplicate_and_no_gap(sandbox: FaultySandbox) -> None:
    for mention in sandbox.mentions:
        mention["body"] = BODY
    budget = 30_000
    seen: list[str] = []
    cursors: list[str] = []
    spans: list[int] = []
    async with connect(sandbox, result_tokens=budget) as client:
        arguments: dict[str, Any] = {"limit": 250, "includeAll": True}
        while True:
            result = await call(client, "list_mentions", arguments)
            assert estimate_tokens(str(result.content[0].text)) <= budget  # type: ignore[union-attr]
            page = await ok(client, "list_mentions", arguments)
            seen += _ids(page)
            spans.append(page["paging"]["pages"])
            cursor = page["pagination"]["nextCursor"]
            if cursor is None:
                break
            cursors.append(cursor)
            arguments = {**arguments, "cursor": cursor}
    assert seen == _everything(sandbox)  # nothing skipped, nothing repeated
    # Some calls were cut inside a page; their resumes read the kept page without asking again (0 pages).
    assert any(c.startswith("oc1.") for c in cursors) and min(spans) == 0


async def test_a_cut_on_a_later_page_names_that_page(sandbox: FaultySandbox) -> None:
    for mention in sandbox.mentions:
        mention["body"] = BODY
    async with connect(sandbox, result_tokens=1_000_000) as whole:
        everything = _ids(await ok(whole, "list_mentions", {"limit": 500, "includeAll": True}))
    start = len(sandbox.requests)
    async with connect(sandbox, result_tokens=60_000) as client:
        first = await ok(client, "list_mentions", {"limit": 250, "includeAll": True})
        cut = first["truncated"]
        assert first["paging"] == {"pages": 2, "stopped": "budget"}
        assert 100 < cut["returned"] == len(records(first)) < 200 and cut["returned"] + cut["omitted"] == 200
        before = sandbox.count(LIST)
        resume = {"limit": 10, "includeAll": True, "cursor": first["pagination"]["nextCursor"]}
        more = await ok(client, "list_mentions", resume)
    # The resume reads the page its cursor names from what the cut call kept: no request, nothing repeated.
    assert sandbox.requests[start + 1].body == {"includeAll": True, "limit": 100, "cursor": ANY}
    assert sandbox.count(LIST) == before
    assert _ids(first) + _ids(more) == everything[: len(records(first)) + 10]


async def test_a_failed_later_page_returns_what_was_collected_with_the_cursor(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(Fault("status", route=LIST, status=500, body="<html>Internal error</html>", skip=1))
    async with connect(sandbox, result_tokens=1_000_000) as client:
        first = await ok(client, "list_mentions", {"limit": 300, "includeAll": True})
        resume = {"limit": 300, "includeAll": True, "cursor": first["pagination"]["nextCursor"]}
        rest = await ok(client, "list_mentions", resume)
    paging = first["paging"]
    assert paging["pages"] == 2 and paging["stopped"] == "error"
    assert paging["error"]["code"] == "UPSTREAM_ERROR" and paging["error"]["status"] == 500
    assert paging["error"]["message"]
    assert len(records(first)) == 100 and _ids(first) + _ids(rest)[:200] == _everything(sandbox)[:300]


async def test_a_failed_first_page_is_the_calls_error(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(Fault("status", route=LIST, status=500, body="<html>Internal error</html>"))
    async with connect(sandbox) as client:
        error = await fails(client, "list_mentions", {"limit": 300})
    assert error["code"] == "UPSTREAM_ERROR" and sandbox.count(LIST) == 1


async def test_the_walk_returns_before_the_deadline_instead_of_failing(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(Fault("latency", route=LIST, seconds=1.5, skip=1))
    async with connect(sandbox, timeout=4.0, result_tokens=1_000_000) as client:
        page = await ok(client, "list_mentions", {"limit": 500, "includeAll": True})
    assert page["paging"] == {"pages": 2, "stopped": "deadline"} and sandbox.count(LIST) == 2
    assert _ids(page) == _everything(sandbox)[:200] and page["pagination"]["nextCursor"] is not None


async def test_each_page_reports_progress(sandbox: FaultySandbox) -> None:
    messages: list[str] = []

    async def progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    async with connect(sandbox, result_tokens=1_000_000) as client:
        result = await client.call_tool("list_mentions", {"limit": 250, "includeAll": True}, progress_callback=progress)
    assert not result.is_error
    assert messages == [
        "page 1: 100 of 250 items so far",
        "page 2: 200 of 250 items so far",
        "page 3: 250 of 250 items so far",
    ]


async def test_a_forged_resume_cursor_cannot_ask_for_more_than_a_page(sandbox: FaultySandbox) -> None:
    forged = {"t": "list_mentions", "c": None, "l": 500, "s": 0}
    cursor = "oc1." + base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    async with connect(sandbox) as client:
        error = await fails(client, "list_mentions", {"limit": 500, "cursor": cursor})
        over = await fails(client, "list_mentions", {"limit": 501})
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"] == "cursor"
    assert over["code"] == "VALIDATION_ERROR" and sandbox.count() == 0


def test_every_cursor_list_takes_a_limit_of_several_pages() -> None:
    walked = {
        op.name: op.cursor_pages.page_max for op in BY_NAME.values() if op.cursor_pages and op.cursor_pages.page_max
    }
    assert walked == {
        "list_mentions": 100,
        "list_author_mentions": 50,
        "list_searches": 100,
        "list_keyword_suggestions": 100,
    }
    schemas = {tool["name"]: tool["inputSchema"] for tool in manifest.load()}
    for name, page_max in walked.items():
        limit = schemas[name]["properties"]["limit"]
        assert (limit["minimum"], limit["maximum"]) == (1, page_max * WALK_PAGES)


# --- literal API answers ------------------------------------------------------------------------------


def _row(tool: str, index: int) -> dict[str, Any]:
    if tool == "list_searches":
        return {"searchId": f"srch_{index}", "query": "acme", "status": "completed", "createdAt": "2026-06-01"}
    if tool == "list_keyword_suggestions":
        return {"id": index, "keywordId": index % 3, "type": "add_exclude_words", "value": f"w{index}"}
    return {"id": index, "sourceId": f"reddit_t3_{index}", "source": "reddit", "body": "hello", "keywords": []}


def paged(tool: str, total: int) -> Callable[[httpx2.Request], Any]:
    """An API of ``total`` rows that pages by offset cursors, answering in the tool's documented shape."""

    def answer(request: httpx2.Request) -> Any:
        asked = json.loads(request.content) if request.content else dict(request.url.params)
        offset = int(asked.get("cursor", "0") or 0)
        limit = int(asked.get("limit", 20))
        rows = [_row(tool, i) for i in range(offset, min(total, offset + limit))]
        following = str(offset + limit) if offset + limit < total else None
        if tool == "list_keyword_suggestions":
            keywords = [{"id": k, "keyword": f"k{k}"} for k in sorted({r["keywordId"] for r in rows})]
            return {"keywords": keywords, "suggestions": rows, "totalSuggestionCount": total, "nextCursor": following}
        return {"data": rows, "pagination": {"nextCursor": following}}

    return answer


@asynccontextmanager
async def mock_api(
    answer: Callable[[httpx2.Request], Any], **overrides: Any
) -> AsyncIterator[tuple[Client, list[httpx2.Request]]]:
    """A client of a server whose API answers every request with ``answer(request)`` as JSON."""
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=answer(request))

    server = build_server(settings(base_url=BASE_URL, **overrides), transport=httpx2.MockTransport(handler))
    async with Client(server) as client:
        yield client, seen


def _asked_limits(seen: list[httpx2.Request]) -> list[int]:
    return [int((json.loads(r.content) if r.content else dict(r.url.params))["limit"]) for r in seen]


WALKS = [
    ("list_mentions", {}, 100),
    ("list_author_mentions", {"source": "reddit", "handle": "dan"}, 50),
    ("list_searches", {}, 100),
    ("list_keyword_suggestions", {}, 100),
]


KEYS = {"list_searches": "searchId", "list_keyword_suggestions": "id"}
"""The field that names a row (compact mentions leave out their internal id)."""


@pytest.mark.parametrize(("tool", "arguments", "page_max"), WALKS, ids=[w[0] for w in WALKS])
async def test_every_cursor_list_walks_its_pages(tool: str, arguments: dict[str, Any], page_max: int) -> None:
    wanted = 2 * page_max + 20
    key = KEYS.get(tool, "sourceId")
    async with mock_api(paged(tool, 1000)) as (client, seen):
        page = await ok(client, tool, {**arguments, "limit": wanted})
    assert _asked_limits(seen) == [page_max, page_max, 20]
    assert [row[key] for row in records(page)] == [_row(tool, i)[key] for i in range(wanted)]
    assert page["paging"] == {"pages": 3}
    cursor = page["pagination"]["nextCursor"] if "pagination" in page else page["nextCursor"]
    assert cursor == str(wanted)


async def test_suggestion_pages_join_their_keywords() -> None:
    async with mock_api(paged("list_keyword_suggestions", 130)) as (client, seen):
        page = await ok(client, "list_keyword_suggestions", {"limit": 500})
    assert len(seen) == 2 and len(records(page)) == 130 and page["nextCursor"] is None
    assert [k["id"] for k in page["keywords"]] == [0, 1, 2] and page["totalSuggestionCount"] == 130


MENTION = _row("list_mentions", 1)
END_VARIANTS = [
    ("nextCursor-null", {"data": [MENTION], "pagination": {"nextCursor": None}}, None),
    ("nextCursor-missing", {"data": [MENTION], "pagination": {}}, None),
    ("pagination-missing", {"data": [MENTION]}, None),
    ("nextCursor-empty", {"data": [MENTION], "pagination": {"nextCursor": ""}}, ""),
    (
        "hasMore-false-with-a-cursor",
        {"data": [MENTION], "pagination": {"nextCursor": "Y3Vy", "hasMore": False}},
        "Y3Vy",
    ),
    ("cursor-repeats-the-page", {"data": [MENTION], "pagination": {"nextCursor": "c0"}}, "c0"),
]


@pytest.mark.parametrize(("case", "body", "cursor"), END_VARIANTS, ids=[v[0] for v in END_VARIANTS])
async def test_a_literal_last_page_ends_the_walk(case: str, body: dict[str, Any], cursor: str | None) -> None:
    """The reference: a null nextCursor is the last page; one left out too. The cursor goes back as it came."""
    async with mock_api(lambda request: body) as (client, seen):
        page = await ok(client, "list_mentions", {"limit": 300, "cursor": "c0"})
    assert len(seen) == 1 and _ids(page) == [MENTION["sourceId"]] and page["paging"] == {"pages": 1}
    assert page.get("pagination", {}).get("nextCursor") == cursor


async def test_the_walk_requests_no_page_it_has_no_room_to_show() -> None:
    """At the smallest budget that holds one whole page, the walk stops there, with the API's own cursor."""

    async def whole_first_page(budget: int) -> tuple[dict[str, Any], int]:
        async with mock_api(paged("list_mentions", 1000), result_tokens=budget) as (client, seen):
            page = await ok(client, "list_mentions", {"limit": 300})
        return page, len(seen)

    low, high = 1000, 100_000  # the first page does not fit whole in low tokens; it does in high
    while high - low > 1:
        middle = (low + high) // 2
        page, _ = await whole_first_page(middle)
        if len(records(page)) >= 100:
            high = middle
        else:
            low = middle
    page, requests = await whole_first_page(high)
    assert requests == 1 and len(records(page)) == 100 and "truncated" not in page
    assert page["paging"] == {"pages": 1, "stopped": "budget"} and page["pagination"]["nextCursor"] == "100"
