"""Every tool reads plausible variants of its documented 2xx answer (rule 3: read what the API sends).

Each variant serves literal bodies (tests/variant_bodies.py, written from the reference) through a mock
transport that answers by method and path, then checks that the call succeeds, that its structuredContent
validates against the tool's published outputSchema, and that the telling values come through.

What a response model may refuse: only what the server itself needs. Statuses, sources, languages and plan
names are open strings; numbers the reference leaves untyped take decimals; delete and test answers may be
any JSON object ({} included); fresh search rows lack id; unknown fields are kept; documented optional
fields may be absent and documented nullable fields null. A write (any tool that is not read-only) whose
2xx answer is JSON of an unexpected shape has landed: it succeeds with ``landed: true`` and ``response``.
A read whose 2xx answer cannot be read at all fails with INVALID_RESPONSE.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from jsonschema import Draft202012Validator
from mcp import Client

from octolens_mcp.mcp.server import build_server
from octolens_mcp.webhooks import Hub
from tests.conftest import TOOL_COUNT, call, error_of, ok, records, settings
from tests.variant_bodies import (
    ADVANCED_FILTERS,
    BARE_MENTION,
    COMPANY,
    EMAIL_DESTINATION,
    FEED,
    FEEDBACK_RECORD,
    FRESH_RESULT,
    GLOBAL_FILTERS,
    INSTANT_WEBHOOK,
    ISO,
    KEYWORD,
    LATER,
    LATER_FILTERS,
    MENTION,
    NOTIFICATION,
    ORG,
    SEARCH_DONE,
    SEARCH_ID,
    SEARCH_RUNNING,
    SLACK_DESTINATION,
    SOURCE_ID,
    TS,
    USAGE,
)

pytestmark = pytest.mark.anyio

BASE_PATH = "/api/v2"
BASE_URL = f"https://app.octolens.test{BASE_PATH}"
RATE_HEADERS = {"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "480", "X-RateLimit-Reset": "1767229200"}
MENTION_ROUTE = f"GET /mentions/{SOURCE_ID}"


# --- a mock API answering by method and path -----------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A literal answer: a JSON ``body``, or ``raw`` text sent as is."""

    body: Any = None
    status: int = 200
    raw: str | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InTurn:
    """Successive answers to one route; the last one repeats."""

    replies: tuple[Any, ...]


def _response(answer: Any) -> httpx2.Response:
    reply = answer if isinstance(answer, Reply) else Reply(body=answer)
    content = reply.raw if reply.raw is not None else json.dumps(reply.body)
    headers = {**RATE_HEADERS, "Content-Type": reply.content_type, **reply.headers}
    return httpx2.Response(reply.status, content=content.encode(), headers=headers)


@asynccontextmanager
async def mock_api(answers: dict[str, Any]) -> AsyncIterator[tuple[Client, list[str]]]:
    """A client of a server whose API answers ``"METHOD /path"`` with ``answers[...]``; yields the routes hit."""
    seen: list[str] = []
    turns: dict[str, int] = {}

    def handler(request: httpx2.Request) -> httpx2.Response:
        route = f"{request.method} {request.url.path.removeprefix(BASE_PATH)}"
        seen.append(route)
        if route not in answers:
            envelope = {"error": {"code": "NOT_FOUND", "message": f"no literal answer for {route}", "status": 404}}
            return httpx2.Response(404, json=envelope, headers=RATE_HEADERS)
        answer = answers[route]
        if isinstance(answer, InTurn):
            index = turns.get(route, 0)
            turns[route] = index + 1
            answer = answer.replies[min(index, len(answer.replies) - 1)]
        return _response(answer)

    options = settings(base_url=BASE_URL, public_url=PUBLIC_URL, webhook_secret=WEBHOOK_SECRET)
    server = build_server(options, transport=httpx2.MockTransport(handler))
    async with Client(server) as client:
        yield client, seen


async def output_schema(client: Client, tool: str) -> dict[str, Any]:
    listed = next(t for t in (await client.list_tools()).tools if t.name == tool)
    assert listed.output_schema is not None, f"{tool} publishes no outputSchema"
    schema: dict[str, Any] = listed.output_schema
    Draft202012Validator.check_schema(schema)
    return schema


def assert_conforms(schema: dict[str, Any], structured: dict[str, Any]) -> None:
    errors = sorted(Draft202012Validator(schema).iter_errors(structured), key=lambda e: list(e.absolute_path))
    assert not errors, "; ".join(f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors)


_MISSING = object()
_EMPTY: list[Any] = [None, False, "", [], {}]


def at(data: Any, path: str) -> Any:
    """The value at a dotted path (list indexes as numbers), or ``_MISSING``.

    A compact list shown as a table (``columns`` and ``rows``) is read by its items' field name, so the
    same path names a value in either form.
    """
    node = data
    head = path.split(".", 1)[0]
    if isinstance(data, dict) and head not in data and "columns" in data and "rows" in data:
        node = {head: records(data, head)}
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


# --- the variants ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    tool: str
    case: str
    arguments: dict[str, Any]
    answers: dict[str, Any]
    expect: dict[str, Any] = field(default_factory=dict)
    """Dotted path in structuredContent → the value that must come through."""
    absent: tuple[str, ...] = ()
    hits: dict[str, int] = field(default_factory=dict)
    """Route → how many times it must be requested (a landed write is never resent)."""
    loose: bool = False
    """An answer the server may read as its model or report as a landed write: look under ``response`` too."""

    @property
    def id(self) -> str:
        return f"{self.tool}[{self.case}]"


def landed(tool: str, case: str, arguments: dict[str, Any], answers: dict[str, Any], write: str) -> Variant:
    """A write whose 2xx answer is JSON of an unexpected shape: it landed, and says what came back."""
    body = answers[write]
    return Variant(tool, case, arguments, answers, expect={"landed": True, "response": body}, hits={write: 1})


FEEDBACK_ARGS = {"sourceId": SOURCE_ID, "feedbackType": "NOT_RELEVANT", "feedbackReason": "A job ad"}
EMAIL_INPUT = {"type": "EMAIL", "frequency": "daily", "emailDestination": {"emails": "team@acme-analytics.test"}}
NOTIFICATION_ARGS = {"name": "Competitor alert", "feedId": 42, "destinations": [EMAIL_INPUT]}
FEED_ARGS = {"name": "Complaints", "simpleFilters": {"conditions": [{"field": "Sentiment", "values": "Negative"}]}}
KEYWORD_ARGS = {"keyword": "Pulsar DB", "platforms": ["reddit", "hackernews"]}
CSV = (
    "id,sourceId,timestamp,source,url,title,body,author,authorFollowers,language,keywords,tags,relevance,"
    "sentiment,engaged\n"
    f'1298401,{SOURCE_ID},{TS},reddit,https://reddit.com/r/x,,"Acme, again",data_dan,1520.5,english,acme,,'
    "relevant,Neutral,false\n"
)

