"""Mentions: list, export, get, triage, by author; plus tags and the filter wizard."""

from __future__ import annotations

import json
from typing import Any

import anyio

from octolens_mcp.catalog._reads import read_object
from octolens_mcp.catalog.filter_wizard import WIZARD
from octolens_mcp.catalog.models.common import NoInput
from octolens_mcp.catalog.models.feedback import TagList
from octolens_mcp.catalog.models.mentions import (
    AUTHOR_PAGE_MAX,
    MENTION_PAGE_MAX,
    RELEVANCE_WORD_SCORES,
    ExportMentionsInput,
    GetMentionInput,
    ListAuthorMentionsInput,
    ListMentionsInput,
    MentionExport,
    MentionPage,
    MentionRead,
    MentionUpdate,
    UpdateMentionInput,
)
from octolens_mcp.catalog.operation import Api, CursorPages, ItemKind, Items, OffsetResume, Operation, ToFile
from octolens_mcp.http.errors import OctolensError

READS_AT_ONCE = 4
"""Mentions one get_mention call reads from Octolens at the same time."""
RECALL_SECONDS = 120.0
"""A mention listed this long ago answers get_mention for it: an agent reads the posts it just listed."""
COMPACT_DROPS = frozenset(
    {
        "id",
        "url",
        "authorAvatar",
        "authorUrl",
        "authorName",
        "relevance",
        "relevanceComment",
        "imageUrl",
        "feedbackRelevant",
        "keywordId",
    }
)
"""Mention fields a compact result leaves out (``detail: "full"`` returns them)."""


def compact_mention(mention: dict[str, Any], body_chars: int, whole: str) -> dict[str, Any]:
    """A mention without nulls, empty lists, ``engaged: false`` and internal fields; a long body cut."""
    out: dict[str, Any] = {}
    for key, value in mention.items():
        if key in COMPACT_DROPS or value is None or value == [] or (key == "engaged" and value is False):
            continue
        if key == "keywords" and isinstance(value, list):
            value = [k.get("keyword") if isinstance(k, dict) else k for k in value]
            value = [{"keyword": name} for name in value if name is not None]
        out[key] = value
    body = out.get("body")
    if isinstance(body, str) and len(body) > body_chars:
        out["body"] = cut_text(body, body_chars, whole)
    return out


def cut_text(text: str, keep: int, whole: str) -> str:
    """``text`` cut after ``keep`` characters, with a marker saying how much is left and where it is."""
    return f"{text[:keep]}… [cut {len(text) - keep} chars; {whole}]"


def by_source_id(_result: dict[str, Any], item: dict[str, Any], _index: int) -> str | None:
    """A mention of the workspace is read whole by ``get_mention`` with its ``sourceId``."""
    source_id = item.get("sourceId")
    return "get_mention returns it whole" if isinstance(source_id, str) and source_id else None


def alone(_result: dict[str, Any], item: dict[str, Any], _index: int) -> str | None:
    """A mention cut in a read of several is whole in a read of it alone."""
    source_id = item.get("sourceId")
    return f"get_mention with sourceId {source_id} alone returns it whole" if isinstance(source_id, str) else None


def _rest(args: GetMentionInput, result: dict[str, Any], _offset: int) -> dict[str, Any] | None:
    """get_mention's arguments for the mentions asked for that the result does not hold (nor call not found)."""
    rows = result.get("data")
    shown = {row.get("sourceId") for row in rows if isinstance(row, dict)} if isinstance(rows, list) else set()
    missing = result.get("notFound")
    shown |= set(missing) if isinstance(missing, list) else set()
    rest = [source_id for source_id in args.source_ids() if source_id not in shown]
    return {"sourceId": rest} if rest else None


MENTION = ItemKind(
    name="mention",
    identity=("sourceId", "id"),
    strangers=True,
    compact=compact_mention,
    immutable=("id", "timestamp"),
    recall=RECALL_SECONDS,
)
TAG = ItemKind(name="tag")


async def read_mention(api: Api, source_id: str) -> dict[str, Any]:
    """The mention as the API stores it now (its verbatim timestamp, id, engaged flag…)."""
    return await read_object(api, GET, {"sourceId": source_id})


NOT_FOUND = frozenset({"MENTION_NOT_FOUND", "POST_NOT_FOUND"})


