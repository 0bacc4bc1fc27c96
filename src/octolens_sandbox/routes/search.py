"""Sandbox routes: on-demand search with a blocking first request (``waitMs``), 202 polling and quota headers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from octolens_sandbox.http import ApiError, Check, Request, Response, not_found
from octolens_sandbox.routes._common import Route, decode_cursor, only_query, page, public, query_int, upgrade_required
from octolens_sandbox.seed import SOURCES

if TYPE_CHECKING:
    from octolens_sandbox.app import Sandbox


def _quota_headers(sb: Sandbox) -> dict[str, str]:
    headers = {"X-Octolens-Mentions-Remaining": str(max(0, sb.mention_quota - sb.mentions_used))}
    if sb.agents_plan:
        headers["X-Octolens-Searches-Remaining"] = str(max(0, sb.search_limit - sb.searches_used))
    return headers


def run_search(sb: Sandbox, request: Request) -> Response:
    check = Check(request.body)
    check.only({"query", "timeWindow", "sources", "maxResults", "minRelevance", "waitMs"})
    query = check.string("query", required=True, min_len=1)
    window = check.enum("timeWindow", ("1d", "7d", "30d")) or "7d"
    sources = check.strings("sources", allowed=SOURCES, min_items=1) or list(SOURCES[:8])
    max_results = check.integer("maxResults", lo=1, hi=500) or 100
    min_relevance = check.enum("minRelevance", ("high", "medium", "low")) or "medium"
    wait_ms = check.integer("waitMs", lo=0, hi=25_000) or 0
    check.done()
    if sb.agents_plan and sb.searches_used >= sb.search_limit:
        raise upgrade_required("All 50 lifetime searches of the Agents plan are used")
    if sb.mentions_used >= sb.mention_quota:
        if sb.agents_plan:
            raise upgrade_required("The monthly mention quota of the Agents plan is used up")
        raise ApiError(402, "QUOTA_EXCEEDED", "Monthly mention quota exhausted; enable flex pricing or upgrade")
    bar = {"high": 0, "medium": 1, "low": 2}[min_relevance]
    text = (query or "").lower()
    known = [
        {**public(m), "alreadyInWorkspace": True}
        for m in sb.mentions
        if m["source"] in sources
        and text in f"{m.get('title') or ''} {m.get('body') or ''}".lower()
        and m["relevanceScore"] <= bar
    ][: max_results // 2]
    fresh_count = min(max_results - len(known), 3)
    fresh = [
        {
            "id": 9_000_000 + sb.rng.randrange(1_000_000),
            "sourceId": f"{sources[i % len(sources)]}_search_{sb.token_hex(4)}",
            "url": f"https://example.{sources[i % len(sources)]}.test/search/{i}",
            "title": f"New thread about {query}",
            "body": f"Has anyone tried {query}? Looking for opinions.",
            "source": sources[i % len(sources)],
            "timestamp": sb.timestamp().replace("T", " ").rstrip("Z"),
            "author": f"searcher{i}",
            "relevance": "relevant",
            "relevanceScore": 1,
            "sentiment": "Neutral",
            "language": "en",
            "tags": ["question"],
            "keywords": [],
            "engaged": False,
            "alreadyInWorkspace": False,
        }
        for i in range(fresh_count)
    ]
    sb.searches_used += 1
    sb.mentions_used += fresh_count
    search_id = f"srch_{sb.token_hex(6)}"
    record: dict[str, Any] = {
        "searchId": search_id,
        "status": "completed",
        "query": query,
        "timeWindow": window,
        "sources": sources,
        "startedAt": sb.timestamp(),
        "completedAt": sb.timestamp(),
        "stats": {
            "rawMatches": len(known) + fresh_count + 4,
            "afterDedup": len(known) + fresh_count + 1,
            "afterRelevance": len(known) + fresh_count,
            "mentionsConsumed": fresh_count,
            "perSource": {s: sum(1 for m in known + fresh if m["source"] == s) for s in sources},
        },
        "mentions": known + fresh,
        "createdAt": sb.timestamp(),
        "_polls_left": max(0, sb.search_polls_needed - _polls_covered(sb, wait_ms)),
    }
    if "linkedin" in sources:
        record["stats"]["skippedSources"] = {"linkedin": "requires the LinkedIn add-on"}
    sb.searches[search_id] = record
    headers = _quota_headers(sb)
    if record["_polls_left"] > 0:
        body = {
            "status": "running",
            "searchId": search_id,
            "pollUrl": f"/api/v2/search/{search_id}",
            "partialStats": {"rawMatches": 2},
        }
        return Response(status=202, body=body, headers={**headers, "Retry-After": str(sb.search_retry_after)})
    return Response(body=_view(record), headers=headers)


def seed_search(sb: Sandbox, query: str) -> str:
    """A finished search of ``query`` run on ``sb`` before anyone calls (the demo's); its id."""
    answer = run_search(sb, Request("POST", "/search", [], {"query": query}, scope="admin"))
    search_id: str = answer.body["searchId"]
    return search_id


def _polls_covered(sb: Sandbox, wait_ms: int) -> int:
    """The polls a blocking wait of ``wait_ms`` stands for: each scripted poll is a Retry-After's work (1 s at least).

    The search is not really run, so nothing waits: a wait that covers every poll answers 200 at once.
    """
    return wait_ms // (max(1, sb.search_retry_after) * 1000)


def _view(record: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in public(record).items() if k != "createdAt"}
    if record["_polls_left"] > 0:
        return {
            "status": "running",
            "searchId": record["searchId"],
            "query": record["query"],
            "pollUrl": f"/api/v2/search/{record['searchId']}",
            "partialStats": {"rawMatches": 2},
        }
    return body


def get_search(sb: Sandbox, request: Request) -> Response:
    record = sb.searches.get(request.params["searchId"])
    if record is None:
        raise not_found("SEARCH_NOT_FOUND", f"Search {request.params['searchId']}")
    if record["_polls_left"] > 0:
        record["_polls_left"] -= 1
    headers = _quota_headers(sb)
    if record["_polls_left"] > 0:
        headers["Retry-After"] = str(sb.search_retry_after)
    return Response(body=_view(record), headers=headers)


def list_searches(sb: Sandbox, request: Request) -> Response:
    only_query(request, {"limit", "cursor"})
    limit = query_int(request, "limit", default=20, lo=1, hi=100) or 20
    rows = sorted(sb.searches.values(), key=lambda r: r["createdAt"], reverse=True)
    cursor = request.arg("cursor")
    offset = decode_cursor(cursor, "searches") if cursor is not None else 0
    chunk, next_cursor = page(rows, offset, limit, "searches")
    data = [
        {
            "searchId": r["searchId"],
            "query": r["query"],
            "status": "running" if r["_polls_left"] else r["status"],
            "createdAt": r["createdAt"],
            "stats": r["stats"],
        }
        for r in chunk
    ]
    return Response(body={"data": data, "pagination": {"nextCursor": next_cursor}}, headers=_quota_headers(sb))


ROUTES: tuple[Route, ...] = (
    ("POST", "/search", "read", run_search),
    ("GET", "/search/{searchId}", "read", get_search),
    ("GET", "/search", "read", list_searches),
)