VARIANTS: list[Variant] = [
    # --- mentions ---------------------------------------------------------------------------------
    Variant(
        "list_mentions",
        "decimal-authorFollowers",
        {},
        {"POST /mentions": {"data": [{**MENTION, "authorFollowers": 15234.7}], "pagination": {"nextCursor": "eyJv"}}},
        expect={"data.0.authorFollowers": 15234.7, "pagination.nextCursor": "eyJv"},
    ),
    Variant(
        "list_mentions",
        "later-fields-and-new-source",
        {},
        {
            "POST /mentions": {
                "data": [
                    {
                        **MENTION,
                        "source": "threads",
                        "isReply": True,
                        "review": {"rating": 4},
                        "engagementMetrics": {"likes": 3, "comments": 1},
                        "engagementObservedAt": ISO,
                    }
                ],
                "pagination": {"nextCursor": None},
            }
        },
        expect={"data.0.source": "threads", "data.0.review.rating": 4, "data.0.engagementMetrics.likes": 3},
    ),
    Variant(
        "list_mentions",
        "nullables-null-optionals-absent",
        {"detail": "full"},
        {"POST /mentions": {"data": [BARE_MENTION], "pagination": {"nextCursor": None}}},
        expect={"data.0.title": None, "data.0.sentiment": None, "data.0.language": None, "data.0.tags": []},
        absent=("data.0.relevanceScore", "data.0.alreadyInWorkspace"),
    ),
    Variant(
        "list_mentions",
        "open-relevance-sentiment-language",
        {"detail": "full"},
        {
            "POST /mentions": {
                "data": [{**MENTION, "relevance": "pending", "sentiment": "Mixed", "language": "undetermined"}],
                "pagination": {"nextCursor": None},
            }
        },
        expect={"data.0.relevance": "pending", "data.0.sentiment": "Mixed", "data.0.language": "undetermined"},
    ),
    Variant(
        "export_mentions",
        "json-with-later-fields",
        {"output": "result"},
        {
            "POST /mentions/export": Reply(
                body={"data": [{**MENTION, "isReply": False, "engagementMetrics": {"likes": 9}}], "total": 1},
                headers={"X-Total-Count": "1"},
            )
        },
        expect={"format": "json", "total": 1, "data.0.isReply": False, "data.0.engagementMetrics.likes": 9},
    ),
    Variant(
        "export_mentions",
        "total-only-in-header",
        {"output": "result"},
        {"POST /mentions/export": Reply(body={"data": []}, headers={"X-Total-Count": "0"})},
        expect={"format": "json", "total": 0, "data": []},
    ),
    Variant(
        "export_mentions",
        "csv-download",
        {"format": "csv", "output": "result"},
        {
            "POST /mentions/export": Reply(
                raw=CSV, content_type="text/csv; charset=utf-8", headers={"X-Total-Count": "1"}
            )
        },
        expect={"format": "csv", "total": 1, "csv": CSV},
    ),
    Variant(
        "get_mention",
        "internal-optional-fields",
        {"sourceId": SOURCE_ID},
        {MENTION_ROUTE: {**MENTION, "feedbackRelevant": 1, "keywordId": 42, "imageUrl": "https://i.redd.it/a.png"}},
        expect={"data.0.feedbackRelevant": 1, "data.0.keywordId": 42, "data.0.imageUrl": "https://i.redd.it/a.png"},
    ),
    Variant(
        "get_mention",
        "nullables-null-optionals-absent",
        {"sourceId": "hackernews_40000001"},
        {"GET /mentions/hackernews_40000001": BARE_MENTION},
        expect={"data.0.body": None, "data.0.authorFollowers": None, "data.0.sourceId": "hackernews_40000001"},
    ),
    Variant(
        "update_mention",
        "sentiment-patch-answers-cli-report",
        {"sourceId": SOURCE_ID, "sentiment": "Positive", "timestamp": TS},
        {f"PATCH /mentions/{SOURCE_ID}": {"ok": True, "sourceId": SOURCE_ID, "sentiment": "Positive"}},
        expect={"ok": True, "action": "sentiment", "sentiment": "Positive"},
        hits={f"PATCH /mentions/{SOURCE_ID}": 1},
    ),
    Variant(
        "update_mention",
        "engage-read-then-toggle-answered-ok",
        {"sourceId": SOURCE_ID, "engaged": True},
        {MENTION_ROUTE: {**MENTION, "engaged": False}, f"PATCH /mentions/{SOURCE_ID}": {"ok": True}},
        expect={"ok": True, "action": "engage", "engaged": True, "changed": True},
        hits={MENTION_ROUTE: 1, f"PATCH /mentions/{SOURCE_ID}": 1},
    ),
    Variant(
        "update_mention",
        "relevance-patch-answers-success-flag",
        {"sourceId": SOURCE_ID, "relevance": "low"},
        {MENTION_ROUTE: MENTION, f"PATCH /mentions/{SOURCE_ID}": {"success": True}},
        expect={"ok": True, "action": "relevance", "relevanceScore": 2},
        hits={f"PATCH /mentions/{SOURCE_ID}": 1},
    ),
    Variant(
        "list_author_mentions",
        "decimal-authorFollowers",
        {"source": "bluesky", "handle": "ada.bsky.social"},
        {
            "GET /mentions/by-author": {
                "data": [{**MENTION, "sourceId": "bluesky_3kabc", "source": "bluesky", "authorFollowers": 2048.5}],
                "pagination": {"nextCursor": None},
            }
        },
        expect={"data.0.authorFollowers": 2048.5, "data.0.source": "bluesky"},
    ),
    Variant(
        "list_author_mentions",
        "empty-page",
        {"source": "linkedin", "profileUrl": "linkedin.com/in/ada"},
        {"GET /mentions/by-author": {"data": [], "pagination": {"nextCursor": None}}},
        expect={"data": [], "pagination.nextCursor": None},
    ),
    Variant(
        "list_tags",
        "new-tag-and-extra-field",
        {},
        {"GET /tags": {"data": ["buy_intent", "competitor_mention", "agent_workflow_2027"], "source": "merged"}},
        expect={"data.2": "agent_workflow_2027", "source": "merged"},
    ),
    Variant(
        "generate_filters",
        "mention-grammar-with-confidence",
        {"query": "negative reddit posts"},
        {
            "POST /ai/filter-wizard": {
                "filters": {"source": ["reddit"], "sentiment": ["negative"]},
                "isAdvanced": False,
                "limit": 20,
                "includeAll": False,
                "view": None,
                "explanation": "Negative posts on Reddit",
                "confidence": 0.82,
            }
        },
        expect={"filters.source.0": "reddit", "grammar": "mention", "confidence": 0.82, "view": None},
    ),
    Variant(
        "generate_filters",
        "ambiguous-null-filters",
        {"query": "stuff"},
        {
            "POST /ai/filter-wizard": {
                "filters": None,
                "isAdvanced": False,
                "limit": 20,
                "includeAll": False,
                "view": None,
                "explanation": "Too vague to filter on",
            }
        },
        expect={"filters": None, "grammar": "none", "explanation": "Too vague to filter on"},
    ),
    # --- search -------------------------------------------------------------------------------------
    Variant(
        "run_search",
        "fresh-results-without-id",
        {"query": "acme"},
        {"POST /search": SEARCH_DONE},
        expect={
            "status": "completed",
            "mentions.0.language": "en",
            "mentions.0.alreadyInWorkspace": False,
            "mentions.1.alreadyInWorkspace": True,
            "stats.skippedSources.linkedin": "requires the LinkedIn add-on",
        },
        absent=("mentions.0.id", "mentions.0.engaged"),
        hits={"POST /search": 1},
    ),
    Variant(
        "run_search",
        "polled-to-unknown-status",
        {"query": "acme"},
        {
            "POST /search": Reply(body=SEARCH_RUNNING, status=202, headers={"Retry-After": "0"}),
            f"GET /search/{SEARCH_ID}": {
                "searchId": SEARCH_ID,
                "status": "cancelled",
                "query": "acme",
                "reason": "stopped by an admin",
            },
        },
        expect={"status": "cancelled", "searchId": SEARCH_ID, "reason": "stopped by an admin"},
        hits={"POST /search": 1},
    ),
    landed("run_search", "unexpected-shape-lands", {"query": "acme"}, {"POST /search": [SEARCH_ID]}, "POST /search"),
    Variant(
        "get_search",
        "quota-exhausted-with-fresh-rows",
        {"searchId": SEARCH_ID},
        {
            f"GET /search/{SEARCH_ID}": {
                **SEARCH_DONE,
                "status": "quota_exhausted",
                "timeWindow": "30d",
                "mentions": [FRESH_RESULT],
            }
        },
        expect={
            "status": "quota_exhausted",
            "mentions.0.language": "en",
            "mentions.0.sourceId": FRESH_RESULT["sourceId"],
        },
        absent=("mentions.0.id",),
    ),
    Variant(
        "get_search",
        "unknown-status",
        {"searchId": SEARCH_ID},
        {f"GET /search/{SEARCH_ID}": {"searchId": SEARCH_ID, "status": "expired", "query": "acme"}},
        expect={"status": "expired"},
    ),
    Variant(
        "get_search",
        "running-partial-stats",
        {"searchId": SEARCH_ID},
        {f"GET /search/{SEARCH_ID}": SEARCH_RUNNING},
        expect={"status": "running", "partialStats.rawMatches": 10, "pollUrl": SEARCH_RUNNING["pollUrl"]},
    ),
    Variant(
        "list_searches",
        "unknown-status-and-extra-field",
        {},
        {
            "GET /search": {
                "data": [
                    {
                        "searchId": SEARCH_ID,
                        "query": "acme",
                        "status": "cancelled",
                        "createdAt": ISO,
                        "timeWindow": "30d",
                    },
                    {
                        "searchId": "srch_3xYzQ",
                        "query": "heliograph",
                        "status": "completed",
                        "createdAt": ISO,
                        "stats": {"rawMatches": 10, "afterDedup": 9, "afterRelevance": 4, "mentionsConsumed": 4},
                    },
                ],
                "pagination": {"nextCursor": None},
            }
        },
        expect={"data.0.status": "cancelled", "data.0.timeWindow": "30d", "data.1.stats.mentionsConsumed": 4},
    ),
    # --- keywords -----------------------------------------------------------------------------------
    Variant(
        "list_keywords",
        "open-tag-and-platform-cli-volume",
        {},
        {
            "GET /keywords": {
                "data": [
                    {**KEYWORD, "tag": "partner", "platforms": ["reddit", "threads"], "volume": 12, "color": "#7c3aed"}
                ]
            }
        },
        expect={"data.0.tag": "partner", "data.0.platforms.1": "threads", "data.0.volume": 12},
    ),
    Variant(
        "list_keywords",
        "legacy-nulls-no-timestamps",
        {},
        {"GET /keywords": {"data": [{**KEYWORD, "context": None, "tag": None, "isSubReddit": True}]}},
        expect={"data.0.tag": None, "data.0.context": None, "data.0.isSubReddit": True},
        absent=("data.0.createdAt",),
    ),
    Variant(
        "add_keyword",
        "created-with-extras",
        KEYWORD_ARGS,
        {
            "GET /keywords": {"data": [KEYWORD]},
            "POST /keywords": {
                **KEYWORD,
                "id": 43,
                "keyword": "Pulsar DB",
                "platforms": ["reddit", "hackernews"],
                "alreadyExisted": False,
                "enrichment": {"status": "queued"},
            },
        },
        expect={"id": 43, "keyword": "Pulsar DB", "enrichment.status": "queued"},
        hits={"POST /keywords": 1},
    ),
    landed(
        "add_keyword",
        "unexpected-shape-lands-string",
        KEYWORD_ARGS,
        {"GET /keywords": {"data": [KEYWORD]}, "POST /keywords": "done"},
        "POST /keywords",
    ),
    landed(
        "add_keyword",
        "unexpected-shape-lands-bad-id",
        KEYWORD_ARGS,
        {"GET /keywords": {"data": [KEYWORD]}, "POST /keywords": {"id": "not-a-number"}},
        "POST /keywords",
    ),
    Variant(
        "update_keyword",
        "updated-with-extras",
        {"id": 42, "excludeWords": "cartoon,looney"},
        {"PATCH /keywords/42": {**KEYWORD, "excludeWords": "cartoon,looney", "updatedAt": LATER, "lastRunAt": LATER}},
        expect={"excludeWords": "cartoon,looney", "lastRunAt": LATER},
    ),
    Variant(
        "update_keyword",
        "ack-only",
        {"id": 42, "excludeWords": "cartoon,looney"},
        {"PATCH /keywords/42": {"ok": True}},
        expect={"ok": True},
        hits={"PATCH /keywords/42": 1},
        loose=True,
    ),
    Variant(
        "delete_keyword",
        "empty-object",
        {"id": 42},
        {"DELETE /keywords/42": {}},
        hits={"DELETE /keywords/42": 1},
    ),
    Variant(
        "delete_keyword",
        "cascade-report-with-extras",
        {"id": 42},
        {
            "DELETE /keywords/42": {
                "ok": True,
                "id": 42,
                "keyword": "acme",
                "deletedFeeds": [{"id": 3, "name": "Buy intent"}],
                "deletedNotifications": [{"id": 1, "name": "Buy alert", "feedId": 3, "destinationCount": 2}],
                "archivedMentions": 120,
            }
        },
        expect={"deletedFeeds.0.name": "Buy intent", "deletedNotifications.0.feedId": 3, "archivedMentions": 120},
    ),
    landed("delete_keyword", "unexpected-shape-lands", {"id": 42}, {"DELETE /keywords/42": []}, "DELETE /keywords/42"),
    Variant(
        "pause_keyword",
        "toggle-answers-keyword",
        {"id": 42},
        {"GET /keywords": {"data": [KEYWORD]}, "POST /keywords/42/pause": {**KEYWORD, "paused": True}},
        expect={"id": 42, "paused": True, "changed": True},
        hits={"POST /keywords/42/pause": 1},
    ),
    Variant(
        "pause_keyword",
        "toggle-answers-cli-report",
        {"id": 42},
        {
            "GET /keywords": {"data": [{**KEYWORD, "status": "active"}]},
            "POST /keywords/42/pause": {"id": 42, "keyword": "acme", "paused": True, "changed": True},
        },
        expect={"paused": True, "changed": True},
        hits={"POST /keywords/42/pause": 1},
    ),
    Variant(
        "pause_keyword",
        "resume-already-running-sends-nothing",
        {"id": 42, "paused": False},
        {"GET /keywords": {"data": [KEYWORD]}},
        expect={"paused": False, "changed": False},
        hits={"POST /keywords/42/pause": 0},
    ),
    Variant(
        "list_keyword_suggestions",
        "org-wide-unknown-type-integer-score",
        {},
        {
            "GET /keywords/suggestions": {
                "keywords": [{"id": 42, "keyword": "acme", "volume": 120}],
                "suggestions": [
                    {
                        "id": 7,
                        "keywordId": 42,
                        "type": "tighten_context",
                        "value": "Only the analytics product",
                        "reason": None,
                        "impact": None,
                        "impactScore": 1,
                        "keywordSettings": {"excludeWords": None, "platforms": "reddit,twitter"},
                    }
                ],
                "totalSuggestionCount": 1,
                "nextCursor": None,
            }
        },
        expect={"data.0.type": "tighten_context", "data.0.keyword": "acme", "data.0.keywordVolume": 120},
    ),
    Variant(
        "list_keyword_suggestions",
        "one-keyword-open-status",
        {"keywordId": 42},
        {
            "GET /keywords/suggestions": {
                "keyword": {
                    "excludeWords": None,
                    "excludeAuthors": None,
                    "additionalTerms": None,
                    "additionalTermsAndOr": True,
                    "platforms": "reddit,twitter",
                    "symbolSensitive": True,
                },
                "suggestions": [
                    {
                        "id": 8,
                        "keywordId": 42,
                        "organizationId": "org_2abcDEFghij345",
                        "type": "disable_source",
                        "value": "linkedin",
                        "reason": None,
                        "impact": None,
                        "status": "snoozed",
                        "createdAt": ISO,
                        "respondedAt": None,
                    }
                ],
            }
        },
        expect={"data.0.status": "snoozed", "data.0.respondedAt": None, "keyword.platforms": "reddit,twitter"},
    ),
    Variant(
        "accept_keyword_suggestion",
        "applied-changes-with-extras",
        {"suggestionId": 7},
        {
            "POST /keywords/suggestions": {
                "success": True,
                "appliedChanges": {"excludeWords": "cartoon,jobs", "additionalTermsAndOr": False},
                "keywordId": 42,
            }
        },
        expect={"appliedChanges.excludeWords": "cartoon,jobs", "keywordId": 42},
    ),
    Variant(
        "accept_keyword_suggestion",
        "cli-ack",
        {"suggestionId": 7},
        {"POST /keywords/suggestions": {"ok": True, "suggestionId": 7}},
        expect={"ok": True, "suggestionId": 7},
        loose=True,
    ),
    Variant(
        "reject_keyword_suggestion",
        "cli-report",
        {"keywordId": 42},
        {
            "DELETE /keywords/suggestions": {
                "ok": True,
                "keywordId": 42,
                "rejectedCount": 2,
                "rejectedSuggestionIds": [7, 8],
            }
        },
        expect={"rejectedCount": 2, "rejectedSuggestionIds.1": 8, "keywordId": 42},
    ),
    Variant(
        "reject_keyword_suggestion",
        "empty-object",
        {"suggestionId": 7},
        {"DELETE /keywords/suggestions": {}},
        hits={"DELETE /keywords/suggestions": 1},
    ),
    # --- feeds --------------------------------------------------------------------------------------
    Variant(
        "list_feeds",
        "later-filter-fields-and-instant-webhook",
        {},
        {"GET /feeds": {"data": [{**FEED, "advancedFilters": LATER_FILTERS, "destinations": [INSTANT_WEBHOOK]}]}},
        expect={
            "data.0.destinations.0.frequency": "instantly",
            "data.0.advancedFilters.groups.0.conditions.1.field": "IsReply",
            "data.0.advancedFilters.groups.0.conditions.2.field": "Engagement.twitter.likes",
        },
    ),
    Variant(
        "list_feeds",
        "optional-fields-absent",
        {},
        {
            "GET /feeds": {
                "data": [{"id": 42, "name": "Competitor buzz", "simpleFilters": None, "advancedFilters": None}]
            }
        },
        expect={"data.0.id": 42, "data.0.simpleFilters": None},
    ),
    Variant(
        "create_feed",
        "created-with-extras",
        FEED_ARGS,
        {
            "POST /feeds": {
                **FEED,
                "id": 43,
                "name": "Complaints",
                "icon": "BellIcon",
                "simpleFilters": FEED_ARGS["simpleFilters"],
                "advancedFilters": None,
                "destinations": [],
                "slug": "complaints",
            }
        },
        expect={"id": 43, "slug": "complaints", "destinations": []},
        hits={"POST /feeds": 1},
    ),
    landed("create_feed", "unexpected-shape-lands-array", FEED_ARGS, {"POST /feeds": []}, "POST /feeds"),
    landed(
        "create_feed",
        "unexpected-shape-lands-bad-id",
        FEED_ARGS,
        {"POST /feeds": {"id": "not-a-number"}},
        "POST /feeds",
    ),
    Variant(
        "get_feed",
        "weekly-destination-and-extra-field",
        {"id": 42},
        {
            "GET /feeds/42": {
                **FEED,
                "destinations": [{**EMAIL_DESTINATION, "frequency": "weekly", "dayOfWeek": 1, "timezone": "UTC+2:00"}],
                "ownerId": "user_2abcDEFghij345",
            }
        },
        expect={"destinations.0.dayOfWeek": 1, "destinations.0.timezone": "UTC+2:00", "ownerId": "user_2abcDEFghij345"},
    ),
    Variant(
        "get_feed",
        "later-simple-filter-field",
        {"id": 42},
        {
            "GET /feeds/42": {
                **FEED,
                "advancedFilters": None,
                "simpleFilters": {"conditions": [{"field": "IsReply", "values": "0"}]},
                "destinations": [INSTANT_WEBHOOK],
            }
        },
        expect={"simpleFilters.conditions.0.field": "IsReply", "destinations.0.frequency": "instantly"},
    ),
    Variant(
        "update_feed",
        "renamed-with-instant-webhook",
        {"id": 42, "name": "Competitor buzz (EU)"},
        {
            "PATCH /feeds/42": {
                **FEED,
                "name": "Competitor buzz (EU)",
                "destinations": [INSTANT_WEBHOOK],
                "updatedAt": LATER,
            }
        },
        expect={"name": "Competitor buzz (EU)", "destinations.0.frequency": "instantly", "updatedAt": LATER},
    ),
    Variant(
        "update_feed",
        "advanced-filters-echoed",
        {"id": 42, "advancedFilters": ADVANCED_FILTERS},
        {"PATCH /feeds/42": FEED},
        expect={"advancedFilters.groups.0.isSingleCondition": False},
    ),
    Variant(
        "delete_feed",
        "cli-report",
        {"id": 42},
        {"DELETE /feeds/42": {"ok": True, "id": 42, "deletedNotificationIds": [19]}},
        expect={"ok": True, "deletedNotificationIds.0": 19},
    ),
    Variant(
        "delete_feed",
        "empty-200-body",
        {"id": 42},
        {"DELETE /feeds/42": Reply(raw="")},
        hits={"DELETE /feeds/42": 1},
    ),
    # --- notifications ------------------------------------------------------------------------------
    Variant(
        "list_notifications",
        "instant-webhook-null-feed-name-extra",
        {},
        {
            "GET /notifications": {
                "data": [
                    {**NOTIFICATION, "feedName": None, "lastDeliveredAt": LATER, "destinations": [INSTANT_WEBHOOK]}
                ]
            }
        },
        expect={
            "data.0.feedName": None,
            "data.0.lastDeliveredAt": LATER,
            "data.0.destinations.0.frequency": "instantly",
        },
    ),
    Variant(
        "create_notification",
        "created",
        NOTIFICATION_ARGS,
        {"POST /notifications": NOTIFICATION},
        expect={"id": 19, "feedName": "Competitor buzz", "destinations.0.time": "09:00"},
        hits={"POST /notifications": 1},
    ),
    landed(
        "create_notification",
        "unexpected-shape-lands-string",
        NOTIFICATION_ARGS,
        {"POST /notifications": "done"},
        "POST /notifications",
    ),
    landed(
        "create_notification",
        "unexpected-shape-lands-bad-id",
        NOTIFICATION_ARGS,
        {"POST /notifications": {"id": "not-a-number"}},
        "POST /notifications",
    ),
    Variant(
        "get_notification",
        "extra-status-field",
        {"id": 19},
        {"GET /notifications/19": {**NOTIFICATION, "status": "paused_by_billing"}},
        expect={"status": "paused_by_billing", "enabled": True},
    ),
    Variant(
        "update_notification",
        "disabled",
        {"id": 19, "enabled": False},
        {"PATCH /notifications/19": {**NOTIFICATION, "enabled": False, "updatedAt": LATER}},
        expect={"enabled": False, "updatedAt": LATER},
    ),
    Variant(
        "delete_notification",
        "empty-object",
        {"id": 19},
        {"DELETE /notifications/19": {}},
        hits={"DELETE /notifications/19": 1},
    ),
    Variant(
        "delete_notification",
        "cli-report",
        {"id": 19},
        {"DELETE /notifications/19": {"ok": True, "id": 19}},
        expect={"ok": True, "id": 19},
    ),
    Variant(
        "test_notification",
        "results-with-extras",
        {"id": 19},
        {
            "POST /notifications/19/test": {
                "notificationId": 19,
                "results": [
                    {"type": "EMAIL", "target": "team@acme-analytics.test", "ok": True, "status": None, "error": None},
                    {
                        "type": "WEBHOOK",
                        "target": "https://hooks.example.com/octolens",
                        "ok": False,
                        "status": 500,
                        "error": "Webhook answered HTTP 500",
                        "durationMs": 812.5,
                    },
                ],
            }
        },
        expect={"results.1.ok": False, "results.1.status": 500, "results.1.durationMs": 812.5},
    ),
    Variant(
        "test_notification",
        "empty-object",
        {"id": 19},
        {"POST /notifications/19/test": {}},
        hits={"POST /notifications/19/test": 1},
    ),
    landed(
        "test_notification",
        "unexpected-shape-lands",
        {"id": 19},
        {"POST /notifications/19/test": "sent"},
        "POST /notifications/19/test",
    ),
    # --- feedback -----------------------------------------------------------------------------------
    Variant(
        "submit_feedback",
        "decimal-score-and-new-origin",
        FEEDBACK_ARGS,
        {
            MENTION_ROUTE: MENTION,
            "POST /feedback": {
                **FEEDBACK_RECORD,
                "originalRelevanceScore": 0.35,
                "feedbackSource": "SLACK",
                "updatedAt": LATER,
            },
        },
        expect={"originalRelevanceScore": 0.35, "feedbackSource": "SLACK", "updatedAt": LATER},
        hits={"POST /feedback": 1},
    ),
    Variant(
        "submit_feedback",
        "cli-projection",
        FEEDBACK_ARGS,
        {
            MENTION_ROUTE: MENTION,
            "POST /feedback": {
                "ok": True,
                "id": 311,
                "sourceId": SOURCE_ID,
                "keywordId": 42,
                "feedbackType": "NOT_RELEVANT",
                "feedbackReason": "A job ad",
            },
        },
        expect={"ok": True, "id": 311, "keywordId": 42},
    ),
    Variant(
        "delete_feedback",
        "cli-report-nothing-removed",
        {"sourceId": SOURCE_ID, "timestamp": TS},
        {"DELETE /feedback": {"ok": True, "sourceId": SOURCE_ID, "removed": False}},
        expect={"removed": False},
    ),
    Variant(
        "delete_feedback",
        "timestamp-read-then-bare-ack",
        {"sourceId": SOURCE_ID},
        {MENTION_ROUTE: MENTION, "DELETE /feedback": {"success": True}},
        expect={"success": True},
        hits={"DELETE /feedback": 1},
    ),
    Variant(
        "delete_feedback",
        "empty-object",
        {"sourceId": SOURCE_ID, "timestamp": TS},
        {"DELETE /feedback": {}},
    ),
    Variant(
        "get_feedback_stats",
        "extra-breakdown",
        {},
        {
            "GET /feedback/stats": {
                "totalFeedback": 12,
                "relevantCount": 9,
                "notRelevantCount": 3,
                "falsePositiveRate": 0.25,
                "byKeyword": [{"keywordId": 42, "count": 12}],
            }
        },
        expect={"falsePositiveRate": 0.25, "byKeyword.0.keywordId": 42},
    ),
    Variant(
        "get_feedback_stats",
        "no-feedback-integer-rate",
        {"keywordId": 42},
        {
            "GET /feedback/stats": {
                "totalFeedback": 0,
                "relevantCount": 0,
                "notRelevantCount": 0,
                "falsePositiveRate": 0,
            }
        },
        expect={"totalFeedback": 0, "falsePositiveRate": 0},
    ),
    # --- analytics ----------------------------------------------------------------------------------
    Variant(
        "get_mention_volume",
        "open-granularity-and-extra",
        {},
        {
            "GET /analytics/volume": {
                "granularity": "week",
                "data": [{"bucket": "2026-05-04", "count": 12}],
                "timezone": "UTC",
            }
        },
        expect={"granularity": "week", "data.0.count": 12, "timezone": "UTC"},
    ),
    Variant(
        "get_sentiment_breakdown",
        "open-sentiment-label",
        {},
        {
            "GET /analytics/sentiment": {
                "data": [{"sentiment": "Mixed", "count": 2}, {"sentiment": "unknown", "count": 5}]
            }
        },
        expect={"data.0.sentiment": "Mixed", "data.1.sentiment": "unknown"},
    ),
    Variant(
        "get_source_breakdown",
        "open-source-slug",
        {},
        {"GET /analytics/sources": {"data": [{"source": "threads", "count": 7}, {"source": "reddit", "count": 3}]}},
        expect={"data.0.source": "threads"},
    ),
    Variant(
        "get_keyword_breakdown",
        "extra-share",
        {},
        {"GET /analytics/keywords": {"data": [{"keywordId": 42, "keyword": "acme", "count": 10, "share": 0.4}]}},
        expect={"data.0.share": 0.4, "data.0.keywordId": 42},
    ),
    Variant(
        "get_dashboard",
        "wrapped-sections-enterprise-plan",
        {},
        {
            "GET /analytics/dashboard": {
                "volume": {"granularity": "day", "data": [{"bucket": "2026-05-04", "count": 12}]},
                "keywords": {"data": [{"keywordId": 42, "keyword": "acme", "count": 12}]},
                "sentiment": {"data": [{"sentiment": "Positive", "count": 4}]},
                "usage": {**USAGE, "plan": "Enterprise_2027"},
            }
        },
        expect={"usage.plan": "Enterprise_2027", "keywords.0.keywordId": 42, "sentiment.0.count": 4},
    ),
    Variant(
        "get_dashboard",
        "flex-spend-in-decimal",
        {},
        {
            "GET /analytics/dashboard": {
                "volume": {"granularity": "day", "data": []},
                "keywords": {"data": []},
                "sentiment": {"data": []},
                "usage": {**USAGE, "flex": {"enabled": True, "budgetCents": 5000, "used": 1234.5, "resetAt": LATER}},
            }
        },
        expect={"usage.flex.used": 1234.5},
    ),
    # --- org, company, members, auth ---------------------------------------------------------------
    Variant(
        "get_org",
        "future-plan-new-platform-extra",
        {},
        {"GET /org": {**ORG, "plan": "Enterprise_2027", "platforms": ["reddit", "threads"], "region": "eu"}},
        expect={"plan": "Enterprise_2027", "platforms.1": "threads", "region": "eu"},
    ),
    Variant(
        "get_org",
        "no-active-plan",
        {},
        {"GET /org": {**ORG, "plan": None, "onboardingFinishedAt": None, "freeTrialExpired": True}},
        expect={"plan": None, "onboardingFinishedAt": None, "freeTrialExpired": True},
    ),
    Variant(
        "update_org",
        "renamed",
        {"name": "Acme Inc"},
        {"PATCH /org": {**ORG, "name": "Acme Inc", "plan": "Enterprise_2027"}},
        expect={"name": "Acme Inc", "plan": "Enterprise_2027"},
    ),
    Variant(
        "update_org",
        "ack-only",
        {"name": "Acme Inc"},
        {"PATCH /org": {"ok": True}},
        expect={"ok": True},
        hits={"PATCH /org": 1},
        loose=True,
    ),
    Variant(
        "get_usage",
        "flex-spend-in-decimal",
        {},
        {"GET /org/usage": {**USAGE, "flex": {"enabled": True, "budgetCents": 5000, "used": 1234.5, "resetAt": LATER}}},
        expect={"flex.used": 1234.5, "flex.budgetCents": 5000},
    ),
    Variant(
        "get_usage",
        "agents-plan-lifetime-searches",
        {},
        {
            "GET /org/usage": {
                **USAGE,
                "plan": "Agents",
                "mentions": {"count": 120, "limit": 5000, "resetAt": None},
                "searches": {"used": 3, "limit": 50, "remaining": 47},
            }
        },
        expect={"plan": "Agents", "mentions.resetAt": None, "searches.remaining": 47},
        absent=("flex",),
    ),
    Variant(
        "create_upgrade_link",
        "future-plan-extra",
        {},
        {
            "POST /org/upgrade-link": {
                "url": "https://app.octolens.com/api/auth/link?token=abc",
                "destination": "/me/subscription",
                "plan": "Enterprise_2027",
                "expiresAt": ISO,
                "expiresInSeconds": 600,
                "singleUse": True,
            }
        },
        expect={"plan": "Enterprise_2027", "singleUse": True, "expiresInSeconds": 600},
    ),
    Variant(
        "get_company",
        "read-only-field-absent-extra",
        {},
        {"GET /org/company": {**{k: v for k, v in COMPANY.items() if k != "domain"}, "employeeCount": 42}},
        expect={"employeeCount": 42, "logo": None, "competitors": COMPANY["competitors"]},
        absent=("domain",),
    ),
    Variant(
        "update_company",
        "updated",
        {"description": "Product analytics for teams."},
        {"PATCH /org/company": {**COMPANY, "description": "Product analytics for teams.", "updatedAt": LATER}},
        expect={"description": "Product analytics for teams.", "updatedAt": LATER},
    ),
    Variant(
        "list_members",
        "open-role-nulls-extra",
        {},
        {
            "GET /org/members": {
                "data": [
                    {
                        "id": "orgmem_3CiC5z",
                        "userId": "user_2abcDEFghij345",
                        "email": None,
                        "firstName": None,
                        "lastName": None,
                        "role": "owner",
                        "createdAt": ISO,
                        "lastActiveAt": LATER,
                    }
                ]
            }
        },
        expect={"data.0.role": "owner", "data.0.email": None, "data.0.lastActiveAt": LATER},
    ),
    Variant(
        "list_invitations",
        "open-role-extra",
        {},
        {
            "GET /org/members/invitations": {
                "data": [
                    {
                        "id": "orginv_3Ciq0q",
                        "email": "alan@acme-analytics.test",
                        "role": "viewer",
                        "createdAt": ISO,
                        "expiresAt": LATER,
                    }
                ]
            }
        },
        expect={"data.0.role": "viewer", "data.0.expiresAt": LATER},
    ),
    Variant(
        "invite_member",
        "already-invited",
        {"email": "alan@acme-analytics.test"},
        {
            "POST /org/members/invite": {
                "id": "orginv_3Ciq0q",
                "email": "alan@acme-analytics.test",
                "role": "member",
                "createdAt": ISO,
                "alreadyInvited": True,
            }
        },
        expect={"id": "orginv_3Ciq0q", "alreadyInvited": True},
    ),
    Variant(
        "invite_member",
        "ref-schema-without-flag",
        {"email": "alan@acme-analytics.test", "role": "admin"},
        {
            "POST /org/members/invite": {
                "id": "orginv_3Ciq0q",
                "email": "alan@acme-analytics.test",
                "role": "admin",
                "createdAt": ISO,
            }
        },
        expect={"role": "admin"},
        absent=("alreadyInvited",),
    ),
    Variant(
        "remove_member",
        "cli-report",
        {"id": "orgmem_3CiC5z"},
        {"DELETE /org/members/orgmem_3CiC5z": {"id": "orgmem_3CiC5z", "removed": True, "ok": True}},
        expect={"id": "orgmem_3CiC5z", "removed": True, "ok": True},
    ),
    Variant(
        "remove_member",
        "empty-object",
        {"id": "orginv_3Ciq0q"},
        {"DELETE /org/members/orginv_3Ciq0q": {}},
        hits={"DELETE /org/members/orginv_3Ciq0q": 1},
    ),
    Variant(
        "remove_member",
        "empty-200-body",
        {"id": "orginv_3Ciq0q"},
        {"DELETE /org/members/orginv_3Ciq0q": Reply(raw="")},
        hits={"DELETE /org/members/orginv_3Ciq0q": 1},
    ),
    Variant(
        "get_auth_info",
        "future-plan-user-and-key-name",
        {},
        {
            "GET /auth": {
                "organizationId": "org_2abcDEFghij345",
                "name": "Acme Analytics",
                "plan": "Enterprise_2027",
                "scope": ["read", "write", "admin"],
                "user": {"email": "ada@acme-analytics.test"},
                "keyName": "ci",
            }
        },
        expect={
            "plan": "Enterprise_2027",
            "scopes": ["read", "write", "admin"],
            "keyName": "ci",
            "user.email": "ada@acme-analytics.test",
        },
    ),
    # --- global filters -----------------------------------------------------------------------------
    Variant(
        "get_global_filters",
        "extra-list",
        {},
        {"GET /filters/global": {**GLOBAL_FILTERS, "negativeDomains": ["spam.example"]}},
        expect={"negativeDomains.0": "spam.example", "positiveSubreddits": []},
    ),
    Variant(
        "get_global_filters",
        "some-lists-absent",
        {},
        {"GET /filters/global": {"negativeKeywords": ["looney tunes"]}},
        expect={"negativeKeywords.0": "looney tunes"},
    ),
    Variant(
        "replace_global_filters",
        "full-object",
        {"negativeKeywords": ["looney tunes", "wile e. coyote"]},
        {
            "GET /filters/global": GLOBAL_FILTERS,
            "PATCH /filters/global": {**GLOBAL_FILTERS, "negativeKeywords": ["looney tunes", "wile e. coyote"]},
        },
        expect={"negativeKeywords.1": "wile e. coyote", "negativeRepos.0": "acme/old-sdk"},
        hits={"PATCH /filters/global": 1},
    ),
    Variant(
        "replace_global_filters",
        "cli-one-list-report",
        {"negativeAuthors": ["spam_bot_9000", "promo_bot"]},
        {
            "GET /filters/global": GLOBAL_FILTERS,
            "PATCH /filters/global": {"list": "negativeAuthors", "values": ["spam_bot_9000", "promo_bot"]},
        },
        expect={"list": "negativeAuthors", "values.1": "promo_bot"},
        loose=True,
    ),
    Variant(
        "add_global_filter_values",
        "subreddit-added",
        {"list": "negativeSubreddits", "values": ["r/funny"]},
        {
            "POST /filters/global/add": {
                "list": "negativeSubreddits",
                "added": ["funny"],
                "dropped": [],
                "values": ["memes", "funny"],
            }
        },
        expect={"added.0": "funny", "values.1": "funny"},
    ),
    Variant(
        "add_global_filter_values",
        "nothing-dropped-key-absent",
        {"list": "negativeKeywords", "values": ["jobs"]},
        {
            "POST /filters/global/add": {
                "list": "negativeKeywords",
                "added": ["jobs"],
                "values": ["looney tunes", "jobs"],
            }
        },
        expect={"added.0": "jobs"},
    ),
    Variant(
        "remove_global_filter_values",
        "removed",
        {"list": "negativeSubreddits", "values": ["memes"]},
        {"POST /filters/global/remove": {"list": "negativeSubreddits", "removed": ["memes"], "values": []}},
        expect={"removed.0": "memes", "values": []},
    ),
    # --- Slack --------------------------------------------------------------------------------------
    Variant(
        "get_slack_status",
        "connected-with-extra",
        {},
        {
            "GET /integrations/slack": {
                "connected": True,
                "hasSlackIntegration": True,
                "isInstalled": True,
                "teamName": "Acme",
                "hasNotificationSettings": False,
                "botScopes": ["chat:write", "channels:read"],
            }
        },
        expect={"connected": True, "teamName": "Acme", "botScopes.1": "channels:read"},
    ),
    Variant(
        "get_slack_status",
        "uninstalled-null-team",
        {},
        {
            "GET /integrations/slack": {
                "connected": False,
                "hasSlackIntegration": True,
                "isInstalled": False,
                "teamName": None,
                "hasNotificationSettings": False,
            }
        },
        expect={"connected": False, "teamName": None},
    ),
    Variant(
        "search_slack_channels",
        "channels-with-extras",
        {"q": "alert"},
        {
            "GET /integrations/slack/channels": {
                "data": [{"id": "C0123ABC", "name": "social-alerts", "isPrivate": False, "memberCount": 12}],
                "pagination": {"nextCursor": "Y3Vyc29y"},
            }
        },
        expect={"data.0.id": "C0123ABC", "data.0.memberCount": 12, "pagination.nextCursor": "Y3Vyc29y"},
    ),
]


