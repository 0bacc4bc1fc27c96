"""Keywords and keyword suggestions."""

from __future__ import annotations

from typing import Any

from octolens_mcp.catalog._reads import feed_keyword_ids, read_rows
from octolens_mcp.catalog.models.common import KEYWORD_NAME, NoInput, as_id
from octolens_mcp.catalog.models.keywords import (
    SUGGESTION_PAGE_MAX,
    AcceptSuggestionInput,
    AddKeywordInput,
    DeleteKeywordInput,
    Keyword,
    KeywordDeletion,
    KeywordList,
    KeywordPauseState,
    ListSuggestionsInput,
    PauseKeywordInput,
    RejectSuggestionInput,
    SuggestionAccepted,
    SuggestionList,
    SuggestionsRejected,
    UpdateKeywordInput,
)
from octolens_mcp.catalog.operation import Api, CursorPages, ItemKind, Items, Operation, lean
from octolens_mcp.http.errors import OctolensError

KEYWORD = ItemKind(name="keyword", compact=lean("createdAt", "updatedAt"))
SUGGESTION = ItemKind(name="keyword suggestion", strangers=True, compact=lean("createdAt", "updatedAt"))
"""Suggested from posts the keyword matched: their reasons quote strangers' text."""


async def _add(api: Api, op: Operation, args: AddKeywordInput) -> Any:
    # The API dedupes case-insensitively per the CLI, but no API source promises it: look first, at the
    # current list. A subreddit and a phrase with the same text are different keywords.
    subreddit = bool(args.isSubReddit)
    for row in await read_rows(api, LIST):
        same_text = str(row.get("keyword", "")).casefold() == args.keyword.casefold()
        if same_text and bool(row.get("isSubReddit")) == subreddit:
            return {**row, "alreadyExisted": True}
    return (await api.call(op, args.wire())).body


async def _delete(api: Api, op: Operation, args: DeleteKeywordInput) -> Any:
    if not args.preview:
        return (await api.call(op, args.wire())).body
    from octolens_mcp.catalog import feeds, notifications  # they import this module

    keyword = next((row for row in await read_rows(api, LIST) if row.get("id") == args.id), None)
    if keyword is None:
        raise OctolensError("KEYWORD_NOT_FOUND", f"No keyword with id {args.id} in this workspace.", status=404)
    doomed = [f for f in await read_rows(api, feeds.LIST) if feed_keyword_ids(f) == {args.id}]
    doomed_ids = {f.get("id") for f in doomed}
    rules = [n for n in await read_rows(api, notifications.LIST) if n.get("feedId") in doomed_ids]
    return {
        "preview": True,
        "id": args.id,
        "keyword": keyword.get("keyword"),
        "deletedFeeds": [{"id": f.get("id"), "name": f.get("name")} for f in doomed],
        "deletedNotifications": [{"id": n.get("id"), "name": n.get("name"), "feedId": n.get("feedId")} for n in rules],
    }


async def _pause(api: Api, op: Operation, args: PauseKeywordInput) -> dict[str, Any]:
    keyword_id = as_id(args.id)
    current = next((row for row in await read_rows(api, LIST) if row.get("id") == keyword_id), None)
    if current is None:
        raise OctolensError("KEYWORD_NOT_FOUND", f"No keyword with id {keyword_id} in this workspace.", status=404)
    was = current.get("paused")
    # The write is a blind toggle: deciding on a state we cannot read could flip it the wrong way.
    if not isinstance(was, bool):
        raise OctolensError(
            "INVALID_RESPONSE",
            f"list_keywords did not say whether keyword {keyword_id} is paused; no toggle was sent.",
            extra={"sent": False},
        )
    if was == args.paused:
        return _pause_state(keyword_id, current, args.paused, changed=False)
    # The documented API is a bodiless toggle; we only send it when the state differs.
    body = (await api.call(op, {"id": keyword_id})).body
    paused = body.get("paused") if isinstance(body, dict) else None
    return _pause_state(keyword_id, current, paused if isinstance(paused, bool) else None, changed=True)


def _pause_state(keyword_id: int, row: dict[str, Any], paused: bool | None, *, changed: bool) -> dict[str, Any]:
    """The tool's result; the phrase only when the read gave one (a result must always fit the output schema)."""
    phrase = row.get("keyword")
    named = {"keyword": phrase} if isinstance(phrase, str) else {}
    return {"id": keyword_id, **named, "paused": paused, "changed": changed}


def _suggestions(body: Any) -> dict[str, Any]:
    if isinstance(body, list):
        return {"data": [], "counts": body}
    if not isinstance(body, dict):
        return {"data": []}
    rows: list[Any] = body["data"] if isinstance(body.get("data"), list) else body.get("suggestions") or []
    keywords = body.get("keywords") if isinstance(body.get("keywords"), list) else None
    by_id = {k.get("id"): k for k in keywords or [] if isinstance(k, dict) and isinstance(k.get("id"), int)}
    data = []
    for row in rows:
        if isinstance(row, dict):
            key = row.get("keywordId")
            joined = by_id.get(key, {}) if isinstance(key, int) else {}
            extra = {"keyword": joined.get("keyword"), "keywordVolume": joined.get("volume")} if joined else {}
            data.append({**{k: v for k, v in extra.items() if v is not None}, **row})
    pagination = body.get("pagination")
    next_cursor = pagination.get("nextCursor") if isinstance(pagination, dict) else body.get("nextCursor")
    result: dict[str, Any] = {"data": data, "nextCursor": next_cursor}
    if "totalSuggestionCount" in body:
        result["totalSuggestionCount"] = body["totalSuggestionCount"]
    if keywords is not None:
        result["keywords"] = keywords
    if isinstance(body.get("keyword"), dict):
        result["keyword"] = body["keyword"]
    return result


