"""Analytics: volume, sentiment, sources, keywords and the dashboard (§5.13, §5.14, §6.9)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from octolens_mcp.catalog.models.common import (
    ApiModel,
    InputModel,
    IsoDateTime,
    KeywordRef,
    Number,
    QuerySentiment,
    Score,
    Slug,
    window_days,
)
from octolens_mcp.catalog.models.org import Usage

MAX_WINDOW_DAYS = 365


class AnalyticsWindow(InputModel):
    startDate: IsoDateTime | None = Field(default=None, description="ISO 8601; with endDate (default: last 30 days).")
    endDate: IsoDateTime | None = Field(default=None, description="ISO 8601; with startDate, ≤365 days span.")
    keywordIds: list[KeywordRef] | None = Field(
        default=None, min_length=1, description="Keyword ids or exact names: restrict the posts counted."
    )

    @model_validator(mode="after")
    def _window(self) -> AnalyticsWindow:
        if (self.startDate is None) != (self.endDate is None):
            raise ValueError("send startDate and endDate together")
        if self.startDate is not None and self.endDate is not None:
            days = window_days(self.startDate, self.endDate)
            if days < 0:
                raise ValueError("endDate is before startDate")
            if days > MAX_WINDOW_DAYS:
                raise ValueError("the window spans at most 365 days")
        return self


class AnalyticsQuery(AnalyticsWindow):
    platforms: list[Slug] | None = Field(default=None, min_length=1, description="Platform slugs, e.g. reddit.")
    tag: str | None = Field(default=None, min_length=1)
    sentiment: QuerySentiment | None = None
    relevance: list[Score] | None = Field(default=None, min_length=1, description="Default [0,1].")


class VolumeInput(AnalyticsQuery):
    granularity: Literal["day", "hour"] | None = Field(default=None, description="Default day.")


class VolumeRow(ApiModel):
    """Mentions in one time bucket."""

    bucket: str | None = Field(default=None, description="YYYY-MM-DD (day) or ISO date-time (hour).")
    count: Number | None = Field(default=None, description="Mentions.")


class Volume(ApiModel):
    """Mention volume over time, ascending; empty buckets omitted."""

    granularity: str | None = Field(default=None, description="day or hour.")
    data: list[VolumeRow] | None = Field(default=None, description="Buckets.")


class SentimentRow(ApiModel):
    """Mentions per sentiment."""

    sentiment: str | None = Field(default=None, description="Positive, Neutral, Negative or unknown.")
    count: Number | None = Field(default=None, description="Mentions.")


class SentimentBreakdown(ApiModel):
    """Mentions per sentiment (non-zero only)."""

    data: list[SentimentRow] | None = Field(default=None, description="Rows.")


class SourceRow(ApiModel):
    """Mentions per platform."""

    source: str | None = Field(default=None, description="Platform slug.")
    count: Number | None = Field(default=None, description="Mentions.")


class SourceBreakdown(ApiModel):
    """Mentions per platform, highest first."""

    data: list[SourceRow] | None = Field(default=None, description="Rows.")


class KeywordRow(ApiModel):
    """Mentions per keyword."""

    keywordId: int | None = Field(default=None, description="Keyword id.")
    keyword: str | None = Field(default=None, description="Keyword text.")
    count: Number | None = Field(default=None, description="Mentions.")


class KeywordBreakdown(ApiModel):
    """Mentions per keyword, highest first."""

    data: list[KeywordRow] | None = Field(default=None, description="Rows.")


class Dashboard(ApiModel):
    """Volume, per-keyword and sentiment rows and usage in one call."""

    volume: Volume | None = Field(default=None, description="Daily volume.")
    keywords: list[KeywordRow] | None = Field(default=None, description="Per-keyword rows.")
    sentiment: list[SentimentRow] | None = Field(default=None, description="Sentiment rows.")
    usage: Usage | None = Field(default=None, description="Usage against plan limits.")
