"""On-demand search: run (polling until done), poll, list."""

from __future__ import annotations

import json
from typing import Any

import anyio

from octolens_mcp.catalog.mentions import MENTION
from octolens_mcp.catalog.models.search import (
    SEARCH_PAGE_MAX,
    GetSearchInput,
    ListSearchesInput,
    RunSearchInput,
    SearchList,
    SearchResult,
)
from octolens_mcp.catalog.operation import Api, CursorPages, ItemKind, Items, OffsetResume, Operation, lean
from octolens_mcp.http.errors import OctolensError

SEARCH = ItemKind(name="search", identity=("searchId",), compact=lean())

DEFAULT_POLL_SECONDS = 2.0
MIN_POLL_SECONDS = 1.0
MAX_WAIT_MS = 25_000
"""The longest the API blocks the first ``POST /search`` (``waitMs``) before answering 202 while it still runs."""
MAX_ID_CHARS = 100
"""A longer search id is not repeated in a marker (it could be anything an upstream sent)."""


async def _run(api: Api, op: Operation, args: RunSearchInput) -> Any:
    data = args.wire()
    if "waitMs" not in data:
        # The first request blocks until the search completes, up to the polling window: usually the only one.
        data["waitMs"] = max(0, min(MAX_WAIT_MS, int(api.seconds_left() * 1000)))
    response = await api.call(op, data)
    result = response.body
    if not isinstance(result, dict) or result.get("status") != "running":
        return result
    search_id = str(result.get("searchId"))
    while result.get("status") == "running":
        # Never poll faster than once a second, whatever Retry-After says (0 would burn the hourly budget).
        wait = DEFAULT_POLL_SECONDS if response.retry_after is None else max(MIN_POLL_SECONDS, response.retry_after)
        if wait > api.seconds_left():
            break
        await api.progress(f"search {search_id} is running; polling again in {wait:g}s")
        await anyio.sleep(wait)
        try:
            response = await api.call(GET, {"searchId": search_id})
        except OctolensError:
            # The search exists and spent quota: hand back its id rather than an error that invites a re-run.
            break
        if not isinstance(response.body, dict):
            break
        result = response.body
    return result


def _from_offset(_args: object, result: dict[str, Any], offset: int) -> dict[str, Any] | None:
    """get_search's arguments that go on from ``offset`` in the same search's results."""
    search_id = result.get("searchId")
    return {"searchId": search_id, "offset": offset} if isinstance(search_id, str) and search_id else None


def _one_result(result: dict[str, Any], _item: dict[str, Any], position: int) -> str | None:
    """A search result is outside the workspace (get_mention does not know it): read it from the search."""
    arguments = _from_offset(None, result, position)
    if arguments is None or len(arguments["searchId"]) > MAX_ID_CHARS:
        return None
    return f"get_search {json.dumps({**arguments, 'detail': 'full'}, separators=(',', ':'))} returns it whole"


RUN = Operation(
    name="run_search",
    method="POST",
    path="/search",
    scope="read",
    toolset="search",
    title="Run on-demand search",
    description=(
        "Search public platforms now for a phrase and AI-score the results (not added to the mention stream). "
        "Spends search/mention quota: never repeat after an unknown outcome, check list_searches instead. "
        "Waits for completion; if still running, returns searchId for get_search."
    ),
    input=RunSearchInput,
    output=SearchResult,
    read_only=False,
    destructive=False,
    idempotent=False,
    items=Items(field="mentions", kind=MENTION, whole=_one_result, table=True),
    paging=OffsetResume("get_search", _from_offset),
    changes=frozenset({"usage"}),
    opt_in=True,
    open_world=True,
    timeout=60.0,
    runner=_run,
    polls=True,
    reports_quota=True,
    verify="call list_searches and look for a search with this query before running it again",
)

GET = Operation(
    name="get_search",
    method="GET",
    path="/search/{searchId}",
    scope="read",
    toolset="search",
    title="Get search",
    description="Get an on-demand search by searchId: running, completed (with mentions), failed or quota_exhausted.",
    input=GetSearchInput,
    output=SearchResult,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="mentions", kind=MENTION, whole=_one_result, table=True),
    paging=OffsetResume("get_search", _from_offset),
    open_world=True,
    reports_quota=True,
)

LIST = Operation(
    name="list_searches",
    method="GET",
    path="/search",
    scope="read",
    toolset="search",
    title="List searches",
    description="List past on-demand searches (searchId, query, status), newest first.",
    input=ListSearchesInput,
    output=SearchList,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="data", kind=SEARCH),
    paging=CursorPages(SEARCH_PAGE_MAX),
    lists_ids=("SEARCH_NOT_FOUND",),
    reports_quota=True,
)

OPERATIONS = (RUN, GET, LIST)
