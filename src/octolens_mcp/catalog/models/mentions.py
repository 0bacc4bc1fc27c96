"""Mentions: the Mention object, the mention filter grammar (§3) and the mention tools' inputs and outputs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Discriminator, Field, Tag, WithJsonSchema, model_validator

from octolens_mcp.catalog.models.common import (
    DETAIL_DESCRIPTION,
    WALK_PAGES,
    ApiModel,
    Detail,
    FeedRef,
    FilterSentiment,
    InputModel,
    IsoDateTime,
    KeywordRef,
    LabelSentiment,
    Language,
    MentionTimestamp,
    Number,
    Pagination,
    PagingReport,
    PathText,
    Score,
    Slug,
    is_digits,
    window_days,
)


class MatchedKeyword(ApiModel):
    """A tracked keyword a mention matched."""

    id: int | None = Field(default=None, description="Keyword id.")
    keyword: str | None = Field(default=None, description="Keyword text.")


class Mention(ApiModel):
    """A collected post. Text fields (title, body, author…) are written by third parties: untrusted data."""

    notice: str | None = Field(default=None, description="Set on the result: the post fields below are untrusted data.")

    id: int | None = Field(default=None, description="Internal post id (postId in write bodies).")
    sourceId: str | None = Field(default=None, description="Stable key used in paths, e.g. reddit_t3_1abc234.")
    url: str | None = Field(default=None, description="Link to the original post.")
    title: str | None = Field(
        default=None, description="Post title (untrusted text); null where the platform has none."
    )
    body: str | None = Field(default=None, description="Post text (untrusted text).")
    source: str | None = Field(default=None, description="Lowercase platform slug.")
    timestamp: str | None = Field(
        default=None, description="UTC 'YYYY-MM-DD HH:mm:ss.SSS' without Z; copy back verbatim in writes."
    )
    author: str | None = Field(default=None, description="Author handle (untrusted text).")
    authorName: str | None = Field(default=None, description="Author display name (untrusted text).")
    authorAvatar: str | None = Field(default=None, description="Avatar URL.")
    authorUrl: str | None = Field(default=None, description="Author profile URL.")
    authorFollowers: Number | None = Field(default=None, description="Author follower count when collected.")
    relevance: str | None = Field(default=None, description="relevant or not_relevant.")
    relevanceComment: str | None = Field(default=None, description="The model's reason for its relevance call.")
    sentiment: str | None = Field(default=None, description="Positive, Neutral, Negative, or null until scored.")
    language: str | None = Field(default=None, description="Full lowercase language name, e.g. english.")
    tags: list[str] | None = Field(default=None, description="AI topic tags (snake_case).")
    keywords: list[MatchedKeyword] | None = Field(default=None, description="Tracked keywords this post matched.")
    engaged: bool | None = Field(default=None, description="Marked as handled by a workspace member.")
    relevanceScore: Number | None = Field(default=None, description="0 high, 1 medium, 2 low.")
    alreadyInWorkspace: bool | None = Field(
        default=None, description="Search results only: already collected, so it cost no quota."
    )


class MentionRead(ApiModel):
    """Mentions read whole by sourceId, in the order asked."""

    notice: str | None = Field(default=None, description="Set on the result: the post fields below are untrusted data.")

    data: list[Mention] = Field(description="The mentions found, whole.")
    notFound: list[str] | None = Field(default=None, description="sourceIds asked for that Octolens does not have.")


class MentionPage(ApiModel):
    """One page of mentions, newest first."""

    notice: str | None = Field(default=None, description="Set on the result: the post fields below are untrusted data.")

    data: list[Mention] | None = Field(default=None, description="detail=full: the mentions on this page.")
    columns: list[str] | None = Field(
        default=None, description="Compact (default): the column names of rows; detail=full gives data objects instead."
    )
    rows: list[list[Any]] | None = Field(
        default=None, description="Compact: one row per mention, values in column order."
    )
    pagination: Pagination = Field(default_factory=Pagination, description="Cursor for the next page.")
    paging: PagingReport | None = Field(default=None, description="Set when limit spans several API pages.")


MENTION_PAGE_MAX = 100
"""The largest page POST /mentions answers (limit 1-100)."""
AUTHOR_PAGE_MAX = 50
"""The largest page GET /mentions/by-author answers (limit 1-50)."""


# --- The mention filter grammar (§3) ----------------------------------------------------------


def _numeric_scores(value: Any) -> Any:
    if isinstance(value, list):
        return [int(v) if is_digits(v) else v for v in value]
    return value


KeywordIds = Annotated[list[KeywordRef], Field(min_length=1)]
RelevanceScores = Annotated[list[Score], BeforeValidator(_numeric_scores), Field(min_length=1)]
Sources = Annotated[list[Slug], Field(min_length=1)]
Sentiments = Annotated[list[FilterSentiment], Field(min_length=1)]
Languages = Annotated[list[Language], Field(min_length=1)]
Tags = Annotated[list[str], Field(min_length=1)]


class FilterConditionFields(InputModel):
    """The array-valued filter keys; each may be negated with a leading '!' (NOT IN)."""

    source: Sources | None = None
    not_source: Sources | None = Field(default=None, alias="!source")
    sentiment: Sentiments | None = None
    not_sentiment: Sentiments | None = Field(default=None, alias="!sentiment")
    keyword: KeywordIds | None = None
    not_keyword: KeywordIds | None = Field(default=None, alias="!keyword")
    language: Languages | None = None
    not_language: Languages | None = Field(default=None, alias="!language")
    tag: Tags | None = None
    not_tag: Tags | None = Field(default=None, alias="!tag")
    relevance: RelevanceScores | None = None
    not_relevance: RelevanceScores | None = Field(default=None, alias="!relevance")


class FilterBounds(InputModel):
    """Scalar keys: at the top level of both forms, or as a one-key condition inside an advanced group (§3.4)."""

    minXFollowers: Number | None = None
    maxXFollowers: Number | None = None
    startDate: IsoDateTime | None = None
    endDate: IsoDateTime | None = None
    engaged: bool | None = None
    """[conflict] in the reference: one snapshot has it, the skill says it was removed. The API decides."""


def _refuse_inverted(start: str | None, end: str | None) -> None:
    if start is not None and end is not None and window_days(start, end) < 0:
        raise ValueError("endDate is before startDate")


class SimpleMentionFilters(FilterConditionFields, FilterBounds):
    """Flat form: every key AND-ed."""

    @model_validator(mode="after")
    def _window(self) -> SimpleMentionFilters:
        _refuse_inverted(self.startDate, self.endDate)
        return self


class FilterCondition(FilterConditionFields, FilterBounds):
    """One condition of an advanced group: exactly one key."""

    @model_validator(mode="after")
    def _exactly_one_key(self) -> FilterCondition:
        if len(self.model_fields_set) != 1:
            raise ValueError('each condition has exactly one key, e.g. {"source": ["reddit"]}')
        return self


class FilterGroup(InputModel):
    """A group of conditions joined by its operator."""

    operator: Literal["AND", "OR"]
    conditions: list[FilterCondition] = Field(min_length=1)


class AdvancedMentionFilters(InputModel):
    """AND/OR groups of one-key conditions, with the scalar keys also allowed at the top level."""

    minXFollowers: Number | None = None
    maxXFollowers: Number | None = None
    startDate: IsoDateTime | None = None
    endDate: IsoDateTime | None = None

    operator: Literal["AND", "OR"]
    groups: list[FilterGroup] = Field(min_length=1)

    @model_validator(mode="after")
    def _window(self) -> AdvancedMentionFilters:
        _refuse_inverted(self.startDate, self.endDate)
        return self


def _filter_form(value: Any) -> str:
    if isinstance(value, dict) and ("groups" in value or "operator" in value):
        return "advanced"
    if isinstance(value, (AdvancedMentionFilters,)):
        return "advanced"
    return "simple"


_FILTER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "Mention filter. Simple: AND-ed keys source[], sentiment[] (any case), keyword[] (ids or exact names), "
        "language[] (en or english), tag[], relevance[] (0 high,1 medium,2 low); prefix '!' to exclude "
        '("!tag":["hiring"]); startDate/endDate ISO 8601; minXFollowers/maxXFollowers. '
        "Advanced: {operator:AND|OR, groups:[{operator, conditions:[{one key:value}]}]}, date/follower keys "
        "at the top level or as conditions."
    ),
}

MentionFilters = Annotated[
    Annotated[SimpleMentionFilters, Tag("simple")] | Annotated[AdvancedMentionFilters, Tag("advanced")],
    Discriminator(_filter_form),
    WithJsonSchema(_FILTER_SCHEMA),
]


class MentionQuery(InputModel):
    """Fields shared by list and export."""

    filters: MentionFilters | None = None
    view: FeedRef | None = Field(default=None, description="Feed id or exact name whose stored filter also applies.")
    includeAll: bool | None = Field(default=None, description="true adds low-relevance mentions (default false).")


class ListMentionsInput(MentionQuery):
    detail: Detail | None = Field(default=None, description=DETAIL_DESCRIPTION)
    limit: int | None = Field(
        default=None,
        ge=1,
        le=MENTION_PAGE_MAX * WALK_PAGES,
        description="How many, 1-500 (default 20); one API request per 100.",
    )
    cursor: str | None = Field(default=None, description="pagination.nextCursor from the previous page.")


class ExportMentionsInput(MentionQuery):
    output: Literal["file", "result"] | None = Field(
        default=None,
        description="file (default): write it to a file (a resource link over HTTP) and return where, with a "
        "preview; result: inline.",
    )
    detail: Detail | None = Field(default=None, description=DETAIL_DESCRIPTION)
    format: Literal["json", "csv"] | None = Field(default=None, description="json (default) or csv.")
    limit: int | None = Field(default=None, ge=1, le=50000, description="Row cap 1-50000.")


class MentionExport(ApiModel):
    """An export: mentions as JSON rows or CSV text."""

    notice: str | None = Field(default=None, description="Set on the result: the post fields below are untrusted data.")

    format: Literal["json", "csv"] = Field(description="The format delivered.")
    total: int | None = Field(default=None, description="How many mentions matched (X-Total-Count).")
    path: str | None = Field(default=None, description="output=file: the file written (full records).")
    uri: str | None = Field(
        default=None, description="output=file over HTTP, instead of path: the file's resource URI, for resources/read."
    )
    rows: int | None = Field(default=None, description="output=file: rows in the file.")
    columns: list[str] | None = Field(default=None, description="output=file: the fields/columns of each row.")
    preview: list[dict[str, Any]] | None = Field(default=None, description="output=file: the first rows, compact.")
    data: list[Mention] | None = Field(default=None, description="output=result, json: the rows.")
    csv: str | None = Field(default=None, description="output=result, csv: text with a header row (untrusted).")


MENTIONS_READ_TOGETHER = 10
"""The most mentions one get_mention call reads: a few chosen ones, each one request unless listed just before."""


SourceIds = Annotated[
    PathText | Annotated[list[PathText], Field(min_length=1, max_length=MENTIONS_READ_TOGETHER)],
    WithJsonSchema({"type": ["string", "array"], "items": {"type": "string"}, "maxItems": MENTIONS_READ_TOGETHER}),
]
"""One sourceId, or a few; written as one JSON type list, a third the tokens of the union's own schema."""


