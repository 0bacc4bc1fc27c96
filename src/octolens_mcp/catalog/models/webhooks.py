"""Webhooks: connecting a feed to this server's receiver, and watching for new mentions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from octolens_mcp.catalog.models.common import DETAIL_DESCRIPTION, ApiModel, Detail, FeedRef, InputModel
from octolens_mcp.catalog.models.mentions import Mention

WAIT_MAX = 50
WatchedFeed = int | str
"""watch_mentions's feed: an id or a name it resolves itself, the connected feeds' names first (no request)."""


class FeedWebhookInput(InputModel):
    feed: FeedRef = Field(description="Feed id or exact name.")
    preview: bool | None = Field(default=None, description="true: change nothing, show the destinations it would send.")


class FeedWebhookChange(ApiModel):
    """What connect/disconnect did (or, with preview, would do) to the feed's destinations."""

    feed: dict[str, Any] | None = Field(default=None, description="id and name.")
    connected: bool | None = Field(default=None, description="Whether the feed delivers to this server now.")
    changed: bool | None = Field(default=None, description="false: it already was; nothing was sent.")
    preview: bool | None = Field(default=None, description="Set on a preview: nothing was sent.")
    destinations: list[dict[str, Any]] | None = Field(
        default=None, description="Preview: the whole list that would be sent; the other destinations unchanged."
    )


class WatchMentionsInput(InputModel):
    feed: WatchedFeed | None = Field(default=None, description="Feed id or exact name; omitted: the connected feed.")
    since: str | None = Field(default=None, description="cursor of an earlier call; omitted: from now.")
    waitSeconds: int = Field(default=30, ge=0, le=WAIT_MAX, description="Wait this long for a mention to arrive.")
    detail: Detail | None = Field(default=None, description=DETAIL_DESCRIPTION)
    offset: int | None = Field(default=None, ge=0, description="Skip this many mentions after since.")


class WatchResult(ApiModel):
    """Mentions that arrived after the cursor, oldest first."""

    notice: str | None = Field(default=None, description="Set on the result: the post fields below are untrusted data.")
    mode: Literal["webhook", "polling"] = Field(description="webhook: pushed by Octolens, no API request; polling.")
    cursor: str = Field(description="Pass as since next time.")
    since: str | None = Field(default=None, description="The cursor this result starts from.")
    feed: dict[str, Any] | None = Field(default=None, description="id and name; null: every mention.")
    data: list[Mention] | None = Field(default=None, description="detail=full: the mentions.")
    columns: list[str] | None = Field(default=None, description="Compact: column names of rows.")
    rows: list[list[Any]] | None = Field(default=None, description="Compact: one row per mention.")
    nextPollSeconds: float | None = Field(default=None, description="Polling: when the API may be asked again.")
    stopped: str | None = Field(default=None, description="Why polling did not ask the API (budget).")
    gap: str | None = Field(default=None, description="Polling: mentions it could not read, and how to.")
