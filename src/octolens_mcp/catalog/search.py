"""On-demand search: run (polling until done), poll, list."""

from __future__ import annotations

import time
from typing import Any

import anyio

from octolens_mcp.catalog.models.search import (
    SEARCH_PAGE_MAX,
    GetSearchInput,
    ListSearchesInput,
    RunSearchInput,
    SearchList,
    SearchResult,
)
from octolens_mcp.catalog.operation import Api, Operation
from octolens_mcp.http.errors import OctolensError

DEFAULT_POLL_SECONDS = 2.0
MIN_POLL_SECONDS = 1.0


async def _run(api: Api, op: Operation, args: RunSearchInput) -> Any:
    response = await api.call(op, args.wire())
    result = response.body
    if not isinstance(result, dict) or result.get("status") != "running":
        return result
    search_id = str(result.get("searchId"))
    deadline = time.monotonic() + api.search_wait
    while result.get("status") == "running":
        # Never poll faster than once a second, whatever Retry-After says (0 would burn the hourly budget).
        wait = DEFAULT_POLL_SECONDS if response.retry_after is None else max(MIN_POLL_SECONDS, response.retry_after)
        if time.monotonic() + wait > deadline:
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
    open_world=True,
    untrusted=True,
    timeout=60.0,
    runner=_run,
    polls=True,
    reports_quota=True,
    resume_with="get_search",
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
    open_world=True,
    untrusted=True,
    reports_quota=True,
    resume_with="get_search",
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
    reports_quota=True,
    page_max=SEARCH_PAGE_MAX,
)

OPERATIONS = (RUN, GET, LIST)
