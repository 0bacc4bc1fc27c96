"""Feeds, their filter grammar (§4.1-4.3) and the destination object shared with notifications (§4.4)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_serializer,
    model_validator,
)

from octolens_mcp.catalog.models.common import (
    KEYWORD_NAME,
    ApiModel,
    CommaNames,
    FeedRef,
    InputModel,
    NameOf,
    Number,
    PassThroughModel,
    title_sentiments,
)

ConditionOperator = Literal["in", "not in", "equals", "=", ">=", "<="]


class SimpleCondition(PassThroughModel, CommaNames):
    """Its fields are described once, in the feed tools' description (``catalog.feeds``)."""

    field: str = Field(min_length=1)
    values: str

    @field_validator("values")
    @classmethod
    def _stored_spelling(cls, values: str, info: ValidationInfo) -> str:
        """Sentiment values are stored in Title case (§4.3); an agent may write them in any case."""
        return title_sentiments(values) if info.data.get("field") == "Sentiment" else values

    def comma_names(self) -> tuple[str, NameOf] | None:
        """The field holding comma-separated references, and of what: a Keywords condition's ``values`` are
        keyword ids, or exact names that ``catalog.names`` resolves to them."""
        return ("values", KEYWORD_NAME) if self.field == "Keywords" else None


class SimpleFeedFilters(PassThroughModel):
    conditions: list[SimpleCondition] = Field(description="AND-ed.")


class AdvancedCondition(SimpleCondition):
    operator: ConditionOperator


class FeedFilterGroup(PassThroughModel):
    group_operator: Literal["AND", "OR"]
    conditions: list[AdvancedCondition]
    isSingleCondition: bool | None = None


class AdvancedFeedFilters(PassThroughModel):
    top_level_operator: Literal["AND", "OR"]
    groups: list[FeedFilterGroup]

    @model_validator(mode="after")
    def _storable(self) -> AdvancedFeedFilters:
        conditions = [c for g in self.groups for c in g.conditions]
        has_time = any(c.field == "TimeRange" for c in conditions)
        uses_or = self.top_level_operator == "OR" or any(g.group_operator == "OR" for g in self.groups)
        excludes = any(c.operator == "not in" for c in conditions)
        if has_time and (uses_or or excludes):
            raise ValueError("a TimeRange cannot be combined with 'not in' or OR groups in one feed filter")
        return self


DestinationType = Literal["EMAIL", "SLACK", "WEBHOOK"]
_HH_MM = r"^([01]\d|2[0-3]):[0-5]\d$"
"""A delivery time; checked here, and described (HH:mm) rather than spelled out as a pattern in the schema."""


class EmailTarget(ApiModel):
    """Email recipients."""

    emails: str | None = Field(default=None, description="Comma-separated addresses.")


class SlackTarget(ApiModel):
    """Slack channels."""

    channels: str | None = Field(default=None, description="Comma-separated channel ids (search_slack_channels).")
    channelNamesMap: str | dict[str, Any] | None = Field(default=None, description="id→name map, as stored.")


class WebhookTarget(ApiModel):
    """Webhook URL."""

    url: str | None = Field(default=None, description="Public http(s) URL.")


class Destination(ApiModel):
    """Where and when matching mentions are delivered."""

    type: str | None = Field(default=None, description="EMAIL, SLACK or WEBHOOK.")
    frequency: str | None = Field(default=None, description="hourly, hourlyAtTopOfHour, daily or weekly.")
    deliveryMode: str | None = Field(default=None, description="batch or individual.")
    time: str | None = Field(default=None, description="HH:mm for daily/weekly.")
    timezone: str | None = Field(default=None, description="IANA name or UTC offset.")
    dayOfWeek: Number | None = Field(default=None, description="0 = Sunday; weekly only.")
    emailDestination: EmailTarget | None = Field(default=None, description="When EMAIL.")
    slackDestination: SlackTarget | None = Field(default=None, description="When SLACK.")
    webhookDestination: WebhookTarget | None = Field(default=None, description="When WEBHOOK.")


_TARGET_KEY = {"EMAIL": "emailDestination", "SLACK": "slackDestination", "WEBHOOK": "webhookDestination"}


class EmailTargetInput(PassThroughModel):
    emails: str = Field(min_length=1, description="Comma-separated addresses.")


class SlackTargetInput(PassThroughModel):
    channels: str = Field(min_length=1, description="Comma-separated channel ids.")
    channelNamesMap: str | dict[str, str] | None = None

    @field_validator("channelNamesMap")
    @classmethod
    def _as_json_text(cls, value: str | dict[str, str] | None) -> str | None:
        """[ref] types the map as a string (JSON-encoded); an object is accepted and sent encoded."""
        return json.dumps(value, separators=(",", ":")) if isinstance(value, dict) else value


class WebhookTargetInput(PassThroughModel):
    url: str = Field(min_length=1, description="Public http(s) URL.")


