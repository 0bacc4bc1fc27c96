"""Base classes, enums and value patterns shared by every resource."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

Source = Literal[
    "reddit",
    "twitter",
    "linkedin",
    "youtube",
    "tiktok",
    "bluesky",
    "hackernews",
    "github",
    "stackoverflow",
    "dev",
    "news",
    "newsletter",
    "podcasts",
    "firehose",
    "producthunt",
    "medium",
]
SOURCES: tuple[str, ...] = Source.__args__  # type: ignore[attr-defined]

# Keyword platforms are the mention sources plus Reddit comments ([ref] enum for POST /keywords).
KeywordPlatform = Literal[
    "reddit",
    "reddit_comment",
    "twitter",
    "linkedin",
    "youtube",
    "tiktok",
    "bluesky",
    "hackernews",
    "github",
    "stackoverflow",
    "dev",
    "news",
    "newsletter",
    "podcasts",
    "firehose",
    "producthunt",
    "medium",
]
KEYWORD_PLATFORMS: tuple[str, ...] = KeywordPlatform.__args__  # type: ignore[attr-defined]

LanguageCode = Literal["en", "es", "fr", "de", "pt", "it", "nl", "ja", "ko", "zh"]
TitleSentiment = Literal["Positive", "Neutral", "Negative"]
LowerSentiment = Literal["positive", "neutral", "negative"]
KeywordTag = Literal["own_brand", "competitor", "industry_term"]
Role = Literal["admin", "member"]

MENTION_TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$"
_MENTION_TIMESTAMP = re.compile(MENTION_TIMESTAMP_PATTERN)


def _check_iso_datetime(value: str) -> str:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError("must be an ISO 8601 date-time such as 2026-07-01T00:00:00Z") from exc
    return value


IsoDateTime = Annotated[str, AfterValidator(_check_iso_datetime)]
"""An ISO 8601 date or date-time, sent to the API exactly as given."""

MentionTimestamp = Annotated[str, StringConstraints(pattern=MENTION_TIMESTAMP_PATTERN)]
"""A mention's own ``timestamp``, copied back verbatim (``YYYY-MM-DD HH:mm:ss.SSS``)."""

PositiveId = Annotated[int, Field(ge=1)]


class InputModel(BaseModel):
    """Base of every tool input: unknown keys are refused, as the Octolens API refuses them."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ApiModel(BaseModel):
    """Base of every response model: fields the API adds later are kept, never refused."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Ack(ApiModel):
    """A write acknowledgement; the API answers ``{ok: true}`` or ``{success: true}`` depending on the route."""

    ok: bool | None = Field(default=None, description="True when the write was applied.")
    success: bool | None = Field(default=None, description="True when the write was applied (older routes).")


class Pagination(ApiModel):
    """Cursor of a paginated list."""

    nextCursor: str | None = Field(default=None, description="Pass back as cursor for the next page; null = last page.")


class NoInput(InputModel):
    """A tool that takes no arguments."""


def is_mention_timestamp(value: Any) -> bool:
    """Whether ``value`` matches the timestamp pattern the API validates mention writes against."""
    return isinstance(value, str) and _MENTION_TIMESTAMP.match(value) is not None
