"""Sandbox routes: feeds, notifications and the destination object they share."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from octolens_sandbox.http import ApiError, Check, Request, Response, not_found, validation
from octolens_sandbox.matching import validate_feed_filters
from octolens_sandbox.routes._common import Route, no_body, only_query, path_int, query_bool

if TYPE_CHECKING:
    from octolens_sandbox.app import Sandbox

_TARGETS = {"EMAIL": "emailDestination", "SLACK": "slackDestination", "WEBHOOK": "webhookDestination"}


def _timezone_ok(value: str) -> bool:
    if re.fullmatch(r"UTC([+-](0?\d|1[0-4])(:[0-5]\d)?)?", value):
        return True
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _webhook_ok(url: str, loopback: bool = False) -> bool:
    parsed = urlparse(url)
    if loopback and parsed.scheme in ("http", "https") and parsed.hostname in ("127.0.0.1", "localhost"):
        return True  # test mode: the receiver under test listens on loopback
    host = (parsed.hostname or "").lower()
    if parsed.scheme not in ("http", "https") or not host or host == "localhost" or host.endswith(".local"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_private or address.is_loopback or address.is_link_local)


def destinations(sb: Sandbox, raw: Any, path: str = "destinations") -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise validation(path, "expected an array of destinations")
    result, seen = [], set()
    for index, item in enumerate(raw):
        check = Check(item, prefix=f"{path}[{index}]")
        kind = check.enum("type", tuple(_TARGETS), required=True)
        check.only(
            {"type", "frequency", "deliveryMode", "time", "timezone", "dayOfWeek", *([_TARGETS[kind]] if kind else [])}
        )
        frequency = check.enum("frequency", ("hourly", "hourlyAtTopOfHour", "daily", "weekly"), required=True)
        mode = check.enum("deliveryMode", ("batch", "individual"))
        time = check.string("time", pattern=r"([01]\d|2[0-3]):[0-5]\d")
        zone = check.string("timezone", min_len=1)
        day = check.integer("dayOfWeek", lo=0, hi=6)
        if frequency == "weekly" and day is None:
            check.fail("dayOfWeek", "weekly needs dayOfWeek")
        target = check.data.get(_TARGETS[kind]) if kind else None
        if kind and not isinstance(target, dict):
            check.fail(_TARGETS[kind], "required for this type")
        check.done()
        assert kind is not None and isinstance(target, dict)
        if kind in seen:
            raise validation(f"{path}[{index}].type", f"at most one {kind} destination")
        seen.add(kind)
        if zone is not None and not _timezone_ok(zone):
            raise ApiError(400, "INVALID_TIMEZONE", f"Invalid timezone {zone!r}")
        sub = Check(target, prefix=f"{path}[{index}].{_TARGETS[kind]}")
        if kind == "EMAIL":
            sub.only({"emails"})
            sub.string("emails", required=True, min_len=3)
        elif kind == "SLACK":
            sub.only({"channels", "channelNamesMap"})
            sub.string("channels", required=True, min_len=1)
        else:
            sub.only({"url"})
            sub.string("url", required=True, min_len=8)
        sub.done()
        if kind == "SLACK" and not sb.slack_connected:
            raise ApiError(400, "SLACK_NOT_CONNECTED", "Slack is not connected to this workspace")
        if kind == "WEBHOOK" and not _webhook_ok(target["url"], sb.loopback_webhooks):
            raise ApiError(400, "WEBHOOK_URL_INVALID", "Webhook URL must be a public http(s) address")
        stored = {
            "type": kind,
            "frequency": frequency,
            "deliveryMode": "individual" if kind == "WEBHOOK" else mode or "batch",
        }
        if frequency in ("daily", "weekly"):
            stored.update(time=time or "09:00", timezone=zone or "UTC")
        if day is not None:
            stored["dayOfWeek"] = day
        stored[_TARGETS[kind]] = dict(target)
        result.append(stored)
    return result


def _with_filters(sb: Sandbox, check: Check, feed: dict[str, Any]) -> None:
    simple = check.data.get("simpleFilters", feed.get("simpleFilters"))
    advanced = check.data.get("advancedFilters", feed.get("advancedFilters"))
    if (
        "simpleFilters" in check.data
        and check.data["simpleFilters"] is not None
        and "advancedFilters" not in check.data
    ):
        advanced = None
    if (
        "advancedFilters" in check.data
        and check.data["advancedFilters"] is not None
        and "simpleFilters" not in check.data
    ):
        simple = None
    validate_feed_filters(simple, advanced, set(sb.keywords))
    feed["simpleFilters"], feed["advancedFilters"] = simple, advanced


def list_feeds(sb: Sandbox, request: Request) -> Response:
    only_query(request, {"excludeWithNotifications"})
    exclude = query_bool(request, "excludeWithNotifications")
    with_notification = {n["feedId"] for n in sb.notifications.values()}
    rows = [f for f in sb.feeds.values() if not (exclude and f["id"] in with_notification)]
    return Response(body={"data": rows})


def create_feed(sb: Sandbox, request: Request) -> Response:
    check = Check(request.body)
    check.only({"name", "icon", "simpleFilters", "advancedFilters", "destinations"})
    name = check.string("name", required=True, min_len=1, max_len=200)
    icon = check.string("icon", required=True, min_len=1)
    check.done()
    now = sb.timestamp()
    feed: dict[str, Any] = {
        "id": 0,
        "name": name,
        "icon": icon,
        "simpleFilters": None,
        "advancedFilters": None,
        "isDefault": False,
        "destinations": [],
        "createdAt": now,
        "updatedAt": now,
    }
    _with_filters(sb, check, feed)
    if "destinations" in check.data:
        feed["destinations"] = destinations(sb, check.data["destinations"])
    feed["id"] = sb.next_id("feed")
    sb.feeds[feed["id"]] = feed
    return Response(body=feed)


def _feed(sb: Sandbox, request: Request) -> dict[str, Any]:
    feed_id = path_int(request, "id", "FEED_NOT_FOUND", "Feed")
    feed = sb.feeds.get(feed_id)
    if feed is None:
        raise not_found("FEED_NOT_FOUND", f"Feed {feed_id}")
    return feed


def get_feed(sb: Sandbox, request: Request) -> Response:
    return Response(body=_feed(sb, request))


def update_feed(sb: Sandbox, request: Request) -> Response:
    feed = _feed(sb, request)
    check = Check(request.body)
    check.only({"name", "icon", "simpleFilters", "advancedFilters", "isDefault", "destinations"})
    if not check.data:
        check.fail("", "send at least one field")
    name = check.string("name", min_len=1, max_len=200)
    icon = check.string("icon", min_len=1)
    is_default = check.boolean("isDefault")
    check.done()
    draft = dict(feed)
    _with_filters(sb, check, draft)
    if "destinations" in check.data:
        draft["destinations"] = destinations(sb, check.data["destinations"])
    draft.update({k: v for k, v in (("name", name), ("icon", icon), ("isDefault", is_default)) if v is not None})
    draft["updatedAt"] = sb.timestamp()
    feed.update(draft)
    return Response(body=feed)


def delete_feed(sb: Sandbox, request: Request) -> Response:
    no_body(request)
    feed = _feed(sb, request)
    del sb.feeds[feed["id"]]
    removed = [n["id"] for n in sb.notifications.values() if n["feedId"] == feed["id"]]
    for notification_id in removed:
        del sb.notifications[notification_id]
    return Response(body={"ok": True, "id": feed["id"], "deletedNotificationIds": removed})


# --- notifications -------------------------------------------------------------------------------


def _view(sb: Sandbox, notification: dict[str, Any]) -> dict[str, Any]:
    feed = sb.feeds.get(notification["feedId"])
    return {**notification, "feedName": feed["name"] if feed else None}


def list_notifications(sb: Sandbox, request: Request) -> Response:
    only_query(request, set())
    return Response(body={"data": [_view(sb, n) for n in sb.notifications.values()]})


def create_notification(sb: Sandbox, request: Request) -> Response:
    check = Check(request.body)
    check.only({"name", "feedId", "destinations", "enabled"})
    name = check.string("name", required=True, min_len=1, max_len=200)
    feed_id = check.integer("feedId", required=True, lo=1)
    enabled = check.boolean("enabled")
    if not isinstance(check.data.get("destinations"), list) or not check.data["destinations"]:
        check.fail("destinations", "at least one destination")
    check.done()
    if feed_id not in sb.feeds:
        raise not_found("FEED_NOT_FOUND", f"Feed {feed_id}")
    existing = next((n for n in sb.notifications.values() if n["feedId"] == feed_id), None)
    if existing is not None:
        raise ApiError(400, "ITEM_EXISTS", f"Feed {feed_id} already has notification {existing['id']}")
    now = sb.timestamp()
    notification: dict[str, Any] = {
        "id": sb.next_id("notification"),
        "name": name,
        "enabled": True if enabled is None else enabled,
        "feedId": feed_id,
        "destinations": destinations(sb, check.data["destinations"]),
        "createdAt": now,
        "updatedAt": now,
    }
    sb.notifications[notification["id"]] = notification
    return Response(body=_view(sb, notification))


def _notification(sb: Sandbox, request: Request) -> dict[str, Any]:
    notification_id = path_int(request, "id", "NOT_FOUND", "Notification")
    notification = sb.notifications.get(notification_id)
    if notification is None:
        raise not_found("NOT_FOUND", f"Notification {notification_id}")
    return notification


def get_notification(sb: Sandbox, request: Request) -> Response:
    return Response(body=_view(sb, _notification(sb, request)))


def update_notification(sb: Sandbox, request: Request) -> Response:
    notification = _notification(sb, request)
    check = Check(request.body)
    check.only({"name", "feedId", "enabled", "destinations"})
    if not check.data:
        check.fail("", "send at least one field")
    name = check.string("name", min_len=1, max_len=200)
    feed_id = check.integer("feedId", lo=1)
    enabled = check.boolean("enabled")
    check.done()
    if feed_id is not None:
        if feed_id not in sb.feeds:
            raise not_found("FEED_NOT_FOUND", f"Feed {feed_id}")
        other = next((n for n in sb.notifications.values() if n["feedId"] == feed_id and n is not notification), None)
        if other is not None:
            raise ApiError(400, "ITEM_EXISTS", f"Feed {feed_id} already has notification {other['id']}")
    new_destinations = destinations(sb, check.data["destinations"]) if "destinations" in check.data else None
    if new_destinations == []:
        raise validation("destinations", "at least one destination")
    for key, value in (("name", name), ("feedId", feed_id), ("enabled", enabled), ("destinations", new_destinations)):
        if value is not None:
            notification[key] = value
    notification["updatedAt"] = sb.timestamp()
    return Response(body=_view(sb, notification))


def delete_notification(sb: Sandbox, request: Request) -> Response:
    no_body(request)
    notification = _notification(sb, request)
    del sb.notifications[notification["id"]]
    return Response(body={"ok": True, "id": notification["id"]})


def test_notification(sb: Sandbox, request: Request) -> Response:
    no_body(request)
    notification = _notification(sb, request)
    if not notification["destinations"]:
        raise validation("destinations", "the notification has no destination to test")
    results = []
    for destination in notification["destinations"]:
        kind = destination["type"]
        target = next(iter(destination[_TARGETS[kind]].values()))
        failing = kind == "WEBHOOK" and "fail" in target
        results.append(
            {
                "type": kind,
                "target": target,
                "ok": not failing,
                "status": (500 if failing else 200) if kind == "WEBHOOK" else None,
                "error": "Webhook answered HTTP 500" if failing else None,
            }
        )
    return Response(body={"notificationId": notification["id"], "results": results})


ROUTES: tuple[Route, ...] = (
    ("GET", "/feeds", "read", list_feeds),
    ("POST", "/feeds", "write", create_feed),
    ("GET", "/feeds/{id}", "read", get_feed),
    ("PATCH", "/feeds/{id}", "write", update_feed),
    ("DELETE", "/feeds/{id}", "write", delete_feed),
    ("GET", "/notifications", "read", list_notifications),
    ("POST", "/notifications", "write", create_notification),
    ("GET", "/notifications/{id}", "read", get_notification),
    ("PATCH", "/notifications/{id}", "write", update_notification),
    ("DELETE", "/notifications/{id}", "write", delete_notification),
    ("POST", "/notifications/{id}/test", "write", test_notification),
)
