"""The AI filter wizard, the Slack integration and key introspection (§5.15, §5.16, §6.12-6.14)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from octolens_mcp.catalog.models.common import ApiModel, InputModel, Number


class FilterWizardInput(InputModel):
    query: str = Field(
        min_length=1, max_length=1000, description="Plain language, e.g. negative reddit posts this week."
    )


class FilterWizardResult(ApiModel):
    """Filters for list_mentions built from plain language."""

    filters: dict[str, Any] | None = Field(description="Mention filters for list_mentions; null when ambiguous.")
    isAdvanced: bool | None = Field(default=None, description="filters uses AND/OR groups.")
    limit: Number | None = Field(default=None, description="Suggested page size.")
    includeAll: bool | None = Field(default=None, description="Include low relevance.")
    view: int | None = Field(default=None, description="Feed id, when the request named a feed.")
    explanation: str | None = Field(default=None, description="What was understood; show it when filters is null.")
    feedFilters: dict[str, Any] | None = Field(
        default=None, description="The answer in feed grammar, when the API gave feed grammar (for create_feed)."
    )
    grammar: Literal["mention", "feed", "none"] = Field(description="Which grammar the API answered in.")


class SlackStatus(ApiModel):
    """Slack connection."""

    connected: bool | None = Field(default=None, description="Linked and the app is installed.")
    hasSlackIntegration: bool | None = Field(default=None, description="A Slack link exists.")
    isInstalled: bool | None = Field(default=None, description="The app is installed.")
    teamName: str | None = Field(default=None, description="Slack team.")
    hasNotificationSettings: bool | None = Field(default=None, description="Slack notifications configured.")


class SlackChannelsInput(InputModel):
    q: str | None = Field(default=None, description="Case-insensitive substring of the channel name.")
    cursor: str | None = Field(default=None, description="nextCursor from the previous page.")
    pages: int | None = Field(default=None, ge=1, le=10, description="Slack pages scanned per call (default 2).")


class SlackChannel(ApiModel):
    """A Slack channel."""

    id: str | None = Field(default=None, description="Channel id for slackDestination.channels.")
    name: str | None = Field(default=None, description="Name without #.")


class SlackChannelPage(ApiModel):
    """Matching channels."""

    data: list[SlackChannel] | None = Field(default=None, description="Channels.")
    pagination: dict[str, Any] | None = Field(default=None, description="nextCursor for more.")


class AuthInfo(ApiModel):
    """The API key's workspace and live scopes."""

    organizationId: str | None = Field(default=None, description="org_… id.")
    name: str | None = Field(default=None, description="Workspace name.")
    plan: str | None = Field(default=None, description="Plan.")
    scopes: list[str] | None = Field(
        default=None, description="Effective scopes: read, write, admin; null when unknown."
    )
