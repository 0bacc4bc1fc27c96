"""``watch_mentions``: what arrived after a cursor, waiting for it when nothing has.

Webhook mode (a connected feed, on the HTTP transport): read the feed's inbox, wait on it; no API request
once the key's organisation is known. Polling mode (a feed that is not connected, no feed, or stdio): ask
``POST /mentions`` only for mentions newer than the high-water mark, at most once per ``poll_interval``
per key and feed, and not at all while the hourly budget is low.

A cursor is ``w:<inbox position>`` or ``p:<newest timestamp seen>``; a cursor of the other mode, or of
another replica's memory, starts from now.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from octolens_mcp.catalog import mentions, org
from octolens_mcp.catalog._reads import read_object
from octolens_mcp.catalog.models.common import FEED_NAME
from octolens_mcp.catalog.models.webhooks import WatchMentionsInput
from octolens_mcp.catalog.names import Names
from octolens_mcp.catalog.operation import Api
from octolens_mcp.http.errors import OctolensError, refused
from octolens_mcp.webhooks import Access
from octolens_mcp.webhooks.hub import PollState

BATCH = 50
"""Most mentions one result takes from an inbox (the rest come with the next cursor)."""
POLL_PAGE = 100
LOW_BUDGET = 50
"""Polling stops while fewer requests than this are left in the hour: they are the agent's other work's."""
PROGRESS_EVERY = 10.0
RECENT = 500


def rest_now(wall: float) -> str:
    moment = datetime.fromtimestamp(wall, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def iso_of(rest: str) -> str:
    """A REST mention timestamp as the ISO 8601 instant filters take."""
    return rest.replace(" ", "T", 1) + "Z"


def access_of(api: Api) -> Access:
    access = api.webhooks
    if access is None:
        raise OctolensError("NOT_AVAILABLE", "This server keeps no webhook inboxes for this call.")
    return access


async def org_id(api: Api, access: Access) -> str:
    """The key's organisation: remembered, else ``GET /org`` once."""
    known = await access.hub.inbox.org_of(access.key)
    if known is not None:
        return known
    body = await read_object(api, org.GET_ORG)
    ident = body.get("organizationId")
    if not isinstance(ident, str) or not ident:
        raise OctolensError("INVALID_RESPONSE", "GET /org named no organizationId.", extra={"sent": True})
    await access.hub.inbox.remember_org(access.key, ident)
    return ident


async def resolve_feed(api: Api, value: int | str, connected: dict[int, str], *, fresh: bool) -> int:
    """A feed id from an id or an exact name (the connected feeds' names first: no request)."""
    if isinstance(value, int):
        return value
    named = [feed for feed, name in connected.items() if name == value]
    if len(named) == 1:
        return named[0]
    return await Names(api, fresh=fresh).id_of(FEED_NAME, value, "feed")


async def watch(api: Api, args: WatchMentionsInput) -> dict[str, Any]:
    access = access_of(api)
    hub = access.hub
    deadline = hub.clock() + min(float(args.waitSeconds), max(0.0, api.seconds_left() - 5.0))
    if hub.receiving:
        organisation = await org_id(api, access)
        connected = await hub.inbox.connected(organisation)
        feed = await resolve_feed(api, args.feed, connected, fresh=False) if args.feed is not None else None
        if feed is None and len(connected) == 1:
            feed = next(iter(connected))
        elif feed is None and connected:
            names = ", ".join(f"{name} ({ident})" for ident, name in sorted(connected.items()))
            raise refused("feed", f"several feeds are connected; name one of: {names}")
        if feed is not None and feed in connected:
            return await _from_inbox(api, access, organisation, feed, connected[feed], args, deadline)
    else:
        feed = await resolve_feed(api, args.feed, {}, fresh=False) if args.feed is not None else None
    return await _polling(api, access, feed, args, deadline)


