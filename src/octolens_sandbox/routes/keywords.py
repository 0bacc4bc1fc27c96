"""Sandbox routes: keywords and keyword suggestions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from octolens_sandbox.http import ApiError, Check, Request, Response, not_found, validation
from octolens_sandbox.matching import referenced_keywords
from octolens_sandbox.routes._common import (
    Route,
    decode_cursor,
    no_body,
    only_query,
    page,
    path_int,
    query_bool,
    query_int,
)
from octolens_sandbox.seed import KEYWORD_PLATFORMS

if TYPE_CHECKING:
    from octolens_sandbox.app import Sandbox

UPDATABLE = (
    "context",
    "additionalTerms",
    "additionalTermsAndOr",
    "caseSensitive",
    "symbolSensitive",
    "platforms",
    "excludeWords",
    "wildcardExcludeWords",
    "excludeAuthors",
    "tag",
    "color",
)
TAGS = ("own_brand", "competitor", "industry_term")


def _sorted(sb: Sandbox) -> list[dict[str, Any]]:
    return sorted(sb.keywords.values(), key=lambda k: (k["keyword"].casefold(), k["id"]))


def list_keywords(sb: Sandbox, request: Request) -> Response:
    only_query(request, set())
    return Response(body={"data": _sorted(sb)})


def _settings(check: Check, *, create: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    limits = {
        "context": 200,
        "additionalTerms": 500,
        "excludeWords": 5000,
        "wildcardExcludeWords": 5000,
        "excludeAuthors": 5000,
    }
    for key, limit in limits.items():
        if check.has(key):
            values[key] = check.string(key, max_len=limit, nullable=True)
    for key in ("additionalTermsAndOr", "caseSensitive", "symbolSensitive"):
        if check.has(key):
            values[key] = check.boolean(key)
    if check.has("tag"):
        values["tag"] = check.enum("tag", TAGS)
    if check.has("color"):
        values["color"] = check.string("color", pattern=r"#[0-9a-fA-F]{6}")
    if check.has("platforms"):
        raw = check.data["platforms"]
        if create and isinstance(raw, str):
            raw = [p.strip() for p in raw.split(",") if p.strip()]
            check.data["platforms"] = raw
        platforms = check.strings("platforms", allowed=KEYWORD_PLATFORMS, min_items=1)
        values["platforms"] = platforms
    return values


def add_keyword(sb: Sandbox, request: Request) -> Response:
    check = Check(request.body)
    check.only({"keyword", "isSubReddit", *UPDATABLE})
    text = check.string("keyword", required=True, min_len=1, max_len=100)
    is_sub = check.boolean("isSubReddit")
    values = _settings(check, create=True)
    check.done()
    assert text is not None
    for row in sb.keywords.values():
        same_kind = bool(row.get("isSubReddit")) == bool(is_sub)  # a subreddit is not the phrase with its name
        if row["keyword"].casefold() == text.strip().casefold() and same_kind:
            return Response(body={**row, "alreadyExisted": True})
    if len(sb.keywords) >= sb.keyword_limit:
        raise ApiError(
            sb.keyword_limit_status, "KEYWORD_LIMIT_EXCEEDED", f"Your plan allows {sb.keyword_limit} keywords"
        )
    now = sb.timestamp()
    row = {
        "id": sb.next_id("keyword"),
        "keyword": text.strip(),
        "context": values.get("context")
        or f"Mentions of {text.strip()} relevant to {sb.company['name'] if sb.company else 'the company'}",
        "additionalTerms": values.get("additionalTerms"),
        "additionalTermsAndOr": values.get("additionalTermsAndOr", True),
        "caseSensitive": values.get("caseSensitive", False),
        "symbolSensitive": values.get("symbolSensitive", True),
        "platforms": values.get("platforms") or [p for p in KEYWORD_PLATFORMS if p != "reddit_comment"],
        "excludeWords": values.get("excludeWords"),
        "wildcardExcludeWords": values.get("wildcardExcludeWords"),
        "excludeAuthors": values.get("excludeAuthors"),
        "tag": values.get("tag"),
        "paused": False,
        "isSubReddit": is_sub,
        "createdAt": now,
        "updatedAt": now,
    }
    if values.get("color"):
        row["color"] = values["color"]
    sb.keywords[row["id"]] = row
    return Response(body=row)


def _keyword(sb: Sandbox, request: Request) -> dict[str, Any]:
    keyword_id = path_int(request, "id", "KEYWORD_NOT_FOUND", "Keyword")
    row = sb.keywords.get(keyword_id)
    if row is None:
        raise not_found("KEYWORD_NOT_FOUND", f"Keyword {keyword_id}")
    return row


def update_keyword(sb: Sandbox, request: Request) -> Response:
    row = _keyword(sb, request)
    check = Check(request.body)
    check.only(UPDATABLE)
    values = _settings(check, create=False)
    if not check.data:
        check.fail("", "send at least one field")
    check.done()
    for key, value in values.items():
        row[key] = None if value == "" and key not in ("context",) else value
    row["updatedAt"] = sb.timestamp()
    return Response(body=row)


def delete_keyword(sb: Sandbox, request: Request) -> Response:
    no_body(request)
    row = _keyword(sb, request)
    del sb.keywords[row["id"]]
    deleted_feeds, deleted_notifications = [], []
    for feed in list(sb.feeds.values()):
        if referenced_keywords(feed) == {row["id"]}:
            del sb.feeds[feed["id"]]
            deleted_feeds.append({"id": feed["id"], "name": feed["name"]})
            for notification in list(sb.notifications.values()):
                if notification["feedId"] == feed["id"]:
                    del sb.notifications[notification["id"]]
                    deleted_notifications.append(
                        {
                            "id": notification["id"],
                            "name": notification["name"],
                            "feedId": feed["id"],
                            "destinationCount": len(notification["destinations"]),
                        }
                    )
    for suggestion in list(sb.suggestions.values()):
        if suggestion["keywordId"] == row["id"]:
            del sb.suggestions[suggestion["id"]]
    return Response(
        body={
            "ok": True,
            "id": row["id"],
            "keyword": row["keyword"],
            "deletedFeeds": deleted_feeds,
            "deletedNotifications": deleted_notifications,
        }
    )


def pause_keyword(sb: Sandbox, request: Request) -> Response:
    row = _keyword(sb, request)
    if request.body not in (None, {}):
        check = Check(request.body)
        check.only({"paused"})
        target = check.boolean("paused", required=True)
        check.done()
        row["paused"] = target
    else:
        row["paused"] = not row["paused"]
    row["updatedAt"] = sb.timestamp()
    return Response(body=row)


# --- suggestions ---------------------------------------------------------------------------------

_APPLIES = {
    "add_exclude_words": "excludeWords",
    "add_exclude_authors": "excludeAuthors",
    "add_additional_terms": "additionalTerms",
    "change_additional_terms_logic": "additionalTermsAndOr",
    "set_exact_match": "symbolSensitive",
    "disable_source": "platforms",
}


def _row(sb: Sandbox, suggestion: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in suggestion.items() if not k.startswith("_")}


def list_suggestions(sb: Sandbox, request: Request) -> Response:
    only_query(request, {"keywordId", "withVolume", "cursor", "limit"})
    keyword_id = query_int(request, "keywordId", default=None, lo=1, hi=10**9)
    with_volume = query_bool(request, "withVolume")
    pending = [s for s in sb.suggestions.values() if s["status"] == "pending"]
    if keyword_id is not None:
        keyword = sb.keywords.get(keyword_id)
        if keyword is None:
            raise not_found("KEYWORD_NOT_FOUND", f"Keyword {keyword_id}")
        rows = sorted((s for s in pending if s["keywordId"] == keyword_id), key=lambda s: s["createdAt"], reverse=True)
        settings = {
            k: keyword.get(k)
            for k in ("excludeWords", "excludeAuthors", "additionalTerms", "additionalTermsAndOr", "symbolSensitive")
        }
        settings["platforms"] = ",".join(keyword["platforms"])
        return Response(body={"keyword": settings, "suggestions": [_row(sb, s) for s in rows]})
    if with_volume is False:
        counts: dict[int, int] = {}
        for s in pending:
            counts[s["keywordId"]] = counts.get(s["keywordId"], 0) + 1
        return Response(body=[{"keywordId": k, "count": v} for k, v in sorted(counts.items())])
    limit = query_int(request, "limit", default=25, lo=1, hi=100) or 25
    rows = sorted(pending, key=lambda s: s["impactScore"], reverse=True)
    cursor = request.arg("cursor")
    offset = decode_cursor(cursor, "suggestions") if cursor is not None else 0
    chunk, next_cursor = page(rows, offset, limit, "suggestions")
    ids = sorted({s["keywordId"] for s in chunk})
    keywords = [
        {
            "id": i,
            "keyword": sb.keywords[i]["keyword"],
            "volume": sum(1 for m in sb.mentions if any(k["id"] == i for k in m["keywords"])),
        }
        for i in ids
        if i in sb.keywords
    ]
    return Response(
        body={
            "keywords": keywords,
            "suggestions": [_row(sb, s) for s in chunk],
            "totalSuggestionCount": len(rows),
            "nextCursor": next_cursor,
        }
    )


def accept_suggestion(sb: Sandbox, request: Request) -> Response:
    check = Check(request.body)
    check.only({"suggestionId", "modifiedValue"})
    suggestion_id = check.integer("suggestionId", required=True, lo=1)
    modified = check.string("modifiedValue", min_len=1)
    check.done()
    suggestion = sb.suggestions.get(suggestion_id or 0)
    if suggestion is None or suggestion["status"] != "pending":
        raise not_found("SUGGESTION_NOT_FOUND", f"Suggestion {suggestion_id}")
    if suggestion.get("_race"):
        suggestion["_race"] = False
        raise ApiError(
            409, "KEYWORD_CHANGED", "The keyword changed while the suggestion was applied; nothing was written"
        )
    keyword = sb.keywords[suggestion["keywordId"]]
    value = modified if modified is not None else suggestion["value"]
    field = _APPLIES[suggestion["type"]]
    if field in ("excludeWords", "excludeAuthors", "additionalTerms"):
        merged = [p for p in (keyword.get(field) or "").split(",") if p] + [
            p.strip() for p in value.split(",") if p.strip()
        ]
        new: Any = ",".join(dict.fromkeys(merged))
    elif field == "additionalTermsAndOr":
        new = value.lower() == "or"
    elif field == "symbolSensitive":
        new = value.lower() == "true"
    else:
        new = [p for p in keyword["platforms"] if p != value]
    keyword[field] = new
    keyword["updatedAt"] = sb.timestamp()
    suggestion["status"] = "accepted"
    suggestion["respondedAt"] = sb.timestamp()
    return Response(body={"success": True, "appliedChanges": {field: new}})


def reject_suggestions(sb: Sandbox, request: Request) -> Response:
    check = Check(request.body)
    check.only({"suggestionId", "keywordId"})
    suggestion_id = check.integer("suggestionId", lo=1)
    keyword_id = check.integer("keywordId", lo=1)
    check.done()
    if (suggestion_id is None) == (keyword_id is None):
        raise validation("suggestionId", "send exactly one of suggestionId or keywordId")
    if suggestion_id is not None:
        suggestion = sb.suggestions.get(suggestion_id)
        if suggestion is None or suggestion["status"] != "pending":
            raise not_found("SUGGESTION_NOT_FOUND", f"Suggestion {suggestion_id}")
        targets = [suggestion]
    else:
        if keyword_id not in sb.keywords:
            raise not_found("KEYWORD_NOT_FOUND", f"Keyword {keyword_id}")
        targets = [s for s in sb.suggestions.values() if s["keywordId"] == keyword_id and s["status"] == "pending"]
    for suggestion in targets:
        suggestion["status"] = "rejected"
        suggestion["respondedAt"] = sb.timestamp()
    return Response(
        body={"success": True, "rejectedCount": len(targets), "rejectedSuggestionIds": [s["id"] for s in targets]}
    )


ROUTES: tuple[Route, ...] = (
    ("GET", "/keywords/suggestions", "read", list_suggestions),
    ("POST", "/keywords/suggestions", "write", accept_suggestion),
    ("DELETE", "/keywords/suggestions", "write", reject_suggestions),
    ("GET", "/keywords", "read", list_keywords),
    ("POST", "/keywords", "write", add_keyword),
    ("PATCH", "/keywords/{id}", "write", update_keyword),
    ("DELETE", "/keywords/{id}", "write", delete_keyword),
    ("POST", "/keywords/{id}/pause", "write", pause_keyword),
)
