"""Feeds: saved filters with delivery destinations."""

from __future__ import annotations

from typing import Any

from octolens_mcp.catalog._reads import read_rows, rows_of
from octolens_mcp.catalog.models.common import FEED_NAME
from octolens_mcp.catalog.models.feeds import (
    CreateFeedInput,
    DeleteFeedInput,
    Feed,
    FeedDeletion,
    FeedIdInput,
    FeedList,
    ListFeedsInput,
    UpdateFeedInput,
)
from octolens_mcp.catalog.operation import Api, ItemKind, Items, Operation, lean
from octolens_mcp.http.errors import OctolensError

DEFAULT_ICON = "BellIcon"
CONNECTED = "connectedToThisServer"
"""Set (true) by list_feeds on a feed that delivers to this server's webhook receiver."""

_FEED_GRAMMAR = (
    "Feed filters have their own grammar (not list_mentions'): each condition's field is one of Keywords (ids or "
    "exact names), Source, Sentiment (any case), Language, Tags, RelevanceScore, TimeRange… (case-sensitive); "
    'values is one comma-separated string ("reddit,twitter").'
)


FEED = ItemKind(name="feed", compact=lean("createdAt", "updatedAt"))
WEBHOOK = "WEBHOOK"
"""A destination's type when it delivers to a URL (§4.4): its ``webhookDestination.url``."""


def destinations_of(feed: Any) -> list[Any]:
    """A feed's destinations as read (§5.4), every one kept as it is."""
    destinations = feed.get("destinations") if isinstance(feed, dict) else None
    return destinations if isinstance(destinations, list) else []


def is_webhook(destination: Any) -> bool:
    return isinstance(destination, dict) and destination.get("type") == WEBHOOK


def webhook_url(destination: Any) -> str | None:
    """The URL a ``WEBHOOK`` destination delivers to (§4.4); None for any other destination."""
    if not is_webhook(destination):
        return None
    target = destination.get("webhookDestination")
    url = target.get("url") if isinstance(target, dict) else None
    return url if isinstance(url, str) else None


async def _list(api: Api, op: Operation, args: ListFeedsInput) -> Any:
    body = (await api.call(op, args.wire())).body
    hub = api.webhooks.hub if api.webhooks is not None else None
    rows = rows_of(body)
    if hub is None or rows is None or not hub.settings.public_url:
        return body
    # Feeds whose webhook is this server's receiver (connect_feed_webhook): watch_mentions waits on them for free.
    marked = [
        {**row, CONNECTED: True} if any(hub.ours(webhook_url(d)) for d in destinations_of(row)) else row for row in rows
    ]
    return {**body, "data": marked} if isinstance(body, dict) else marked


async def _create(api: Api, op: Operation, args: CreateFeedInput) -> Any:
    data = args.wire()
    data.setdefault("icon", DEFAULT_ICON)
    return (await api.call(op, data)).body


async def _update(api: Api, op: Operation, args: UpdateFeedInput) -> Any:
    data = args.wire()
    # A stored feed keeps one filter kind: name both keys so the switch is unambiguous.
    if "simpleFilters" in data and data["simpleFilters"] is not None:
        data["advancedFilters"] = None
    elif "advancedFilters" in data and data["advancedFilters"] is not None:
        data["simpleFilters"] = None
    return (await api.call(op, data)).body


async def _delete(api: Api, op: Operation, args: DeleteFeedInput) -> Any:
    if not args.preview:
        return (await api.call(op, args.wire())).body
    from octolens_mcp.catalog import notifications  # it imports this module

    if not any(row.get("id") == args.id for row in await read_rows(api, LIST)):
        raise OctolensError("FEED_NOT_FOUND", f"No feed with id {args.id} in this workspace.", status=404)
    rules = [n.get("id") for n in await read_rows(api, notifications.LIST) if n.get("feedId") == args.id]
    return {"preview": True, "id": args.id, "deletedNotificationIds": rules}


LIST = Operation(
    name="list_feeds",
    method="GET",
    path="/feeds",
    scope="read",
    toolset="feeds",
    title="List feeds",
    description="List saved feeds (filters plus destinations). A feed id is the view argument of list_mentions.",
    input=ListFeedsInput,
    output=FeedList,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="data", kind=FEED),
    cache="feeds",
    lists_ids=("FEED_NOT_FOUND",),
    resolves=FEED_NAME,
    runner=_list,
)

CREATE = Operation(
    name="create_feed",
    method="POST",
    path="/feeds",
    scope="write",
    toolset="feeds",
    title="Create feed",
    description=f"Create a feed; omit both filter kinds to match everything. {_FEED_GRAMMAR}",
    input=CreateFeedInput,
    output=Feed,
    read_only=False,
    destructive=False,
    idempotent=False,
    changes=frozenset({"feeds", "notifications"}),
    runner=_create,
    verify="call list_feeds and look for a feed with this name before creating it again",
)

GET = Operation(
    name="get_feed",
    method="GET",
    path="/feeds/{id}",
    scope="read",
    toolset="feeds",
    title="Get feed",
    description="Get one feed with its filters and destinations.",
    input=FeedIdInput,
    output=Feed,
    read_only=True,
    destructive=False,
    idempotent=True,
)

UPDATE = Operation(
    name="update_feed",
    method="PATCH",
    path="/feeds/{id}",
    scope="write",
    toolset="feeds",
    title="Update feed",
    description=(
        "Change a feed's name, icon, filters, isDefault or destinations. destinations replaces the whole list "
        "([] removes all): to add or remove one, get_feed, edit the list, send it all back."
    ),
    input=UpdateFeedInput,
    output=Feed,
    read_only=False,
    destructive=True,
    idempotent=True,
    changes=frozenset({"feeds", "notifications"}),
    runner=_update,
    verify="call get_feed and compare",
)

DELETE = Operation(
    name="delete_feed",
    method="DELETE",
    path="/feeds/{id}",
    scope="write",
    toolset="feeds",
    title="Delete feed",
    description="Delete a feed and the notification attached to it; preview=true lists it and deletes nothing.",
    input=DeleteFeedInput,
    output=FeedDeletion,
    read_only=False,
    destructive=True,
    idempotent=True,
    changes=frozenset({"feeds", "notifications"}),
    verify="call list_feeds to see whether it is gone",
    runner=_delete,
)

OPERATIONS = (LIST, CREATE, GET, UPDATE, DELETE)
