"""Webhooks: connect a feed to this server's receiver, and watch for the mentions it delivers.

Not REST operations of their own: connecting is a faithful read-modify-write of a feed's destinations
(``GET`` then ``PATCH /feeds/{id}``), watching reads this server's inbox or polls ``POST /mentions``.
Each declares the request it is built on as its method and path.
"""

from __future__ import annotations

from typing import Any

from octolens_mcp.catalog import feeds, mentions
from octolens_mcp.catalog._reads import read_object
from octolens_mcp.catalog.models.webhooks import FeedWebhookChange, FeedWebhookInput, WatchMentionsInput, WatchResult
from octolens_mcp.catalog.operation import Api, Items, OffsetResume, Operation, Runner
from octolens_mcp.http.errors import OctolensError
from octolens_mcp.webhooks import watch

NEW_DESTINATION = {"type": feeds.WEBHOOK, "frequency": "hourly", "deliveryMode": "individual"}
"""The destination added, from the reference's destination object (§4.4):

- ``frequency`` is required there, one of ``hourly``, ``hourlyAtTopOfHour``, ``daily``, ``weekly``, with no
  API default; what it does to a webhook is not documented, nor is the web app's "Instantly" [unknown]. So
  the most frequent documented value, ``hourly``.
- ``deliveryMode`` is optional there; §4.4 states that webhooks are always ``individual`` (one message per
  mention), so this restates it rather than leaving an undocumented default to decide.
"""


async def _change(api: Api, op: Operation, args: FeedWebhookInput, *, connect: bool) -> dict[str, Any]:
    access = watch.access_of(api)
    hub = access.hub
    if not hub.settings.public_url:
        raise OctolensError(
            "NO_PUBLIC_URL",
            "This server has no public URL (OCTOLENS_PUBLIC_URL), so Octolens cannot reach its webhook receiver.",
            extra={"sent": False},
        )
    organisation = await watch.org_id(api, access)
    url = hub.url(organisation)
    feed_id = await watch.resolve_feed(api, args.feed, {}, fresh=True)
    feed = await read_object(api, feeds.GET, {"id": feed_id})  # fresh: what is sent back is what is stored now
    name = str(feed.get("name") or feed_id)
    before = feeds.destinations_of(feed)
    ours = [d for d in before if hub.ours(feeds.webhook_url(d))]
    current = any(feeds.webhook_url(d) == url for d in ours)
    others = [d for d in before if not any(d is o for o in ours)]
    if connect:
        foreign = [d for d in others if feeds.is_webhook(d)]
        if foreign:
            raise OctolensError(
                "WEBHOOK_TAKEN",
                f"Feed {feed_id} already delivers to another webhook, and a feed holds one; remove it first "
                "(update_feed) if this server should replace it.",
                extra={"sent": False},
            )
        after = (
            before if current and len(ours) == 1 else [*others, {**NEW_DESTINATION, "webhookDestination": {"url": url}}]
        )
    else:
        after = others
    changed = after != before
    out: dict[str, Any] = {"feed": {"id": feed_id, "name": name}}
    if args.preview:
        return {**out, "preview": True, "changed": changed, "connected": connect, "destinations": after}
    if changed:
        await api.call(feeds.UPDATE, {"id": feed_id, "destinations": after})
    if connect:
        await hub.inbox.connect(organisation, feed_id, name)
    else:
        await hub.inbox.disconnect(organisation, feed_id, watch.UNCONNECTED_MEMORY)
    return {**out, "connected": connect, "changed": changed}


async def _connect(api: Api, op: Operation, args: FeedWebhookInput) -> dict[str, Any]:
    return await _change(api, op, args, connect=True)


async def _disconnect(api: Api, op: Operation, args: FeedWebhookInput) -> dict[str, Any]:
    return await _change(api, op, args, connect=False)


async def _watch(api: Api, op: Operation, args: WatchMentionsInput) -> dict[str, Any]:
    return await watch.watch(api, args)


def _resume(args: WatchMentionsInput, result: dict[str, Any], offset: int) -> dict[str, Any] | None:
    """A result cut after ``offset`` of its mentions goes on from its ``since`` skipping those (that cursor
    also replaces the result's own ``cursor``, which named the end of every mention found: ``continues``)."""
    since = watch.Cursor.parse(result.get("since") if isinstance(result.get("since"), str) else None)
    if since is None:
        return None
    cursor = since.skipping(offset).text()
    feed = result.get("feed")
    more: dict[str, Any] = {"since": cursor, "waitSeconds": 0}
    if isinstance(feed, dict) and isinstance(feed.get("id"), int):
        more = {"feed": feed["id"], **more}
    if args.detail is not None:
        more["detail"] = args.detail
    return more


def _feed_webhook(name: str, title: str, description: str, runner: Runner) -> Operation:
    """connect_feed_webhook or disconnect_feed_webhook: a read-modify-write of the feed's destinations."""
    return Operation(
        name=name,
        method=feeds.UPDATE.method,
        path=feeds.UPDATE.path,
        scope="write",
        toolset="webhooks",
        title=title,
        description=description,
        input=FeedWebhookInput,
        output=FeedWebhookChange,
        read_only=False,
        destructive=False,
        idempotent=True,
        changes=feeds.UPDATE.changes,
        runner=runner,
        verify="call get_feed and look for this server's webhook destination",
    )


CONNECT = _feed_webhook(
    "connect_feed_webhook",
    "Connect feed to this server",
    "Make Octolens push a feed's new mentions to this server (for watch_mentions); keeps its other destinations.",
    _connect,
)
DISCONNECT = _feed_webhook(
    "disconnect_feed_webhook",
    "Disconnect feed from this server",
    "Remove this server's webhook from a feed; keeps its other destinations.",
    _disconnect,
)

WATCH = Operation(
    name="watch_mentions",
    method=mentions.LIST.method,
    path=mentions.LIST.path,
    scope="read",
    toolset="webhooks",
    title="Watch for new mentions",
    description="Mentions that arrived after cursor (since); waits up to waitSeconds for one. A connected feed "
    "costs no API request; otherwise polls at most once a minute.",
    input=WatchMentionsInput,
    output=WatchResult,
    read_only=True,
    destructive=False,
    idempotent=False,
    open_world=True,
    items=Items(field="data", kind=mentions.MENTION, whole=mentions.by_source_id, table=True),
    paging=OffsetResume("watch_mentions", _resume, continues=("cursor", "since")),
    timeout=90.0,
    runner=_watch,
)

OPERATIONS = (CONNECT, DISCONNECT, WATCH)
