"""Sandbox routes: analytics aggregations and the dashboard."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from octolens_sandbox.http import Request, Response, validation
from octolens_sandbox.matching import parse_date
from octolens_sandbox.routes._common import Route, only_query, upgrade_required, usage
from octolens_sandbox.seed import KEYWORD_PLATFORMS

if TYPE_CHECKING:
    from octolens_sandbox.app import Sandbox

_COMMON = {"startDate", "endDate", "keywordIds", "platforms", "tag", "sentiment", "relevance"}


def _ints(request: Request, name: str, allowed: set[int] | None = None) -> list[int]:
    values = request.args(name)
    if not all(v.isdigit() for v in values):
        raise validation(name, "expected integers")
    numbers = [int(v) for v in values]
    if allowed is not None and any(n not in allowed for n in numbers):
        raise validation(name, f"must be among {sorted(allowed)}")
    return numbers


def _posts(sb: Sandbox, request: Request, extra: set[str]) -> list[dict[str, Any]]:
    if sb.agents_plan:
        raise upgrade_required("Analytics are not available on the Agents plan")
    only_query(request, _COMMON | extra)
    start, end = request.arg("startDate"), request.arg("endDate")
    if (start is None) != (end is None):
        raise validation("startDate" if start is None else "endDate", "startDate and endDate go together")
    if start is not None and end is not None:
        low, high = parse_date(start, "startDate"), parse_date(end, "endDate")
        if high < low:
            raise validation("endDate", "endDate is before startDate")
        if high - low > timedelta(days=365):
            raise validation("endDate", "the window spans at most 365 days")
    else:
        high = sb.now + timedelta(minutes=1)
        low = high - timedelta(days=30)
    keyword_ids = set(_ints(request, "keywordIds"))
    platforms = request.args("platforms")
    for platform in platforms:
        if platform not in KEYWORD_PLATFORMS:
            raise validation("platforms", f"unknown platform {platform!r}")
    tag = request.arg("tag")
    sentiment = request.arg("sentiment")
    if sentiment is not None and sentiment not in ("POSITIVE", "NEUTRAL", "NEGATIVE"):
        raise validation("sentiment", "must be POSITIVE, NEUTRAL or NEGATIVE")
    relevance = set(_ints(request, "relevance", {0, 1, 2})) or {0, 1}
    rows = []
    for m in sb.mentions:
        if not low <= m["_moment"] <= high or m["relevanceScore"] not in relevance:
            continue
        if keyword_ids and not keyword_ids & {k["id"] for k in m["keywords"]}:
            continue
        if platforms and m["source"] not in platforms:
            continue
        if tag is not None and tag not in m["tags"]:
            continue
        if sentiment is not None and (m["sentiment"] or "").upper() != sentiment:
            continue
        rows.append(m)
    return rows


def _volume(rows: list[dict[str, Any]], granularity: str) -> dict[str, Any]:
    fmt = "%Y-%m-%d" if granularity == "day" else "%Y-%m-%dT%H:00:00.000Z"
    counts = Counter(m["_moment"].strftime(fmt) for m in rows)
    return {"granularity": granularity, "data": [{"bucket": b, "count": c} for b, c in sorted(counts.items())]}


def _sentiment(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts = Counter(m["sentiment"] or "unknown" for m in rows)
    return [{"sentiment": s, "count": c} for s, c in counts.most_common()]


def _keywords(sb: Sandbox, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts = Counter(k["id"] for m in rows for k in m["keywords"])
    names = {k["id"]: k["keyword"] for m in rows for k in m["keywords"]}
    return [{"keywordId": i, "keyword": names[i], "count": c} for i, c in counts.most_common()]


def volume(sb: Sandbox, request: Request) -> Response:
    granularity = request.arg("granularity") or "day"
    if granularity not in ("day", "hour"):
        raise validation("granularity", "must be day or hour")
    return Response(body=_volume(_posts(sb, request, {"granularity"}), granularity))


def sentiment(sb: Sandbox, request: Request) -> Response:
    return Response(body={"data": _sentiment(_posts(sb, request, set()))})


def sources(sb: Sandbox, request: Request) -> Response:
    counts = Counter(m["source"] for m in _posts(sb, request, set()))
    return Response(body={"data": [{"source": s, "count": c} for s, c in counts.most_common()]})


def keywords(sb: Sandbox, request: Request) -> Response:
    return Response(body={"data": _keywords(sb, _posts(sb, request, set()))})


def dashboard(sb: Sandbox, request: Request) -> Response:
    rows = _posts(sb, request, set())
    return Response(
        body={
            "volume": _volume(rows, "day"),
            "keywords": {"data": _keywords(sb, rows)},
            "sentiment": {"data": _sentiment(rows)},
            "usage": usage(sb),
        }
    )


ROUTES: tuple[Route, ...] = (
    ("GET", "/analytics/volume", "read", volume),
    ("GET", "/analytics/sentiment", "read", sentiment),
    ("GET", "/analytics/sources", "read", sources),
    ("GET", "/analytics/keywords", "read", keywords),
    ("GET", "/analytics/dashboard", "read", dashboard),
)