async def _from_inbox(
    api: Api, access: Access, organisation: str, feed: int, name: str, args: WatchMentionsInput, deadline: float
) -> dict[str, Any]:
    hub, inbox = access.hub, access.hub.inbox
    since = args.since[2:] if args.since and args.since.startswith("w:") else None
    position = since if since is not None else await inbox.head(organisation, feed)
    found, after = await inbox.after(organisation, feed, position, BATCH)
    said = False
    while not found and hub.clock() < deadline:
        if not said:
            await api.progress(f"waiting up to {deadline - hub.clock():.0f}s for Octolens to deliver a mention")
            said = True
        slice_ = min(PROGRESS_EVERY, deadline - hub.clock())
        if await inbox.wait(organisation, feed, position, slice_):
            found, after = await inbox.after(organisation, feed, position, BATCH)
        elif hub.clock() < deadline:
            await api.progress(f"still waiting ({deadline - hub.clock():.0f}s left)")
    return {
        "mode": "webhook",
        "cursor": f"w:{after}",
        "since": f"w:{position}",
        "feed": {"id": feed, "name": name},
        "data": found,
    }


async def _polling(
    api: Api, access: Access, feed: int | None, args: WatchMentionsInput, deadline: float
) -> dict[str, Any]:
    hub = access.hub
    state = hub.polls.setdefault((access.key, feed), PollState())
    given = args.since[2:] if args.since and args.since.startswith("p:") else None
    mark = given if given is not None else rest_now(hub.wall())
    out: dict[str, Any] = {"mode": "polling", "since": f"p:{mark}", "feed": {"id": feed} if feed is not None else None}
    while True:
        fresh = sorted(
            (m for m in state.recent if isinstance(m.get("timestamp"), str) and m["timestamp"] > mark),
            key=lambda m: str(m["timestamp"]),
        )[:BATCH]
        if fresh:
            return {**out, "cursor": f"p:{fresh[-1]['timestamp']}", "data": fresh}
        if state.remaining is not None and state.remaining < LOW_BUDGET and hub.wall() < (state.reset_at or 0):
            stopped = f"budget low: {state.remaining} requests left until the hour resets; not asking the API"
            resets = round(max(0.0, (state.reset_at or 0) - hub.wall()), 1)
            return {**out, "cursor": f"p:{mark}", "data": [], "stopped": stopped, "nextPollSeconds": resets}
        wait = 0.0 if state.last is None else state.last + hub.settings.poll_interval - hub.clock()
        if wait <= 0:
            await _poll(api, access, state, feed, max(filter(None, (state.high_water, mark))))
            continue
        if hub.clock() + wait >= deadline:
            # The next request is due after this call's wait: wait it out (nothing can arrive meanwhile).
            if deadline > hub.clock():
                await api.progress(f"polling: next request to the API in {wait:.0f}s, after this call")
                await hub.sleep(deadline - hub.clock())
            left = state.last + hub.settings.poll_interval - hub.clock() if state.last is not None else 0.0
            return {**out, "cursor": f"p:{mark}", "data": [], "nextPollSeconds": round(max(0.0, left), 1)}
        await api.progress(f"polling: next request to the API in {wait:.0f}s")
        await hub.sleep(wait)


async def _poll(api: Api, access: Access, state: PollState, feed: int | None, start: str) -> None:
    """One ``POST /mentions`` for what is newer than ``start``; remembered in ``state``."""
    data: dict[str, Any] = {"limit": POLL_PAGE, "filters": {"startDate": iso_of(start)}}
    if feed is not None:
        data["view"] = feed
    state.last = access.hub.clock()  # a failed request counts too: the next waits its interval
    response = await api.call(mentions.LIST, data)
    if response.rate_limit is not None:
        state.remaining, state.reset_at = response.rate_limit.remaining, response.rate_limit.reset_at
    rows = response.body.get("data") if isinstance(response.body, dict) else None
    seen = {m.get("sourceId") for m in state.recent}
    for row in rows if isinstance(rows, list) else []:
        new = isinstance(row, dict) and isinstance(row.get("timestamp"), str) and row["timestamp"] > start
        if new and row.get("sourceId") not in seen:
            state.recent.append(row)
    state.recent = sorted(state.recent, key=lambda m: str(m.get("timestamp")))[-RECENT:]
    newest = [m["timestamp"] for m in state.recent if isinstance(m.get("timestamp"), str)]
    state.high_water = max([start, *newest])
