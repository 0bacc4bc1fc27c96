"""Sandbox routes: mentions, export, triage, by author."""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING, Any

from octolens_sandbox.http import ApiError, Check, Request, Response, not_found, validation
from octolens_sandbox.matching import compile_mention_filters, feed_matches, matches
from octolens_sandbox.routes._common import TIMESTAMP_PATTERN, Route, decode_cursor, only_query, page, public, query_int

if TYPE_CHECKING:
    from octolens_sandbox.app import Sandbox

AUTHOR_SOURCES = ("twitter", "reddit", "bluesky", "dev", "github", "hackernews", "tiktok", "linkedin")
CSV_COLUMNS = (
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
)


def _select(sb: Sandbox, check: Check) -> list[dict[str, Any]]:
    view = check.integer("view", lo=1)
    include_all = check.boolean("includeAll")
    filters = check.data.get("filters")
    check.done()
    feed = None
    if view is not None:
        feed = sb.feeds.get(view)
        if feed is None:
            raise not_found("FEED_NOT_FOUND", f"Feed {view}")
    spec = compile_mention_filters(filters, set(sb.keywords)) if filters is not None else None
    rows = []
    for mention in sb.mentions:
        if not include_all and mention.get("relevanceScore") not in (0, 1):
            continue
        if feed is not None and not feed_matches(mention, feed):
            continue
        if spec is not None and not matches(mention, spec):
            continue
        rows.append(mention)
    return rows


def list_mentions(sb: Sandbox, request: Request) -> Response:
    check = Check(request.body if request.body is not None else {})
    check.only({"view", "filters", "includeAll", "limit", "cursor"})
    limit = check.integer("limit", lo=1, hi=100) or 20
    cursor = check.data.get("cursor")
    rows = _select(sb, check)
    offset = decode_cursor(cursor, "mentions") if cursor is not None else 0
    chunk, next_cursor = page(rows, offset, limit, "mentions")
    return Response(body={"data": [public(m) for m in chunk], "pagination": {"nextCursor": next_cursor}})


def export_mentions(sb: Sandbox, request: Request) -> Response:
    check = Check(request.body if request.body is not None else {})
    check.only({"view", "filters", "includeAll", "limit", "format"})
    limit = check.integer("limit", lo=1, hi=50_000) or 50_000
    fmt = check.enum("format", ("json", "csv")) or "json"
    rows = _select(sb, check)[:limit]
    headers = {"X-Total-Count": str(len(rows)), "Content-Disposition": f'attachment; filename="mentions.{fmt}"'}
    if fmt == "json":
        return Response(body={"data": [public(m) for m in rows], "total": len(rows)}, headers=headers)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for m in rows:
        cells = {**m, "keywords": ";".join(k["keyword"] for k in m["keywords"]), "tags": ";".join(m["tags"])}
        writer.writerow(["" if cells.get(c) is None else cells.get(c) for c in CSV_COLUMNS])
    return Response(text=out.getvalue(), headers={**headers, "Content-Type": "text/csv; charset=utf-8"})


def _find(sb: Sandbox, source_id: str) -> dict[str, Any] | None:
    return next((m for m in sb.mentions if m["sourceId"] == source_id), None)


def get_mention(sb: Sandbox, request: Request) -> Response:
    mention = _find(sb, request.params["sourceId"])
    if mention is None:
        raise not_found("MENTION_NOT_FOUND", f"Mention {request.params['sourceId']}")
    return Response(body=public(mention))


def update_mention(sb: Sandbox, request: Request) -> Response:
    check = Check(request.body)
    action = check.enum("action", ("engage", "relevance", "sentiment"), required=True)
    fields = {
        "engage": {"postId", "timestamp", "engaged"},
        "relevance": {"postId", "relevance", "timestamp"},
        "sentiment": {"sentimentLabel", "timestamp"},
    }.get(action or "", set())
    check.only({"action", *fields})
    timestamp = check.string("timestamp", required=True, pattern=TIMESTAMP_PATTERN)
    post_id = check.integer("postId", required=action in ("engage", "relevance"), lo=1)
    target = check.boolean("engaged") if action == "engage" else None
    relevance = check.enum("relevance", (0, 1, 2, 3), required=True) if action == "relevance" else None
    label = (
        check.enum("sentimentLabel", ("Positive", "Neutral", "Negative"), required=True)
        if action == "sentiment"
        else None
    )
    check.done()
    mention = _find(sb, request.params["sourceId"])
    if (
        mention is None
        or not _same_instant(mention["timestamp"], timestamp or "")
        or (post_id is not None and post_id != mention["id"])
    ):
        raise not_found("POST_NOT_FOUND", f"Post {request.params['sourceId']} at {timestamp}")
    if action == "engage":
        mention["engaged"] = (not mention["engaged"]) if target is None else target
    elif action == "relevance":
        mention.setdefault("_original", mention["relevanceScore"])
        score = mention["_original"] if relevance == 3 else relevance
        mention["relevanceScore"] = score
        mention["relevance"] = "relevant" if score in (0, 1) else "not_relevant"
    else:
        mention["sentiment"] = label
    return Response(body={"ok": True})


def _same_instant(stored: str, sent: str) -> bool:
    """The lookup key: the stored timestamp, or the same instant written as ISO 8601 (§2.10)."""
    normalised = re.sub(r"(Z|[+-]00:?00)$", "", sent).replace("T", " ")
    if "." not in normalised:
        normalised += ".000"
    whole, _, fraction = normalised.partition(".")
    return stored == f"{whole}.{(fraction + '000')[:3]}"


def by_author(sb: Sandbox, request: Request) -> Response:
    only_query(request, {"source", "handle", "profileUrl", "limit", "cursor"})
    source = request.arg("source")
    if source is None:
        raise validation("source", "required")
    if source not in AUTHOR_SOURCES:
        raise validation("source", f"must be one of {', '.join(AUTHOR_SOURCES)}")
    handle, profile = request.arg("handle"), request.arg("profileUrl")
    if profile is not None and source != "linkedin":
        raise validation("profileUrl", "profileUrl is only for source=linkedin")
    if handle is None and profile is None:
        raise validation("handle", "handle or profileUrl is required")
    limit = query_int(request, "limit", default=10, lo=1, hi=50) or 10
    name = (handle or profile or "").rstrip("/").split("/")[-1].lstrip("@").lower()
    rows = [m for m in sb.mentions if m["source"] == source and (m.get("author") or "").lower() == name]
    cursor = request.arg("cursor")
    offset = decode_cursor(cursor, "author") if cursor is not None else 0
    chunk, next_cursor = page(rows, offset, limit, "author")
    return Response(body={"data": [public(m) for m in chunk], "pagination": {"nextCursor": next_cursor}})


__all__ = ["ApiError"]

ROUTES: tuple[Route, ...] = (
    ("POST", "/mentions/export", "read", export_mentions),
    ("GET", "/mentions/by-author", "read", by_author),
    ("POST", "/mentions", "read", list_mentions),
    ("GET", "/mentions/{sourceId}", "read", get_mention),
    ("PATCH", "/mentions/{sourceId}", "write", update_mention),
)
