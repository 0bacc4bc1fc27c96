"""Keywords and keyword suggestions (§5.2, §5.3, §6.3, §6.4)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from octolens_mcp.catalog.models.common import (
    KNOWN_SOURCES,
    WALK_PAGES,
    ApiModel,
    InputModel,
    KeywordRef,
    KeywordTag,
    Number,
    PagingReport,
    Slug,
)


class Keyword(ApiModel):
    """A tracked keyword and its collection settings."""

    id: int | None = Field(default=None, description="Keyword id.")
    keyword: str | None = Field(default=None, description="The tracked phrase.")
    context: str | None = Field(default=None, description="Disambiguation sentence for relevance scoring.")
    additionalTerms: str | None = Field(default=None, description="Comma-separated terms required alongside.")
    additionalTermsAndOr: bool | None = Field(default=None, description="true = any term (OR), false = all (AND).")
    caseSensitive: bool | None = Field(default=None, description="Case-sensitive matching.")
    symbolSensitive: bool | None = Field(default=None, description="Exact match for multi-word phrases.")
    platforms: list[str] | None = Field(default=None, description="Platform slugs monitored.")
    excludeWords: str | None = Field(default=None, description="Comma-separated exact exclusions.")
    wildcardExcludeWords: str | None = Field(default=None, description="Comma-separated patterns, * allowed.")
    excludeAuthors: str | None = Field(default=None, description="Comma-separated handles dropped.")
    tag: str | None = Field(default=None, description="own_brand, competitor, industry_term or null.")
    paused: bool | None = Field(default=None, description="Collection paused.")
    isSubReddit: bool | None = Field(default=None, description="true = a monitored subreddit.")
    color: str | None = Field(default=None, description="Hex colour.")
    createdAt: str | None = Field(default=None, description="ISO 8601.")
    updatedAt: str | None = Field(default=None, description="ISO 8601.")
    alreadyExisted: bool | None = Field(default=None, description="Create only: the term was already tracked.")


class KeywordList(ApiModel):
    """Every tracked keyword."""

    data: list[Keyword] | None = Field(default=None, description="Keywords sorted by name.")


def _comma_list(value: Any) -> Any:
    """The skill hints a comma string is accepted for platforms; the array is what we send."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


Platforms = Annotated[
    list[Slug],
    BeforeValidator(_comma_list),
    Field(min_length=1, description=f"Platform slugs, e.g. {KNOWN_SOURCES}, reddit_comment; replaces the list."),
]


class KeywordSettings(InputModel):
    """Settings shared by add_keyword and update_keyword."""

    context: str | None = Field(default=None, max_length=200, description="Disambiguation sentence (AI if omitted).")
    additionalTerms: str | None = Field(default=None, description="Comma-separated required terms.")
    additionalTermsAndOr: bool | None = Field(default=None, description="true = any term (OR), false = all (AND).")
    caseSensitive: bool | None = None
    symbolSensitive: bool | None = Field(default=None, description="Exact match for multi-word phrases.")
    platforms: Platforms | None = None
    excludeWords: str | None = Field(default=None, description="Comma-separated; '' clears.")
    wildcardExcludeWords: str | None = Field(default=None, description="Comma-separated, * allowed.")
    excludeAuthors: str | None = Field(default=None, description="Comma-separated handles.")
    tag: KeywordTag | None = None
    color: str | None = Field(default=None, description="Hex colour, e.g. #7c3aed.")


class AddKeywordInput(KeywordSettings):
    keyword: str = Field(min_length=1, max_length=100, description="The phrase to track.")
    isSubReddit: bool | None = Field(default=None, description="true = keyword is a subreddit name.")


class UpdateKeywordInput(KeywordSettings):
    id: KeywordRef = Field(description="Keyword id or exact name.")

    @model_validator(mode="after")
    def _something_to_change(self) -> UpdateKeywordInput:
        if not self.model_fields_set - {"id"}:
            raise ValueError("send at least one setting to change")
        return self


class KeywordIdInput(InputModel):
    id: KeywordRef = Field(description="Keyword id or exact name.")


class DeleteKeywordInput(KeywordIdInput):
    preview: bool | None = Field(default=None, description="true: delete nothing, list what would go with it.")


class PauseKeywordInput(InputModel):
    id: KeywordRef = Field(description="Keyword id or exact name.")
    paused: bool = Field(default=True, description="true pauses, false resumes.")


class KeywordPauseState(ApiModel):
    """Pause state after the call."""

    id: int = Field(description="Keyword id.")
    keyword: str | None = Field(default=None, description="The phrase.")
    paused: bool | None = Field(description="State now; null when the answer did not say.")
    changed: bool = Field(description="false when it was already in that state (nothing sent).")


class DeletedFeedRef(ApiModel):
    """A feed removed by a cascade."""

    id: int | None = Field(default=None, description="Feed id.")
    name: str | None = Field(default=None, description="Feed name.")


class DeletedNotificationRef(ApiModel):
    """A notification removed by a cascade."""

    id: int | None = Field(default=None, description="Notification id.")
    name: str | None = Field(default=None, description="Notification name.")
    feedId: int | None = Field(default=None, description="Its feed.")
    destinationCount: int | None = Field(default=None, description="Destinations it had.")


