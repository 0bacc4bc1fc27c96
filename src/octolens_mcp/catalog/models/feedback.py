"""Relevance feedback (§5.17, §6.7) and the tag vocabulary (§6.8)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from octolens_mcp.catalog.models.common import (
    ApiModel,
    InputModel,
    KeywordRef,
    MentionTimestamp,
    Number,
    PathText,
    Score,
    Slug,
)


class SubmitFeedbackInput(InputModel):
    sourceId: PathText = Field(description="The mention's sourceId.")
    feedbackType: Literal["RELEVANT", "NOT_RELEVANT"]
    feedbackReason: str | None = Field(default=None, description="Why; read by the relevance model.")
    keywordId: KeywordRef | None = Field(
        default=None, description="Keyword (id or name) judged; default: the mention's first."
    )
    timestamp: MentionTimestamp | None = Field(default=None, description="Mention timestamp; read if omitted.")
    postId: int | None = Field(default=None, description="Mention id; read if omitted.")
    source: Slug | None = Field(default=None, description="Platform slug; read if omitted.")
    originalRelevanceScore: Score | None = Field(default=None, description="Model's score; read if omitted.")
    feedbackSource: Literal["WEB", "EMAIL", "API"] | None = Field(default=None, description="Default API.")


class FeedbackRecord(ApiModel):
    """A stored feedback record."""

    id: int | None = Field(default=None, description="Feedback id.")
    sourceId: str | None = Field(default=None, description="Mention sourceId.")
    timestamp: str | None = Field(default=None, description="Mention timestamp, as submitted.")
    organizationId: str | None = Field(default=None, description="Workspace.")
    postId: int | None = Field(default=None, description="Mention id.")
    keywordId: int | None = Field(default=None, description="Keyword judged.")
    source: str | None = Field(default=None, description="Platform.")
    feedbackType: str | None = Field(default=None, description="RELEVANT or NOT_RELEVANT.")
    feedbackReason: str | None = Field(default=None, description="Reason.")
    feedbackSource: str | None = Field(default=None, description="WEB, EMAIL or API.")
    originalRelevanceScore: Number | None = Field(default=None, description="Model's original score.")
    createdBy: str | None = Field(default=None, description="Who.")
    createdAt: str | None = Field(default=None, description="ISO 8601.")


class DeleteFeedbackInput(InputModel):
    sourceId: PathText = Field(description="The mention's sourceId.")
    timestamp: MentionTimestamp | None = Field(default=None, description="Mention timestamp; read if omitted.")


class FeedbackDeletion(ApiModel):
    """Removal report."""

    success: bool | None = Field(default=None, description="True when done.")
    ok: bool | None = Field(default=None, description="True when done.")
    sourceId: str | None = Field(default=None, description="Mention sourceId.")
    removed: bool | None = Field(default=None, description="false when there was nothing to remove.")


class FeedbackStatsInput(InputModel):
    keywordId: KeywordRef | None = Field(default=None, description="Narrow to one keyword (id or name).")


class FeedbackStats(ApiModel):
    """Feedback counters."""

    totalFeedback: Number | None = Field(default=None, description="Records.")
    relevantCount: Number | None = Field(default=None, description="RELEVANT records.")
    notRelevantCount: Number | None = Field(default=None, description="NOT_RELEVANT records.")
    falsePositiveRate: Number | None = Field(default=None, description="Share (0-1) of NOT_RELEVANT.")


class TagList(ApiModel):
    """Tag names usable in filters."""

    data: list[str] | None = Field(default=None, description="snake_case tag names, sorted.")
