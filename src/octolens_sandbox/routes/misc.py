"""Sandbox routes: global filters, tags, the AI filter wizard and Slack."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from octolens_sandbox.http import ApiError, Check, Request, Response, not_found, validation
from octolens_sandbox.routes._common import Route, decode_cursor, only_query, page, query_int
from octolens_sandbox.seed import LANGUAGES, SOURCES, iso

if TYPE_CHECKING:
    from octolens_sandbox.app import Sandbox

LISTS = ("negativeKeywords", "negativeAuthors", "negativeSubreddits", "positiveSubreddits", "negativeRepos")
_EXCLUSIVE = {"negativeSubreddits": "positiveSubreddits", "positiveSubreddits": "negativeSubreddits"}


def _filters(sb: Sandbox) -> dict[str, list[str]]:
    if sb.global_filters is None:
        raise not_found("SETTINGS_NOT_FOUND", "Filter settings")
    return sb.global_filters


def _normalise(list_name: str, values: Any, path: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise validation(path, "expected an array of strings")
    if len(values) > 2000:
        raise validation(path, "at most 2000 values")
    out: list[str] = []
    for index, value in enumerate(values):
        value = value.strip()
        if list_name.endswith("Subreddits"):
            value = re.sub(r"^/?r/", "", value).lower()
        if not 1 <= len(value) <= 200:
            raise validation(f"{path}[{index}]", "each value is 1-200 characters")
        if value not in out:
            out.append(value)
    return out


def get_filters(sb: Sandbox, request: Request) -> Response:
    only_query(request, set())
    return Response(body=_filters(sb))


def replace_filters(sb: Sandbox, request: Request) -> Response:
    stored = _filters(sb)
    check = Check(request.body)
    check.only(LISTS)
    if not check.data:
        check.fail("", "send at least one list")
    check.done()
    updates = {name: _normalise(name, values, name) for name, values in check.data.items()}
    stored.update(updates)
    return Response(body=stored)


def _change(sb: Sandbox, request: Request) -> tuple[dict[str, list[str]], str, list[str]]:
    stored = _filters(sb)
    check = Check(request.body)
    check.only({"list", "values"})
    name = check.enum("list", LISTS, required=True)
    if "values" not in check.data:
        check.fail("values", "required")
    check.done()
    values = _normalise(name, check.data["values"], "values")
    if not values:
        raise validation("values", "at least one value")
    return stored, name, values


def add_values(sb: Sandbox, request: Request) -> Response:
    stored, name, values = _change(sb, request)
    opposite = stored.get(_EXCLUSIVE.get(name, ""), [])
    added = [v for v in values if v not in stored[name] and v not in opposite]
    dropped = [v for v in values if v in opposite]
    stored[name] = stored[name] + added
    return Response(body={"list": name, "added": added, "dropped": dropped, "values": stored[name]})


def remove_values(sb: Sandbox, request: Request) -> Response:
    stored, name, values = _change(sb, request)
    removed = [v for v in stored[name] if v in values]
    stored[name] = [v for v in stored[name] if v not in values]
    return Response(body={"list": name, "removed": removed, "values": stored[name]})


def tags(sb: Sandbox, request: Request) -> Response:
    only_query(request, set())
    return Response(body={"data": sb.tags})


def filter_wizard(sb: Sandbox, request: Request) -> Response:
    check = Check(request.body)
    check.only({"query"})
    query = check.string("query", required=True, min_len=1, max_len=1000)
    check.done()
    text = (query or "").lower()
    sources = [s for s in SOURCES if re.search(rf"\b{s}\b", text)]
    sentiments = [s for s in ("positive", "neutral", "negative") if s in text]
    languages = [code for code, name in LANGUAGES.items() if name in text]
    tags = [t for t in sb.tags if t.replace("_", " ") in text]
    start = None
    if "this week" in text or "last 7 days" in text:
        start = iso(sb.now - timedelta(days=7))
    elif "today" in text:
        start = iso(sb.now - timedelta(days=1))
    filters: dict[str, Any] = {}
    if sources:
        filters["source"] = sources
    if sentiments:
        filters["sentiment"] = sentiments
    if languages:
        filters["language"] = languages
    if tags:
        filters["tag"] = tags
    if start:
        filters["startDate"] = start
    if not filters:
        return Response(
            body={
                "filters": None,
                "isAdvanced": False,
                "limit": 20,
                "includeAll": False,
                "view": None,
                "explanation": "I could not tell which mentions you mean; name a platform, a "
                "sentiment, a tag or a time range.",
            }
        )
    if sb.wizard_grammar == "feed":
        mapping = {"source": "Source", "sentiment": "Sentiment", "language": "Language", "tag": "Tags"}
        conditions = [
            {"field": mapping[k], "values": ",".join(v.title() if k == "sentiment" else v for v in values)}
            for k, values in filters.items()
            if k in mapping
        ]
        return Response(
            body={
                "filters": {"conditions": conditions},
                "isAdvanced": False,
                "limit": 20,
                "includeAll": False,
                "view": None,
                "explanation": f"Feed filter for: {query}",
            }
        )
    return Response(
        body={
            "filters": filters,
            "isAdvanced": False,
            "limit": 20,
            "includeAll": False,
            "view": None,
            "explanation": f"Mentions matching: {', '.join(f'{k}={v}' for k, v in filters.items())}",
        }
    )


def slack_status(sb: Sandbox, request: Request) -> Response:
    only_query(request, set())
    return Response(
        body={
            "connected": sb.slack_connected,
            "hasSlackIntegration": sb.slack_connected,
            "isInstalled": sb.slack_connected,
            "teamName": "Acme Analytics" if sb.slack_connected else None,
            "hasNotificationSettings": any(d["type"] == "SLACK" for f in sb.feeds.values() for d in f["destinations"]),
        }
    )


def slack_channels(sb: Sandbox, request: Request) -> Response:
    only_query(request, {"q", "cursor", "pages"})
    if not sb.slack_connected:
        raise ApiError(400, "SLACK_NOT_CONNECTED", "Slack is not connected to this workspace")
    pages = query_int(request, "pages", default=2, lo=1, hi=10) or 2
    q = (request.arg("q") or "").lower()
    rows = [c for c in sb.slack_channels if q in c["name"].lower()]
    cursor = request.arg("cursor")
    offset = decode_cursor(cursor, "slack") if cursor is not None else 0
    chunk, next_cursor = page(rows, offset, pages * 10, "slack")
    return Response(body={"data": chunk, "pagination": {"nextCursor": next_cursor}})


ROUTES: tuple[Route, ...] = (
    ("GET", "/tags", "read", tags),
    ("GET", "/filters/global", "read", get_filters),
    ("PATCH", "/filters/global", "write", replace_filters),
    ("POST", "/filters/global/add", "write", add_values),
    ("POST", "/filters/global/remove", "write", remove_values),
    ("POST", "/ai/filter-wizard", "read", filter_wizard),
    ("GET", "/integrations/slack", "read", slack_status),
    ("GET", "/integrations/slack/channels", "read", slack_channels),
)
