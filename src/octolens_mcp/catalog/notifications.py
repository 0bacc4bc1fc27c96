"""Notifications: one delivery rule per feed."""

from __future__ import annotations

from octolens_mcp.catalog.models.common import NoInput
from octolens_mcp.catalog.models.notifications import (
    CreateNotificationInput,
    Notification,
    NotificationDeletion,
    NotificationIdInput,
    NotificationList,
    NotificationTest,
    UpdateNotificationInput,
)
from octolens_mcp.catalog.operation import ItemKind, Items, Operation, lean

NOTIFICATION = ItemKind(name="notification", compact=lean("createdAt", "updatedAt"))

LIST = Operation(
    name="list_notifications",
    method="GET",
    path="/notifications",
    scope="read",
    toolset="notifications",
    title="List notifications",
    description="List notifications: per-feed rules delivering matching mentions to email, Slack or webhooks.",
    input=NoInput,
    output=NotificationList,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="data", kind=NOTIFICATION),
    cache="notifications",
    lists_ids=("NOTIFICATION_NOT_FOUND",),
)


CREATE = Operation(
    name="create_notification",
    method="POST",
    path="/notifications",
    scope="write",
    toolset="notifications",
    title="Create notification",
    description=(
        "Create the notification of a feed (one per feed; ITEM_EXISTS means update that one). At most one "
        "destination per type; Slack channels are ids from search_slack_channels."
    ),
    input=CreateNotificationInput,
    output=Notification,
    read_only=False,
    destructive=False,
    idempotent=False,
    changes=frozenset({"feeds", "notifications"}),
    verify="call list_notifications and look for one on this feed before creating again",
)

GET = Operation(
    name="get_notification",
    method="GET",
    path="/notifications/{id}",
    scope="read",
    toolset="notifications",
    title="Get notification",
    description="Get one notification with its destinations.",
    input=NotificationIdInput,
    output=Notification,
    read_only=True,
    destructive=False,
    idempotent=True,
)

UPDATE = Operation(
    name="update_notification",
    method="PATCH",
    path="/notifications/{id}",
    scope="write",
    toolset="notifications",
    title="Update notification",
    description=(
        "Rename, re-point (feedId), pause/resume (enabled) or replace destinations (whole list, complete objects)."
    ),
    input=UpdateNotificationInput,
    output=Notification,
    read_only=False,
    destructive=True,
    idempotent=True,
    changes=frozenset({"feeds", "notifications"}),
    verify="call get_notification and compare",
)

DELETE = Operation(
    name="delete_notification",
    method="DELETE",
    path="/notifications/{id}",
    scope="write",
    toolset="notifications",
    title="Delete notification",
    description="Delete a notification; its feed is kept.",
    input=NotificationIdInput,
    output=NotificationDeletion,
    read_only=False,
    destructive=True,
    idempotent=True,
    changes=frozenset({"feeds", "notifications"}),
    verify="call list_notifications to see whether it is gone",
)

TEST = Operation(
    name="test_notification",
    method="POST",
    path="/notifications/{id}/test",
    scope="write",
    toolset="notifications",
    title="Send test notification",
    description="Really deliver the latest matching mention to every destination now; reports each one's result.",
    input=NotificationIdInput,
    output=NotificationTest,
    read_only=False,
    destructive=False,
    idempotent=False,
    changes=frozenset({"feeds", "notifications"}),
    open_world=True,
    timeout=60.0,
    verify="ask the recipients whether the test arrived before sending another",
)

OPERATIONS = (LIST, CREATE, GET, UPDATE, DELETE, TEST)