class KeywordDeletion(ApiModel):
    """Deletion report; cascade lists are present when the API reports them."""

    preview: bool | None = Field(default=None, description="true: nothing was deleted; the lists say what would go.")
    ok: bool | None = Field(default=None, description="True when deleted.")
    success: bool | None = Field(default=None, description="True when deleted (older routes).")
    id: int | None = Field(default=None, description="Keyword id.")
    keyword: str | None = Field(default=None, description="The phrase.")
    deletedFeeds: list[DeletedFeedRef] | None = Field(default=None, description="Feeds deleted with it.")
    deletedNotifications: list[DeletedNotificationRef] | None = Field(
        default=None, description="Notifications deleted."
    )


# --- Suggestions -------------------------------------------------------------------------------

SuggestionType = Literal[
    "add_exclude_words",
    "add_exclude_authors",
    "add_additional_terms",
    "change_additional_terms_logic",
    "set_exact_match",
    "disable_source",
]


SUGGESTION_PAGE_MAX = 100
"""The largest org-wide page GET /keywords/suggestions answers (limit 1-100)."""


class ListSuggestionsInput(InputModel):
    keywordId: KeywordRef | None = Field(default=None, description="One keyword's (id or name) suggestions, whole.")
    summary: bool | None = Field(default=None, description="true = pending count per keyword only (no keywordId).")
    limit: int | None = Field(
        default=None,
        ge=1,
        le=SUGGESTION_PAGE_MAX * WALK_PAGES,
        description="Org-wide: how many, 1-500 (default 25); one API request per 100.",
    )
    cursor: str | None = Field(default=None, description="nextCursor from the previous page.")


class Suggestion(ApiModel):
    """An AI proposal to tune a keyword."""

    id: int | None = Field(default=None, description="Suggestion id.")
    keywordId: int | None = Field(default=None, description="Target keyword id.")
    keyword: str | None = Field(default=None, description="Keyword text.")
    keywordVolume: Number | None = Field(default=None, description="Recent mention volume of the keyword.")
    type: str | None = Field(default=None, description="What it changes, e.g. add_exclude_words.")
    value: str | None = Field(default=None, description="Proposed value.")
    reason: str | None = Field(default=None, description="Why.")
    impact: str | None = Field(default=None, description="Expected effect.")
    impactScore: float | None = Field(default=None, description="0-1, highest first.")
    status: str | None = Field(default=None, description="pending.")
    createdAt: str | None = Field(default=None, description="ISO 8601.")


class KeywordVolume(ApiModel):
    """A keyword's id, text and recent volume."""

    id: int | None = Field(default=None, description="Keyword id.")
    keyword: str | None = Field(default=None, description="Keyword text.")
    volume: Number | None = Field(default=None, description="Recent mention volume.")


class SuggestionCount(ApiModel):
    """Pending suggestions per keyword."""

    keywordId: int | None = Field(default=None, description="Keyword id.")
    count: Number | None = Field(default=None, description="Pending suggestions.")


class SuggestionList(ApiModel):
    """Pending suggestions, normalised over the API's three response shapes."""

    data: list[Suggestion] = Field(default_factory=list, description="Suggestions (empty for summary).")
    nextCursor: str | None = Field(default=None, description="Org-wide: cursor for the next page.")
    totalSuggestionCount: int | None = Field(default=None, description="Org-wide total pending.")
    keywords: list[KeywordVolume] | None = Field(default=None, description="Org-wide: keywords referenced.")
    keyword: dict[str, Any] | None = Field(default=None, description="With keywordId: the keyword's current settings.")
    counts: list[SuggestionCount] | None = Field(default=None, description="summary: pending count per keyword.")
    paging: PagingReport | None = Field(default=None, description="Set when limit spans several API pages.")


class AcceptSuggestionInput(InputModel):
    suggestionId: int = Field(description="Suggestion id.")
    modifiedValue: str | None = Field(default=None, description="Apply this value instead of the proposed one.")


class SuggestionAccepted(ApiModel):
    """What accepting changed on the keyword."""

    success: bool | None = Field(default=None, description="True when applied.")
    appliedChanges: dict[str, Any] | None = Field(
        default=None, description="Keyword fields now set, e.g. excludeWords."
    )


class RejectSuggestionInput(InputModel):
    suggestionId: int | None = Field(default=None, description="Reject this one.")
    keywordId: KeywordRef | None = Field(default=None, description="Reject all pending of this keyword (id or name).")

    @model_validator(mode="after")
    def _exactly_one_target(self) -> RejectSuggestionInput:
        if (self.suggestionId is None) == (self.keywordId is None):
            raise ValueError("send exactly one of suggestionId or keywordId")
        return self


class SuggestionsRejected(ApiModel):
    """Rejection report."""

    success: bool | None = Field(default=None, description="True when done.")
    ok: bool | None = Field(default=None, description="True when done.")
    rejectedCount: Number | None = Field(default=None, description="How many were rejected.")
    rejectedSuggestionIds: list[int] | None = Field(default=None, description="Which.")