async def _suggestion_query(api: Api, args: ListSuggestionsInput) -> dict[str, Any]:
    query: dict[str, Any] = args.model_dump(exclude_none=True, exclude={"summary"})
    if args.summary:
        query["withVolume"] = False
    return query


LIST = Operation(
    name="list_keywords",
    method="GET",
    path="/keywords",
    scope="read",
    toolset="keywords",
    title="List keywords",
    description="List every tracked keyword with its id and settings. Use the ids in mention and feed filters.",
    input=NoInput,
    output=KeywordList,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="data", kind=KEYWORD),
    cache="keywords",
    lists_ids=("KEYWORD_NOT_FOUND",),
    resolves=KEYWORD_NAME,
)

ADD = Operation(
    name="add_keyword",
    method="POST",
    path="/keywords",
    scope="write",
    toolset="keywords",
    title="Add keyword",
    description=(
        "Start tracking a keyword; AI fills omitted context, exclusions and platforms (slow). A term already "
        "tracked (any case) comes back with alreadyExisted=true, not a duplicate."
    ),
    input=AddKeywordInput,
    output=Keyword,
    read_only=False,
    destructive=False,
    idempotent=False,
    changes=frozenset({"keywords", "feeds", "notifications", "usage"}),
    timeout=90.0,
    runner=_add,
    verify="call list_keywords and look for the keyword before adding it again",
)

UPDATE = Operation(
    name="update_keyword",
    method="PATCH",
    path="/keywords/{id}",
    scope="write",
    toolset="keywords",
    title="Update keyword",
    description=(
        "Change only the settings sent. Comma-separated fields replace the stored string ('' clears); platforms "
        "replaces the list. The phrase itself cannot be renamed."
    ),
    input=UpdateKeywordInput,
    output=Keyword,
    read_only=False,
    destructive=False,
    idempotent=True,
    changes=frozenset({"keywords", "feeds", "notifications", "usage"}),
    verify="call list_keywords and compare the settings",
)

DELETE = Operation(
    name="delete_keyword",
    method="DELETE",
    path="/keywords/{id}",
    scope="write",
    toolset="keywords",
    title="Delete keyword",
    description=(
        "Stop tracking a keyword. Cascades: feeds that reference only this keyword are deleted, with their "
        "notifications; preview=true lists them and deletes nothing. Consider pause_keyword instead."
    ),
    input=DeleteKeywordInput,
    output=KeywordDeletion,
    read_only=False,
    destructive=True,
    idempotent=True,
    changes=frozenset({"keywords", "feeds", "notifications", "usage"}),
    verify="call list_keywords to see whether it is gone",
    runner=_delete,
)

PAUSE = Operation(
    name="pause_keyword",
    method="POST",
    path="/keywords/{id}/pause",
    scope="write",
    toolset="keywords",
    title="Pause or resume keyword",
    description=(
        "Pause (paused=true) or resume (paused=false) collection; toggled only if it differs from the current state."
    ),
    input=PauseKeywordInput,
    output=KeywordPauseState,
    read_only=False,
    destructive=False,
    idempotent=False,
    changes=frozenset({"keywords", "feeds", "notifications", "usage"}),
    runner=_pause,
    verify="call list_keywords and read paused before calling again",
)

LIST_SUGGESTIONS = Operation(
    name="list_keyword_suggestions",
    method="GET",
    path="/keywords/suggestions",
    scope="read",
    toolset="keywords",
    title="List keyword suggestions",
    description=(
        "List pending AI suggestions to tune keywords (exclusions, required terms, exact match, sources), "
        "highest impact first; keywordId narrows to one keyword, summary=true gives counts per keyword."
    ),
    input=ListSuggestionsInput,
    output=SuggestionList,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="data", kind=SUGGESTION),
    paging=CursorPages(SUGGESTION_PAGE_MAX, cursor_at=("nextCursor",)),
    lists_ids=("SUGGESTION_NOT_FOUND",),
    prepare=_suggestion_query,
    shape=_suggestions,
)

ACCEPT = Operation(
    name="accept_keyword_suggestion",
    method="POST",
    path="/keywords/suggestions",
    scope="write",
    toolset="keywords",
    title="Accept keyword suggestion",
    description=(
        "Apply a suggestion to its keyword, optionally with modifiedValue. Each is answered once: "
        "SUGGESTION_NOT_FOUND means unknown or already answered; KEYWORD_CHANGED is safe to retry."
    ),
    input=AcceptSuggestionInput,
    output=SuggestionAccepted,
    read_only=False,
    destructive=False,
    idempotent=True,
    changes=frozenset({"keywords", "feeds", "notifications", "usage"}),
    timeout=90.0,
    verify="call list_keyword_suggestions: an applied suggestion is no longer pending",
)

REJECT = Operation(
    name="reject_keyword_suggestion",
    method="DELETE",
    path="/keywords/suggestions",
    scope="write",
    toolset="keywords",
    title="Reject keyword suggestions",
    description="Reject one suggestion (suggestionId) or every pending one of a keyword (keywordId). Cannot be undone.",
    input=RejectSuggestionInput,
    output=SuggestionsRejected,
    read_only=False,
    destructive=True,
    idempotent=True,
    changes=frozenset({"keywords", "feeds", "notifications", "usage"}),
    verify="call list_keyword_suggestions to see what is still pending",
)

OPERATIONS = (LIST, ADD, UPDATE, DELETE, PAUSE, LIST_SUGGESTIONS, ACCEPT, REJECT)
