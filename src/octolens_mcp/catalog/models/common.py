"""Base classes, enums and value patterns shared by every resource."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

KNOWN_SOURCES = (
    "reddit, twitter, linkedin, youtube, tiktok, bluesky, hackernews, github, stackoverflow, dev, news, newsletter, "
    "podcasts, firehose (open web), producthunt, medium"
)
"""Platform slugs the reference lists. Guidance only: the list is open (the reference's enum is cut off)."""

NonEmpty = Annotated[str, StringConstraints(min_length=1)]
Slug = NonEmpty
"""A platform slug, language code or similar open value: the API decides which it accepts."""


def _cased(spelling: Callable[[str], str]) -> BeforeValidator:
    return BeforeValidator(lambda value: spelling(value.strip()) if isinstance(value, str) else value)


_SENTIMENT_SCHEMA = WithJsonSchema({"type": "string", "description": "positive, neutral or negative; any case."})
"""One schema wherever a sentiment is taken: the agent may write it in any case; each field sends the API's own."""
FilterSentiment = Annotated[Literal["positive", "neutral", "negative"], _cased(str.lower), _SENTIMENT_SCHEMA]
"""A sentiment of the mention filters (§2.11: lowercase on the wire)."""
LabelSentiment = Annotated[Literal["Positive", "Neutral", "Negative"], _cased(str.capitalize), _SENTIMENT_SCHEMA]
"""A sentiment label written to a mention (§2.11: Title case on the wire)."""
QuerySentiment = Annotated[Literal["POSITIVE", "NEUTRAL", "NEGATIVE"], _cased(str.upper), _SENTIMENT_SCHEMA]
"""A sentiment of the analytics queries (§2.11: UPPERCASE on the wire)."""


def title_sentiments(values: str) -> str:
    """A feed filter's comma-separated sentiments in the Title case feeds store (§4.3); other text unchanged."""
    known = {"positive", "neutral", "negative"}
    parts = [part.strip() for part in values.split(",")]
    return ",".join(part.capitalize() if part.casefold() in known else part for part in parts)


LANGUAGES = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "pt": "portuguese",
    "it": "italian",
    "nl": "dutch",
    "ja": "japanese",
    "ko": "korean",
    "zh": "chinese",
}
"""The ISO 639-1 codes the reference lists for the language filter (§3.1), with the names mentions carry (§5.1)."""
_LANGUAGE_CODES = {name: code for code, name in LANGUAGES.items()}
_ISO_639_1 = re.compile(r"[a-z]{2}")


def _language_code(value: Any) -> Any:
    """A language name (``english``, any case) as its code; a two-letter code as it is (the list is open)."""
    if not isinstance(value, str):
        return value
    key = value.strip().casefold()
    if key in _LANGUAGE_CODES:
        return _LANGUAGE_CODES[key]
    if _ISO_639_1.fullmatch(key):
        return key
    close = difflib.get_close_matches(key, [*LANGUAGES.values(), *LANGUAGES], n=3, cutoff=0.6)
    codes = dict.fromkeys(_LANGUAGE_CODES.get(word, word) for word in close) or LANGUAGES
    raise PydanticCustomError(
        "language",
        "not a language name or ISO 639-1 code this server knows; use a code, e.g. one of candidates",
        {"candidates": [{"code": code, "name": LANGUAGES[code]} for code in codes]},
    )


Language = Annotated[str, BeforeValidator(_language_code), StringConstraints(min_length=1)]
"""A language filter value: an ISO 639-1 code, or a name the reference maps to one (``english`` → ``en``)."""
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


MentionTimestamp = Annotated[
    str, StringConstraints(pattern=MENTION_TIMESTAMP_PATTERN), WithJsonSchema({"type": "string"})
]
"""A mention's own ``timestamp``, copied back verbatim (``YYYY-MM-DD HH:mm:ss.SSS``). Still checked, but the
schema leaves its long pattern out: "the mention's timestamp" says what to send, in fewer tokens."""


Number = int | float
"""A count or score the reference does not pin to integers: an answer may carry decimals."""


DIGITS = re.compile(r"[0-9]{1,18}")
"""A string that stands for an integer id: ASCII digits only, matched whole (never "3\\n", never full-width)."""


def is_digits(value: object) -> bool:
    return isinstance(value, str) and DIGITS.fullmatch(value) is not None


@dataclass(frozen=True)
class NameOf:
    """Declares that a field (or each item of a list field) takes the id of a ``kind``, or its exact name.

    ``catalog.names`` resolves every declared name to its id before a call, from the list operation that
    declares ``resolves=`` this; ``label`` is the listed field that holds the name.
    """

    kind: str
    label: str


class CommaNames:
    """A model whose references sit in one comma-separated string (a feed condition's ``values``).

    A base class, not a runtime-checked protocol: ``Names.model`` asks every model of every call, and a
    protocol's ``isinstance`` costs tens of microseconds where a class's costs nothing.
    """

    def comma_names(self) -> tuple[str, NameOf] | None:
        """The field that holds them and the reference they are, or None where this one holds none."""
        return None


KEYWORD_NAME = NameOf("keyword", "keyword")
FEED_NAME = NameOf("feed", "name")


def _id_or_name(value: Any) -> int | str:
    """An id (a digit string counts), or a name for ``catalog.names`` to resolve; one message for either mistake."""
    if isinstance(value, str) and is_digits(value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or _no_name(value):
        raise ValueError("must be an id (an integer) or an exact name")
    return value


def _no_name(value: int | str) -> bool:
    """Blank, or ``.``/``..``: no keyword or feed is called that, and a path would leave its route (no read for it)."""
    return isinstance(value, str) and value.strip() in {"", ".", ".."}


_ID_OR_NAME = WithJsonSchema({"type": ["integer", "string"]})
KeywordRef = Annotated[int | str, PlainValidator(_id_or_name), _ID_OR_NAME, KEYWORD_NAME]
"""A keyword id, or the keyword's exact name (any case)."""
FeedRef = Annotated[int | str, PlainValidator(_id_or_name), _ID_OR_NAME, FEED_NAME]
"""A feed id, or the feed's exact name (any case)."""


def as_id(value: int | str) -> int:
    """A declared id field after ``catalog.names`` resolved it (a name left here is a bug, not the agent's)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"an id field still holds {value!r}: its name was not resolved")
    return value


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