async def _read(api: Api, op: Operation, args: GetMentionInput) -> dict[str, Any]:
    """Each mention asked for: as a result stated it a moment ago, else read (a few at a time).

    A sourceId Octolens does not have is listed under ``notFound`` when several were asked for; any other
    failure fails the call (raised here, not from inside the task group, so it keeps its code).
    """
    wanted = args.source_ids()
    found: dict[str, dict[str, Any]] = {}
    failed: dict[str, OctolensError] = {}
    limiter = anyio.CapacityLimiter(READS_AT_ONCE)

    async def read_one(source_id: str) -> None:
        recalled = api.recall(MENTION, source_id)
        if recalled is not None:
            found[source_id] = recalled
            return
        async with limiter:
            try:
                found[source_id] = await read_object(api, op, {"sourceId": source_id})
            except OctolensError as error:
                failed[source_id] = error

    async with anyio.create_task_group() as group:
        for source_id in wanted:
            group.start_soon(read_one, source_id)
    for source_id in wanted:
        error = failed.get(source_id)
        if error is not None and (error.code not in NOT_FOUND or len(wanted) == 1):
            raise error
    out: dict[str, Any] = {"data": [found[source_id] for source_id in wanted if source_id in found]}
    if failed:
        out["notFound"] = [source_id for source_id in wanted if source_id in failed]
    return out


async def _export(api: Api, op: Operation, args: ExportMentionsInput) -> dict[str, Any]:
    data = args.wire()
    await api.progress("requesting the export from Octolens (large ranges take minutes)")
    response = await api.call(op, data)
    fmt = args.format or "json"
    total = response.total_count
    if fmt == "csv":
        if not isinstance(response.body, str):
            raise OctolensError("INVALID_RESPONSE", "A CSV export was answered with JSON.", extra={"sent": True})
        return {"format": "csv", "total": total, "csv": response.body}
    body = response.body
    if isinstance(body, str):  # an export may come back as a download without a JSON content type
        try:
            body = json.loads(body)
        except ValueError:
            raise OctolensError("INVALID_RESPONSE", "The JSON export was not valid JSON.") from None
    if not isinstance(body, dict):
        raise OctolensError("INVALID_RESPONSE", "The JSON export was not an object with data.")
    return {"format": "json", "total": body.get("total", total), "data": body.get("data", [])}


async def mention_facts(
    api: Api, source_id: str, timestamp: str | None, post_id: int | None, *, need_id: bool
) -> tuple[str | None, int | None]:
    """The mention's timestamp and id (``need_id``: both): as given, else as an earlier answer stated them, else read.

    Both never change once stated (``MENTION.immutable``), so a write needs no read for them when any earlier
    list, get or search result named them.
    """
    known = api.known(MENTION, source_id)
    if timestamp is None and isinstance(known.get("timestamp"), str):
        timestamp = known["timestamp"]
    if post_id is None and isinstance(known.get("id"), int) and not isinstance(known.get("id"), bool):
        post_id = known["id"]
    if timestamp is None or (need_id and post_id is None):
        mention = await read_mention(api, source_id)
        timestamp = timestamp or mention.get("timestamp")
        post_id = post_id or mention.get("id")
    return timestamp, post_id


async def _engage(api: Api, op: Operation, args: UpdateMentionInput) -> dict[str, Any]:
    """Engage is a toggle: decided on the state read now, sent only when it differs, the new state its opposite."""
    mention = await read_mention(api, args.sourceId)
    before = bool(mention.get("engaged"))
    done: dict[str, Any] = {"sourceId": args.sourceId, "action": "engage"}
    if before == args.engaged:
        return {**done, "ok": True, "changed": False, "engaged": before}
    timestamp = args.timestamp or mention.get("timestamp")
    post_id = args.postId or mention.get("id")
    body = {"sourceId": args.sourceId, "action": "engage", "postId": post_id, "timestamp": timestamp}
    answer = (await api.call(op, body)).body
    answer = answer if isinstance(answer, dict) else {}
    if answer.get("ok") is False:
        # A 2xx that says it did not toggle: the state is not known, and a retry could undo it.
        return {**done, "ok": False}
    stated = answer.get("engaged")
    # {ok: true} after toggling the state read just before: the opposite of it. An answer naming the state wins.
    engaged = stated if isinstance(stated, bool) else not before
    out = {**done, "ok": engaged == args.engaged, "changed": True, "engaged": engaged}
    return {**out, "verified": True} if isinstance(stated, bool) else out


