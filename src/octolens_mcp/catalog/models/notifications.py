"""Notifications: delivery rules attached to a feed (§5.5, §5.6, §6.6)."""

from __future__ import annotations

from pydantic import Field, model_validator

from octolens_mcp.catalog.models.common import (
    ApiModel,
    FeedRef,
    InputModel,
    Number,
)
from octolens_mcp.catalog.models.feeds import Destination, DestinationInput, one_per_type


class Notification(ApiModel):
    """A feed's delivery rule."""

    id: int | None = Field(default=None, description="Notification id.")
    name: str | None = Field(default=None, description="Name.")
    enabled: bool | None = Field(default=None, description="false = paused.")
    feedId: int | None = Field(default=None, description="Feed whose filter triggers it.")
    feedName: str | None = Field(default=None, description="That feed's name.")
    destinations: list[Destination] | None = Field(default=None, description="At most one per type.")
    createdAt: str | None = Field(default=None, description="ISO 8601.")
    updatedAt: str | None = Field(default=None, description="ISO 8601.")


class NotificationList(ApiModel):
    """Every notification."""

    data: list[Notification] | None = Field(default=None, description="Notifications.")


class NotificationIdInput(InputModel):
    id: int = Field(description="Notification id.")


class CreateNotificationInput(InputModel):
    name: str = Field(min_length=1)
    feedId: FeedRef = Field(description="Feed id or exact name; a feed has at most one notification.")
    destinations: list[DestinationInput] = Field(min_length=1, max_length=3, description="One per type at most.")
    enabled: bool | None = Field(default=None, description="Default true.")

    @model_validator(mode="after")
    def _one_per_type(self) -> CreateNotificationInput:
        one_per_type(self.destinations)
        return self


class UpdateNotificationInput(InputModel):
    id: int = Field(description="Notification id.")
    name: str | None = Field(default=None, min_length=1)
    feedId: FeedRef | None = Field(default=None, description="Re-point to another feed (id or name).")
    enabled: bool | None = Field(default=None, description="false pauses delivery.")
    destinations: list[DestinationInput] | None = Field(
        default=None, max_length=3, description="Replaces the list; send complete objects."
    )

    @model_validator(mode="after")
    def _valid_change(self) -> UpdateNotificationInput:
        if not self.model_fields_set - {"id"}:
            raise ValueError("send at least one field to change")
        one_per_type(self.destinations)
        return self


class NotificationDeletion(ApiModel):
    """Deletion report."""

    ok: bool | None = Field(default=None, description="True when deleted.")
    id: int | None = Field(default=None, description="Notification id.")


class DeliveryResult(ApiModel):
    """One destination's test delivery."""

    type: str | None = Field(default=None, description="EMAIL, SLACK or WEBHOOK.")
    target: str | None = Field(default=None, description="Emails, channel ids or URL.")
    ok: bool | None = Field(default=None, description="Delivered.")
    status: Number | None = Field(default=None, description="Webhook HTTP status.")
    error: str | None = Field(default=None, description="Why it failed.")


class NotificationTest(ApiModel):
    """Per-destination results of a test delivery."""

    notificationId: int | None = Field(default=None, description="Notification tested.")
    results: list[DeliveryResult] | None = Field(default=None, description="One per destination, in stored order.")
