"""``watch_mentions``: what arrived after a cursor, waiting for it when nothing has.

Webhook mode (a connected feed, on the HTTP transport or on stdio sharing the team server's Redis): read the
feed's inbox, wait on it; no API request once the key's organisation is known. A feed not known to be
connected (a memory-only server forgets on restart) is read once, fresh: if it delivers to this server's URL
it is remembered as connected, otherwise that answer is believed for ``UNCONNECTED_MEMORY`` seconds. With no
feed named and none known, the feed list is read the same way, once, for the feeds that deliver here.
Polling mode (a feed that is not connected, no feed, or stdio without Redis): ask ``POST /mentions`` only
for mentions newer than the high-water mark, at most once per ``poll_interval`` per key and feed, and not at
all while the hourly budget is low.

A cursor is ``w:<inbox position>`` or ``p:<timestamp>`` ("after this instant"), or ``p:<timestamp>|<sourceId>``
when a result ends inside an instant (mentions are ordered by timestamp, then sourceId, so equal timestamps
are neither lost nor repeated). ``w+<n>:…``/``p+<n>:…`` skip the first ``n`` mentions after it:
the cursor of a result cut by the budget, which goes on exactly after its last row. A cursor of the other
mode starts from now; a memory inbox's position from before a restart reads the inbox from its start.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from octolens_mcp.catalog import feeds, mentions, org
from octolens_mcp.catalog._reads import page_of, read_object, read_rows
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
POLL_PAGES = 5
"""Most pages one poll reads, when more than a page of mentions arrived in one interval (each is a request);
beyond them the result names the gap instead of losing it silently."""
LOW_BUDGET = 50
"""Polling stops while fewer requests than this are left in the hour: they are the agent's other work's."""
PROGRESS_EVERY = 10.0
RECENT = 500
UNCONNECTED_MEMORY = 600.0
"""Seconds an answer that a feed does not deliver to this server is believed (a read of the feed, or
disconnect_feed_webhook): polling that feed re-reads it at most this often; connect_feed_webhook ends it."""
MAX_SKIP_DIGITS = 6


@dataclass(frozen=True)
class Cursor:
    """Where a watch continues: after ``at`` (an inbox position, or a mention's polling key), then ``skip`` more."""

    mode: Literal["w", "p"]
    at: str
    skip: int = 0

    def text(self) -> str:
        return f"{self.mode}{f'+{self.skip}' if self.skip else ''}:{self.at}"

    def skipping(self, count: int) -> Cursor:
        return replace(self, skip=self.skip + count)

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor ``text`` names; None for none (or one this server did not write: it starts from now)."""
        head, colon, at = (text or "").partition(":")
        mode, plus, skip = head.partition("+")
        if not colon or mode not in ("w", "p"):
            return None
        if plus and not (skip.isascii() and skip.isdigit() and len(skip) <= MAX_SKIP_DIGITS):
            return None
        return cls("w" if mode == "w" else "p", at, int(skip) if plus else 0)


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
    ident = await access.hub.organisation(access.key, lambda: read_object(api, org.GET_ORG))
    if ident is None:
        raise OctolensError("INVALID_RESPONSE", "GET /org named no organizationId.", extra={"sent": True})
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
        if args.feed is None and not connected:
            connected = await _feeds_delivering_here(api, access, organisation)
        feed = await resolve_feed(api, args.feed, connected, fresh=False) if args.feed is not None else None
        if feed is None and len(connected) == 1:
            feed = next(iter(connected))
        elif feed is None and connected:
            names = ", ".join(f"{name} ({ident})" for ident, name in sorted(connected.items()))
            raise refused("feed", f"several feeds are connected; name one of: {names}")
        if feed is not None and feed not in connected:
            name = await _delivers_here(api, access, organisation, feed)
            if name is not None:
                connected[feed] = name
        if feed is not None and feed in connected:
            return await _from_inbox(api, access, organisation, feed, connected[feed], args, deadline)
    else:
        feed = await resolve_feed(api, args.feed, {}, fresh=False) if args.feed is not None else None
    return await _polling(api, access, feed, args, deadline)


async def _delivers_here(api: Api, access: Access, organisation: str, feed: int) -> str | None:
    """Whether ``feed`` delivers to this server, for a feed not known to: its name if so.

    One fresh ``GET /feeds/{id}`` (what is stored now), unless a recent answer said no. Either answer is
    remembered: yes until disconnect_feed_webhook, no for ``UNCONNECTED_MEMORY`` seconds.
    """
    hub, inbox = access.hub, access.hub.inbox
    url = hub.url(organisation)
    if url is None or await inbox.unconnected(organisation, feed):
        return None  # without a public URL nothing is delivered here: no request
    body = await read_object(api, feeds.GET, {"id": feed})
    if not any(feeds.webhook_url(d) == url for d in feeds.destinations_of(body)):
        await inbox.disconnect(organisation, feed, UNCONNECTED_MEMORY)
        return None
    name = body.get("name")
    known = name if isinstance(name, str) and name else str(feed)
    await inbox.connect(organisation, feed, known)
    return known


async def _feeds_delivering_here(api: Api, access: Access, organisation: str) -> dict[int, str]:
    """The feeds that deliver to this server, when none is known to (no feed named: "the connected one").

    One fresh ``GET /feeds``, unless a recent answer found none; what it finds is remembered as connected.
    """
    hub, inbox = access.hub, access.hub.inbox
    url = hub.url(organisation)
    if url is None or await inbox.unconnected(organisation, None):
        return {}
    found: dict[int, str] = {}
    for row in await read_rows(api, feeds.LIST):
        ident, name = row.get("id"), row.get("name")
        if isinstance(ident, int) and any(feeds.webhook_url(d) == url for d in feeds.destinations_of(row)):
            found[ident] = name if isinstance(name, str) and name else str(ident)
            await inbox.connect(organisation, ident, found[ident])
    if not found:
        await inbox.disconnect(organisation, None, UNCONNECTED_MEMORY)
    return found


async def _from_inbox(
    api: Api, access: Access, organisation: str, feed: int, name: str, args: WatchMentionsInput, deadline: float
) -> dict[str, Any]:
    hub, inbox = access.hub, access.hub.inbox
    given = Cursor.parse(args.since)
    if given is None or given.mode != "w":
        position = await inbox.head(organisation, feed)
    elif given.skip:  # a cut result's cursor: the position after the mentions it showed
        position = await inbox.skip(organisation, feed, given.at, given.skip)
    else:
        position = given.at
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
        "cursor": Cursor("w", after).text(),
        "since": Cursor("w", position).text(),
        "feed": {"id": feed, "name": name},
        "data": found,
    }


async def _polling(
    api: Api, access: Access, feed: int | None, args: WatchMentionsInput, deadline: float
) -> dict[str, Any]:
    hub = access.hub
    state = hub.polls.setdefault((access.key, feed), PollState())
    given = Cursor.parse(args.since)
    since = given if given is not None and given.mode == "p" else Cursor("p", rest_now(hub.wall()))
    mark, bar, last = since.at.partition("|")
    after_id = last if bar else None
    out: dict[str, Any] = {"mode": "polling", "since": since.text(), "feed": {"id": feed} if feed is not None else None}
    while True:
        if state.gap is not None and mark < state.gap[1]:
            out["gap"] = (
                f"more than {POLL_PAGES * POLL_PAGE} mentions arrived in one polling interval: those from "
                f"{state.gap[0]} to {state.gap[1]} were not read (list_mentions with startDate and endDate reads them)"
            )
        pending = sorted((m for m in state.recent if _later(m, mark, after_id)), key=_order)
        skipped, fresh = pending[: since.skip], pending[since.skip :][:BATCH]
        if fresh:
            return {**out, "cursor": _polled(fresh[-1], pending[len(skipped) + len(fresh) :]), "data": fresh}
        resolved = _polled(skipped[-1], pending[len(skipped) :]) if skipped else since.text()
        if state.remaining is not None and state.remaining < LOW_BUDGET and hub.wall() < (state.reset_at or 0):
            stopped = f"budget low: {state.remaining} requests left until the hour resets; not asking the API"
            resets = round(max(0.0, (state.reset_at or 0) - hub.wall()), 1)
            return {**out, "cursor": resolved, "data": [], "stopped": stopped, "nextPollSeconds": resets}
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
            return {**out, "cursor": resolved, "data": [], "nextPollSeconds": round(max(0.0, left), 1)}
        await api.progress(f"polling: next request to the API in {wait:.0f}s")
        await hub.sleep(wait)


def _order(mention: dict[str, Any]) -> tuple[str, str]:
    """The polling order: timestamp (the REST format sorts as text), then sourceId."""
    return str(mention.get("timestamp")), str(mention.get("sourceId"))


def _later(mention: dict[str, Any], mark: str, after_id: str | None) -> bool:
    """Whether ``mention`` comes after the cursor's mention (``after_id`` at ``mark``), or after ``mark`` itself."""
    stamp = mention.get("timestamp")
    if not isinstance(stamp, str):
        return False
    return stamp > mark or (after_id is not None and stamp == mark and str(mention.get("sourceId")) > after_id)


def _polled(mention: dict[str, Any], left: list[dict[str, Any]]) -> str:
    """The polling cursor just after ``mention``: its timestamp, and its sourceId when one of the mentions
    ``left`` after it shares that timestamp (a cut inside one instant)."""
    stamp, source_id = _order(mention)
    inside = any(m.get("timestamp") == stamp for m in left)
    return Cursor("p", f"{stamp}|{source_id}" if inside else stamp).text()


async def _poll(api: Api, access: Access, state: PollState, feed: int | None, start: str) -> None:
    """``POST /mentions`` for what is not older than ``start``, newest first, page after page while pages are
    full (at most ``POLL_PAGES``); remembered in ``state``."""
    data: dict[str, Any] = {"limit": POLL_PAGE, "filters": {"startDate": iso_of(start)}}
    if feed is not None:
        data["view"] = feed
    state.last = access.hub.clock()  # a failed request counts too: the next waits its interval
    cursor: str | None = None
    read: list[dict[str, Any]] = []
    for _ in range(POLL_PAGES):
        response = await api.call(mentions.LIST, {**data, "cursor": cursor} if cursor else data)
        if response.rate_limit is not None:
            state.remaining, state.reset_at = response.rate_limit.remaining, response.rate_limit.reset_at
        rows, cursor = page_of(mentions.LIST, response.body)
        read += rows
        if cursor is None or len(rows) < POLL_PAGE or (state.remaining is not None and state.remaining < LOW_BUDGET):
            break
    stamps = sorted(str(row["timestamp"]) for row in read if isinstance(row.get("timestamp"), str))
    state.gap = (start, stamps[0]) if cursor is not None and stamps else state.gap
    seen = {m.get("sourceId") for m in state.recent}
    for row in read:
        # At ``start`` too: a cursor inside a timestamp (``|sourceId``) still wants the rest of that instant.
        new = isinstance(row.get("timestamp"), str) and row["timestamp"] >= start
        if new and row.get("sourceId") not in seen:
            seen.add(row.get("sourceId"))
            state.recent.append(row)
    state.recent = sorted(state.recent, key=lambda m: str(m.get("timestamp")))[-RECENT:]
    newest = [m["timestamp"] for m in state.recent if isinstance(m.get("timestamp"), str)]
    state.high_water = max([start, *newest])