# --- webhooks (composed tools) ------------------------------------------------------------------------
PUBLIC_URL = "https://mcp.example.test"
WEBHOOK_SECRET = "variant-webhook-secret"
OUR_WEBHOOK: dict[str, Any] = {
    "type": "WEBHOOK",
    "frequency": "hourly",
    "deliveryMode": "individual",
    "webhookDestination": {
        "url": Hub(settings(public_url=PUBLIC_URL, webhook_secret=WEBHOOK_SECRET)).url(ORG["organizationId"])
    },
}
CONNECTED_FEED = {**FEED, "destinations": [SLACK_DESTINATION, OUR_WEBHOOK]}
VARIANTS += [
    Variant(
        "connect_feed_webhook",
        "adds-ours-keeps-slack",
        {"feed": 42},
        {"GET /org": ORG, "GET /feeds/42": FEED, "PATCH /feeds/42": CONNECTED_FEED},
        expect={"connected": True, "changed": True, "feed.id": 42},
        hits={"PATCH /feeds/42": 1, "GET /feeds/42": 1},
    ),
    Variant(
        "connect_feed_webhook",
        "already-connected-sends-nothing",
        {"feed": 42},
        {"GET /org": ORG, "GET /feeds/42": CONNECTED_FEED},
        expect={"connected": True, "changed": False},
        hits={"PATCH /feeds/42": 0},
    ),
    Variant(
        "disconnect_feed_webhook",
        "removes-only-ours",
        {"feed": 42},
        {"GET /org": ORG, "GET /feeds/42": CONNECTED_FEED, "PATCH /feeds/42": FEED},
        expect={"connected": False, "changed": True},
        hits={"PATCH /feeds/42": 1},
    ),
    Variant(
        "watch_mentions",
        "polling-from-a-cursor",
        {"since": "p:2020-01-01 00:00:00.000", "waitSeconds": 0},
        {"POST /mentions": {"data": [MENTION], "pagination": {"nextCursor": None}}},
        expect={"mode": "polling", "data.0.sourceId": SOURCE_ID, "cursor": f"p:{TS}"},
        hits={"POST /mentions": 1},
    ),
]


