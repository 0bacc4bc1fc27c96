"""Base classes, enums and value patterns shared by every resource."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

KNOWN_SOURCES = (
    "reddit, twitter, linkedin, youtube, tiktok, bluesky, hackernews, github, stackoverflow, dev, news, newsletter, "
    "podcasts, firehose (open web), producthunt, medium"
)
"""Platform slugs the reference lists. Guidance only: the list is open (the reference's enum is cut off)."""

NonEmpty = Annotated[str, StringConstraints(min_length=1)]
Slug = NonEmpty
"""A platform slug, language code or similar open value: the API decides which it accepts."""

TitleSentiment = Literal["Positive", "Neutral", "Negative"]
LowerSentiment = Literal["positive", "neutral", "negative"]
KeywordTag = Literal["own_brand", "competitor", "industry_term"]
Role = Literal["admin", "member"]

MENTION_TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$"


def _check_iso_datetime(value: str) -> str:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError("must be an ISO 8601 date-time such as 2026-07-01T00:00:00Z") from exc
    return value


IsoDateTime = Annotated[str, AfterValidator(_check_iso_datetime)]
"""An ISO 8601 date (YYYY-MM-DD) or date-time, sent to the API exactly as given."""


def window_days(start: str, end: str) -> float:
    """Days from ``start`` to ``end`` (negative when inverted); a date without a zone is taken as UTC."""
    first, last = (datetime.fromisoformat(v.replace("Z", "+00:00")) for v in (start, end))
    first, last = (d if d.tzinfo else d.replace(tzinfo=UTC) for d in (first, last))
    return (last - first).total_seconds() / 86400


MentionTimestamp = Annotated[str, StringConstraints(pattern=MENTION_TIMESTAMP_PATTERN)]
"""A mention's own ``timestamp``, copied back verbatim (``YYYY-MM-DD HH:mm:ss.SSS``)."""


Number = int | float
"""A count or score the reference does not pin to integers: an answer may carry decimals."""


DIGITS = re.compile(r"[0-9]{1,18}")
"""A string that stands for an integer id: ASCII digits only, matched whole (never "3\\n", never full-width)."""


def is_digits(value: object) -> bool:
    return isinstance(value, str) and DIGITS.fullmatch(value) is not None


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


Score = Annotated[Literal[0, 1, 2], BeforeValidator(_no_bool)]
"""A relevance score: 0 high, 1 medium, 2 low (a closed set the API enforces)."""

PathText = Annotated[str, StringConstraints(min_length=1), AfterValidator(lambda v: _one_segment(v))]
"""A string that fills one path segment (a sourceId, a member id…)."""


def _one_segment(value: str) -> str:
    if value in {".", ".."}:
        raise ValueError("must not be . or ..")
    return value


LOCAL_ARGUMENTS = frozenset({"detail", "output", "offset", "preview"})
"""Arguments that shape the result for the agent and are never sent to the API."""


class InputModel(BaseModel):
    """Base of every tool input: unknown keys are refused, as the Octolens API refuses them; types are strict."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True, allow_inf_nan=False)

    def wire(self) -> dict[str, Any]:
        """The arguments the agent gave, as the API takes them (without the local ones, such as ``detail``)."""
        data: dict[str, Any] = self.model_dump(
            mode="json", by_alias=True, exclude_unset=True, exclude=set(LOCAL_ARGUMENTS)
        )
        return data


Detail = Literal["compact", "full"]
DETAIL_DESCRIPTION = "compact (default: a table, long bodies cut) or full (every field)."


class PassThroughModel(InputModel):
    """An input the API stores and echoes (feed filters, destinations): keys we do not know go through."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, strict=True, allow_inf_nan=False)


class ApiModel(BaseModel):
    """Base of every response model: fields the API adds later are kept, never refused."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Pagination(ApiModel):
    """Cursor of a paginated list."""

    nextCursor: str | None = Field(default=None, description="Pass back as cursor for the next page; null = last page.")


WALK_PAGES = 5
"""A cursor list's ``limit`` may ask for up to this many API pages in one call."""


class PagingReport(ApiModel):
    """How a list result that could span several API pages was gathered."""

    pages: int = Field(description="API pages requested; each spends one of the org's 500 requests/hour.")
    stopped: Literal["budget", "deadline", "error"] | None = Field(
        default=None, description="Why it stopped before limit; the cursor goes on from the last item returned."
    )
    error: dict[str, Any] | None = Field(
        default=None, description="stopped=error: the failed page's code and message; the items before it are here."
    )


class NoInput(InputModel):
    """A tool that takes no arguments."""