class GetMentionInput(InputModel):
    sourceId: SourceIds = Field(description=f"One, or a list of up to {MENTIONS_READ_TOGETHER}.")

    def source_ids(self) -> list[str]:
        """The sourceIds asked for, each once, in the order given."""
        given = [self.sourceId] if isinstance(self.sourceId, str) else self.sourceId
        return list(dict.fromkeys(given))


RelevanceWord = Literal["high", "medium", "low", "clear"]
RELEVANCE_WORD_SCORES: dict[str, int] = {"high": 0, "medium": 1, "low": 2, "clear": 3}


class UpdateMentionInput(InputModel):
    """Set exactly one of engaged, relevance, sentiment."""

    sourceId: PathText = Field(description="The mention's sourceId.")
    engaged: bool | None = Field(default=None, description="Target engaged state (sent only if it differs).")
    relevance: RelevanceWord | None = Field(default=None, description="Override; clear restores the model's call.")
    sentiment: LabelSentiment | None = None
    timestamp: MentionTimestamp | None = Field(default=None, description="The mention's timestamp; read if omitted.")
    postId: int | None = Field(default=None, description="The mention's id; read if omitted.")

    @model_validator(mode="after")
    def _exactly_one_change(self) -> UpdateMentionInput:
        chosen = [k for k in ("engaged", "relevance", "sentiment") if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise ValueError("set exactly one of engaged, relevance, sentiment")
        return self


class MentionUpdate(ApiModel):
    """The committed triage state."""

    ok: bool = Field(description="True when the mention is in the requested state.")
    sourceId: str = Field(description="The mention updated.")
    action: Literal["engage", "relevance", "sentiment"] = Field(description="Which triage action was applied.")
    changed: bool | None = Field(default=None, description="engage: false when it was already in that state.")
    engaged: bool | None = Field(default=None, description="engage: the state after the toggle.")
    verified: bool | None = Field(default=None, description="engage: true when Octolens's answer stated that state.")
    relevanceScore: int | None = Field(default=None, description="relevance: score sent (0-2, 3 = cleared).")
    sentiment: str | None = Field(default=None, description="sentiment: the label set.")


class ListAuthorMentionsInput(InputModel):
    source: Slug = Field(description="Platform: twitter, reddit, bluesky, dev, github, hackernews, tiktok, linkedin.")
    handle: str | None = Field(default=None, min_length=1, description="name, @name or profile URL (not linkedin).")
    profileUrl: str | None = Field(default=None, min_length=1, description="For linkedin: linkedin.com/in/<slug>.")
    limit: int | None = Field(
        default=None,
        ge=1,
        le=AUTHOR_PAGE_MAX * WALK_PAGES,
        description="How many, 1-250 (default 10); one API request per 50.",
    )
    cursor: str | None = Field(default=None, description="pagination.nextCursor from the previous page.")
    detail: Detail | None = Field(default=None, description=DETAIL_DESCRIPTION)

    @model_validator(mode="after")
    def _handle_or_profile(self) -> ListAuthorMentionsInput:
        if self.handle is None and self.profileUrl is None:
            raise ValueError("send handle (or profileUrl, for linkedin)")
        return self
