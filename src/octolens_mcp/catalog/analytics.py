"""Analytics aggregations and the dashboard."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from octolens_mcp.catalog.models.analytics import (
    AnalyticsQuery,
    AnalyticsWindow,
    Dashboard,
    KeywordBreakdown,
    SentimentBreakdown,
    SourceBreakdown,
    Volume,
    VolumeInput,
)
from octolens_mcp.catalog.models.common import InputModel
from octolens_mcp.catalog.operation import Operation

_AGENTS_NOTE = "Agents plan: UPGRADE_REQUIRED."


def _unwrap(section: Any) -> Any:
    return section.get("data") if isinstance(section, dict) and "data" in section else section


def _dashboard(body: Any) -> Any:
    """The raw dashboard wraps its list sections in {data}; the tool returns them unwrapped."""
    if not isinstance(body, dict):
        return body
    return {**body, "keywords": _unwrap(body.get("keywords")), "sentiment": _unwrap(body.get("sentiment"))}


def _analytics(
    name: str, path: str, title: str, description: str, input_model: type[InputModel], output: type[BaseModel]
) -> Operation:
    return Operation(
        name=name,
        method="GET",
        path=path,
        scope="read",
        toolset="analytics",
        title=title,
        description=f"{description} {_AGENTS_NOTE}",
        input=input_model,
        output=output,
        read_only=True,
        destructive=False,
        idempotent=True,
    )


VOLUME = _analytics(
    "get_mention_volume",
    "/analytics/volume",
    "Mention volume",
    "Mention counts per day or hour over a window (default last 30 days, high+medium relevance).",
    VolumeInput,
    Volume,
)
SENTIMENT = _analytics(
    "get_sentiment_breakdown",
    "/analytics/sentiment",
    "Sentiment breakdown",
    "Mention counts per sentiment (Positive, Neutral, Negative, unknown) over a window.",
    AnalyticsQuery,
    SentimentBreakdown,
)
SOURCES = _analytics(
    "get_source_breakdown",
    "/analytics/sources",
    "Source breakdown",
    "Mention counts per platform, highest first, over a window.",
    AnalyticsQuery,
    SourceBreakdown,
)
KEYWORDS = _analytics(
    "get_keyword_breakdown",
    "/analytics/keywords",
    "Keyword breakdown",
    "Mention counts per keyword, highest first. keywordIds narrows the posts, so co-occurring keywords appear too.",
    AnalyticsQuery,
    KeywordBreakdown,
)
DASHBOARD = Operation(
    name="get_dashboard",
    method="GET",
    path="/analytics/dashboard",
    scope="read",
    toolset="analytics",
    title="Dashboard",
    description=f"One-call overview: daily volume, per-keyword counts, sentiment and plan usage. {_AGENTS_NOTE}",
    input=AnalyticsWindow,
    output=Dashboard,
    read_only=True,
    destructive=False,
    idempotent=True,
    shape=_dashboard,
)

OPERATIONS = (VOLUME, SENTIMENT, SOURCES, KEYWORDS, DASHBOARD)
