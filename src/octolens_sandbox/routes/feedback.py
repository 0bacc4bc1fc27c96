"""Sandbox routes: relevance feedback and its statistics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from octolens_sandbox.http import Check, Request, Response, not_found
from octolens_sandbox.routes._common import TIMESTAMP_PATTERN, Route, only_query, query_int
from octolens_sandbox.routes.mentions import _same_instant
from octolens_sandbox.seed import SOURCES

if TYPE_CHECKING:
    from octolens_sandbox.app import Sandbox


def _mention_key(sb: Sandbox, source_id: str, timestamp: str) -> tuple[str, str]:
    mention = next((m for m in sb.mentions if m["sourceId"] == source_id), None)
    if mention is None or not _same_instant(mention["timestamp"], timestamp):
        raise not_found("POST_NOT_FOUND", f"Post {source_id} at {timestamp}")
    return source_id, mention["timestamp"]


def submit(sb: Sandbox, request: Request) -> Response:
    check = Check(request.body)
    check.only(
        {
            "sourceId",
            "timestamp",
            "postId",
            "keywordId",
            "source",
            "feedbackType",
            "feedbackReason",
            "feedbackSource",
            "originalRelevanceScore",
        }
    )
    source_id = check.string("sourceId", required=True, min_len=1)
    timestamp = check.string("timestamp", required=True, pattern=TIMESTAMP_PATTERN)
    post_id = check.integer("postId", lo=1)
    keyword_id = check.integer("keywordId", required=True, lo=1)
    source = check.enum("source", SOURCES, required=True)
    kind = check.enum("feedbackType", ("RELEVANT", "NOT_RELEVANT"), required=True)
    reason = check.string("feedbackReason", nullable=True)
    origin = check.enum("feedbackSource", ("WEB", "EMAIL", "API")) or "API"
    original = check.number("originalRelevanceScore")
    check.done()
    assert source_id is not None and timestamp is not None
    key = _mention_key(sb, source_id, timestamp)
    if keyword_id not in sb.keywords:
        raise not_found("KEYWORD_NOT_FOUND", f"Keyword {keyword_id}")
    existing = sb.feedback.get(key)
    record = {
        "id": existing["id"] if existing else sb.next_id("feedback"),
        "sourceId": source_id,
        "timestamp": timestamp,
        "organizationId": sb.org["organizationId"] if sb.org else None,
        "postId": post_id,
        "keywordId": keyword_id,
        "source": source,
        "feedbackType": kind,
        "feedbackReason": reason,
        "feedbackSource": origin,
        "originalRelevanceScore": original,
        "createdBy": "user_2adaLOVELACE1",
        "createdAt": existing["createdAt"] if existing else sb.timestamp(),
    }
    sb.feedback[key] = record
    return Response(body=record)


def delete(sb: Sandbox, request: Request) -> Response:
    check = Check(request.body)
    check.only({"sourceId", "timestamp"})
    source_id = check.string("sourceId", required=True, min_len=1)
    timestamp = check.string("timestamp", required=True, pattern=TIMESTAMP_PATTERN)
    check.done()
    assert source_id is not None and timestamp is not None
    key = _mention_key(sb, source_id, timestamp)
    removed = sb.feedback.pop(key, None) is not None
    return Response(body={"success": True, "sourceId": source_id, "removed": removed})


def stats(sb: Sandbox, request: Request) -> Response:
    only_query(request, {"keywordId"})
    keyword_id = query_int(request, "keywordId", default=None, lo=1, hi=10**9)
    rows = [r for r in sb.feedback.values() if keyword_id is None or r["keywordId"] == keyword_id]
    relevant = sum(1 for r in rows if r["feedbackType"] == "RELEVANT")
    not_relevant = len(rows) - relevant
    return Response(
        body={
            "totalFeedback": len(rows),
            "relevantCount": relevant,
            "notRelevantCount": not_relevant,
            "falsePositiveRate": round(not_relevant / len(rows), 4) if rows else 0,
        }
    )


ROUTES: tuple[Route, ...] = (
    ("POST", "/feedback", "write", submit),
    ("DELETE", "/feedback", "write", delete),
    ("GET", "/feedback/stats", "read", stats),
)
