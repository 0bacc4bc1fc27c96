"""Org-wide global filter lists (§5.11, §6.11)."""

from __future__ import annotations

import builtins
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from octolens_mcp.catalog.models.common import ApiModel, InputModel

ListName = Literal["negativeKeywords", "negativeAuthors", "negativeSubreddits", "positiveSubreddits", "negativeRepos"]
LIST_NAMES: tuple[str, ...] = ListName.__args__  # type: ignore[attr-defined]
FilterValue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
FilterValues = Annotated[list[FilterValue], Field(max_length=2000)]


class GlobalFilters(ApiModel):
    """The five org-wide lists."""

    negativeKeywords: list[str] | None = Field(default=None, description="Disqualifying words/phrases.")
    negativeAuthors: list[str] | None = Field(default=None, description="Authors dropped everywhere.")
    negativeSubreddits: list[str] | None = Field(default=None, description="Subreddits dropped (no r/).")
    positiveSubreddits: list[str] | None = Field(default=None, description="Allowlist; restricts Reddit when set.")
    negativeRepos: list[str] | None = Field(default=None, description="GitHub owner/name dropped.")


class ReplaceGlobalFiltersInput(InputModel):
    negativeKeywords: FilterValues | None = None
    negativeAuthors: FilterValues | None = None
    negativeSubreddits: FilterValues | None = None
    positiveSubreddits: FilterValues | None = None
    negativeRepos: FilterValues | None = None
    confirmRemovals: bool = Field(default=False, description="Required when a sent list drops existing values.")

    @model_validator(mode="after")
    def _something(self) -> ReplaceGlobalFiltersInput:
        if not any(getattr(self, name) is not None for name in LIST_NAMES):
            raise ValueError("send at least one list")
        return self


class FilterListChangeInput(InputModel):
    list: ListName
    values: Annotated[builtins.list[FilterValue], Field(min_length=1, max_length=2000)]


class FilterValuesAdded(ApiModel):
    """Result of adding values to one list."""

    list: str | None = Field(default=None, description="List changed.")
    added: builtins.list[str] = Field(default_factory=builtins.list, description="Values that landed (stored form).")
    dropped: builtins.list[str] = Field(
        default_factory=builtins.list, description="Refused: present in the exclusive counterpart."
    )
    values: builtins.list[str] = Field(default_factory=builtins.list, description="The whole list now.")


class FilterValuesRemoved(ApiModel):
    """Result of removing values from one list."""

    list: str | None = Field(default=None, description="List changed.")
    removed: builtins.list[str] = Field(default_factory=builtins.list, description="Values removed.")
    values: builtins.list[str] = Field(default_factory=builtins.list, description="The whole list now.")