@pytest.mark.parametrize("variant", [pytest.param(v, id=v.id) for v in VARIANTS])
async def test_variant_answer_is_read(variant: Variant) -> None:
    async with mock_api(variant.answers) as (client, seen):
        schema = await output_schema(client, variant.tool)
        structured = await ok(client, variant.tool, variant.arguments)
    assert [route for route in seen if route not in variant.answers] == []
    assert_conforms(schema, structured)
    for path, expected in variant.expect.items():
        got = at(structured, path)
        if got is _MISSING and variant.loose:
            got = at(structured.get("response"), path)
        if got is _MISSING and _EMPTY.count(expected) and variant.tool.startswith("list_") and path.startswith("data."):
            continue  # a compact list leaves out empty values (null, false, "", [], {}): absent reads as empty
        assert got is not _MISSING, f"{path} missing from {structured}"
        assert got == expected, path
        assert isinstance(got, bool) == isinstance(expected, bool), f"{path}: {got!r} is not {expected!r}"
    for path in variant.absent:
        assert at(structured, path) is _MISSING, f"{path} should be absent: {structured}"
    for route, times in variant.hits.items():
        assert seen.count(route) == times, f"{route} requested {seen.count(route)} times: {seen}"


UNREADABLE_READS = [
    pytest.param("list_feeds", {}, {"GET /feeds": [1, 2]}, id="list_feeds[array-of-numbers]"),
    pytest.param("get_org", {}, {"GET /org": "maintenance"}, id="get_org[bare-string]"),
    pytest.param("get_mention", {"sourceId": SOURCE_ID}, {MENTION_ROUTE: None}, id="get_mention[null]"),
]


@pytest.mark.parametrize(("tool", "arguments", "answers"), UNREADABLE_READS)
async def test_unreadable_read_answer_is_invalid_response(
    tool: str, arguments: dict[str, Any], answers: dict[str, Any]
) -> None:
    async with mock_api(answers) as (client, _):
        error = error_of(await call(client, tool, arguments))["error"]
    assert error["code"] == "INVALID_RESPONSE"
    assert not error.get("landed")


async def test_every_tool_has_a_variant() -> None:
    async with mock_api({}) as (client, _):
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert len(names) == TOOL_COUNT
    assert names - {v.tool for v in VARIANTS} == set()
    assert {v.tool for v in VARIANTS} - names == set()
    assert len({v.id for v in VARIANTS}) == len(VARIANTS)