class DestinationInput(PassThroughModel):
    """One destination; fill the target object matching type."""

    type: DestinationType
    frequency: str = Field(min_length=1, description="hourly, hourlyAtTopOfHour, daily or weekly.")
    deliveryMode: str | None = Field(default=None, description="batch or individual.")
    time: Annotated[str, StringConstraints(pattern=_HH_MM), WithJsonSchema({"type": "string"})] | None = Field(
        default=None, description="HH:mm, daily/weekly."
    )
    timezone: str | None = Field(default=None, min_length=1, description="IANA name or UTC+2:00.")
    dayOfWeek: int | None = Field(default=None, ge=0, le=6, description="0=Sunday; required for weekly.")
    emailDestination: EmailTargetInput | None = None
    slackDestination: SlackTargetInput | None = None
    webhookDestination: WebhookTargetInput | None = None

    @model_validator(mode="after")
    def _consistent(self) -> DestinationInput:
        wanted = _TARGET_KEY[self.type]
        if getattr(self, wanted) is None:
            raise ValueError(f"type {self.type} needs {wanted}")
        if self.frequency == "weekly" and self.dayOfWeek is None:
            raise ValueError("weekly needs dayOfWeek (0 = Sunday)")
        return self

    @model_serializer(mode="wrap")
    def _without_nulls(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A destination read back from get_feed carries nulls (no time on hourly…); they are not sent."""
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value is not None}


def one_per_type(destinations: list[DestinationInput] | None) -> None:
    """A notification holds at most one destination of each type (for feeds the reference only infers it)."""
    if destinations is None:
        return
    seen: set[str] = set()
    for destination in destinations:
        if destination.type in seen:
            raise ValueError(f"at most one {destination.type} destination")
        seen.add(destination.type)


class Feed(ApiModel):
    """A saved filter with optional delivery destinations."""

    id: int | None = Field(default=None, description="Feed id (use as view in list_mentions).")
    name: str | None = Field(default=None, description="Feed name.")
    icon: str | None = Field(default=None, description="Heroicons name.")
    simpleFilters: dict[str, Any] | None = Field(default=None, description="Feed-grammar simple filter.")
    advancedFilters: dict[str, Any] | None = Field(default=None, description="Feed-grammar advanced filter.")
    isDefault: bool | None = Field(default=None, description="Workspace default feed.")
    destinations: list[Destination] | None = Field(default=None, description="Delivery destinations.")
    createdAt: str | None = Field(default=None, description="ISO 8601.")
    updatedAt: str | None = Field(default=None, description="ISO 8601.")


class FeedList(ApiModel):
    """Every saved feed."""

    data: list[Feed] | None = Field(default=None, description="Feeds.")


class ListFeedsInput(InputModel):
    excludeWithNotifications: bool | None = Field(default=None, description="Only feeds without a notification.")


class FeedIdInput(InputModel):
    id: FeedRef = Field(description="Feed id or exact name.")


class DeleteFeedInput(FeedIdInput):
    preview: bool | None = Field(default=None, description="true: delete nothing, list what would go with it.")


class CreateFeedInput(InputModel):
    name: str = Field(min_length=1)
    icon: str | None = Field(default=None, description="Heroicons name (default BellIcon).")
    simpleFilters: SimpleFeedFilters | None = None
    advancedFilters: AdvancedFeedFilters | None = None
    destinations: list[DestinationInput] | None = None

    @model_validator(mode="after")
    def _one_filter_kind(self) -> CreateFeedInput:
        if self.simpleFilters is not None and self.advancedFilters is not None:
            raise ValueError("send simpleFilters or advancedFilters, not both (neither = match all)")
        return self


class UpdateFeedInput(InputModel):
    id: FeedRef = Field(description="Feed id or exact name.")
    name: str | None = Field(default=None, min_length=1)
    icon: str | None = None
    simpleFilters: SimpleFeedFilters | None = None
    advancedFilters: AdvancedFeedFilters | None = None
    isDefault: bool | None = None
    destinations: list[DestinationInput] | None = Field(default=None, description="Replaces the whole list; [] clears.")

    @model_validator(mode="after")
    def _valid_change(self) -> UpdateFeedInput:
        if not self.model_fields_set - {"id"}:
            raise ValueError("send at least one field to change")
        if self.simpleFilters is not None and self.advancedFilters is not None:
            raise ValueError("send simpleFilters or advancedFilters, not both")
        return self


class FeedDeletion(ApiModel):
    """Deletion report."""

    preview: bool | None = Field(default=None, description="true: nothing was deleted; the list says what would go.")
    ok: bool | None = Field(default=None, description="True when deleted.")
    success: bool | None = Field(default=None, description="True when deleted (older routes).")
    id: int | None = Field(default=None, description="Feed id.")
    deletedNotificationIds: list[int] | None = Field(default=None, description="Notifications deleted with it.")