async def _update(api: Api, op: Operation, args: UpdateMentionInput) -> dict[str, Any]:
    if args.engaged is not None:
        return await _engage(api, op, args)
    relevance = args.relevance is not None
    timestamp, post_id = await mention_facts(api, args.sourceId, args.timestamp, args.postId, need_id=relevance)
    if args.relevance is not None:
        score = RELEVANCE_WORD_SCORES[args.relevance]
        body = {"action": "relevance", "postId": post_id, "relevance": score, "timestamp": timestamp}
        await api.call(op, {"sourceId": args.sourceId, **body})
        return {"ok": True, "sourceId": args.sourceId, "action": "relevance", "relevanceScore": score}
    body = {"action": "sentiment", "sentimentLabel": args.sentiment, "timestamp": timestamp}
    await api.call(op, {"sourceId": args.sourceId, **body})
    return {"ok": True, "sourceId": args.sourceId, "action": "sentiment", "sentiment": args.sentiment}


def _inline(args: ExportMentionsInput) -> bool:
    return args.output == "result"


LIST = Operation(
    name="list_mentions",
    method="POST",
    path="/mentions",
    scope="read",
    toolset="mentions",
    title="List mentions",
    description=(
        "List collected mentions, newest first, with optional filters; limit may span pages, nextCursor continues. "
        "Keyword filters and view take ids or exact names. No default time window: set startDate for recent ones."
    ),
    input=ListMentionsInput,
    output=MentionPage,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="data", kind=MENTION, whole=by_source_id, table=True),
    paging=CursorPages(MENTION_PAGE_MAX),
    lists_ids=("POST_NOT_FOUND", "MENTION_NOT_FOUND"),
    open_world=True,
)

EXPORT = Operation(
    name="export_mentions",
    method="POST",
    path="/mentions/export",
    scope="read",
    toolset="mentions",
    title="Export mentions",
    description=(
        "Export filtered mentions (json or csv, up to 50,000 rows) to a file: returns its path, row count, columns "
        "and a preview (output=result returns rows inline, within the result budget). Same filters as list_mentions."
    ),
    input=ExportMentionsInput,
    output=MentionExport,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="data", kind=MENTION, whole=by_source_id),
    delivery=ToFile(inline=_inline, preview="preview", text="csv"),
    open_world=True,
    timeout=240.0,
    runner=_export,
)

GET = Operation(
    name="get_mention",
    method="GET",
    path="/mentions/{sourceId}",
    scope="read",
    toolset="mentions",
    title="Get mention",
    description="Read mentions whole by sourceId, one or a few at once.",
    input=GetMentionInput,
    output=MentionRead,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="data", kind=MENTION, whole=alone, compacted=False, one_per_request=True),
    paging=OffsetResume("get_mention", _rest),
    open_world=True,
    runner=_read,
)

UPDATE = Operation(
    name="update_mention",
    method="PATCH",
    path="/mentions/{sourceId}",
    scope="write",
    toolset="mentions",
    title="Triage mention",
    description=(
        "Triage a mention: set exactly one of engaged (true/false; toggled only if it differs), "
        "relevance (high|medium|low|clear) or sentiment. timestamp and postId default to the mention's."
    ),
    input=UpdateMentionInput,
    output=MentionUpdate,
    read_only=False,
    destructive=False,
    idempotent=False,
    changes=frozenset({"mention"}),
    runner=_update,
    verify="call get_mention and check engaged/relevanceScore/sentiment before repeating",
)

BY_AUTHOR = Operation(
    name="list_author_mentions",
    method="GET",
    path="/mentions/by-author",
    scope="read",
    toolset="mentions",
    title="List an author's mentions",
    description=(
        "List one author's mentions on one platform, newest first. handle for every source but linkedin, "
        "profileUrl for linkedin."
    ),
    input=ListAuthorMentionsInput,
    output=MentionPage,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="data", kind=MENTION, whole=by_source_id, table=True),
    paging=CursorPages(AUTHOR_PAGE_MAX),
    open_world=True,
)

TAGS = Operation(
    name="list_tags",
    method="GET",
    path="/tags",
    scope="read",
    toolset="mentions",
    title="List tags",
    description=(
        "List the tag names usable in mention filters (tag) and feed Tags conditions. Octolens assigns tags; "
        "the API cannot create or set them."
    ),
    input=NoInput,
    output=TagList,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="data", kind=TAG),
    cache="tags",
)

OPERATIONS = (LIST, EXPORT, GET, UPDATE, BY_AUTHOR, TAGS, WIZARD)
