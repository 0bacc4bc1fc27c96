"""Octolens's webhook payload, validated and mapped explicitly to the REST Mention shape.

Facts from the API reference (§9, §2.10, §2.11), copied here: a ``WEBHOOK`` destination receives one
``POST`` per mention, ``Content-Type: application/json``, no signature, body
``{"action": "mention_created", "data": {...}}``. ``data`` differs from the REST Mention:

============================  ==============================  =========================================
webhook field                 REST Mention field              conversion
============================  ==============================  =========================================
``relevanceScore``            ``relevanceScore``              ``high``/``medium``/``low`` -> 0/1/2
``tags``                      ``tags``                        display name -> snake_case
``timestamp``                 ``timestamp``                   ISO 8601 -> ``YYYY-MM-DD HH:mm:ss.SSS`` UTC
``sentimentLabel``            ``sentiment``                   as is (Title case)
``authorProfileLink``         ``authorUrl``                   as is
``authorAvatarUrl``           ``authorAvatar``                as is
``authorFollowerCount``       ``authorFollowers``             as is
``keywords`` (string[])       ``keywords`` ({keyword}[])      each name as ``{"keyword": name}``, no id
``viewId``                    ``view``                        the feed id (``list_mentions``'s ``view``)
``viewName``                  ``viewName``                    the feed's name
``title``, ``body``, ``url``, ``source``, ``sourceId``, ``author``, ``authorName``, ``imageUrl``,
``relevanceComment``: the same name and meaning.
============================  ==============================  =========================================

Everything else (``language`` is an ISO 639-1 code where REST has a full name, the legacy ``keyword``,
``subreddit``, ``viewKeywords``, fields Octolens adds later) is kept under ``WEBHOOK_ONLY``, unconverted:
nothing is guessed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

ACTION = "mention_created"
WEBHOOK_ONLY = "webhookOnlyFields"
"""Where a mapped mention keeps the payload's fields that have no REST counterpart, as sent."""
RELEVANCE_SCORES = {"high": 0, "medium": 1, "low": 2}
_RENAMED = {
    "sentimentLabel": "sentiment",
    "authorProfileLink": "authorUrl",
    "authorAvatarUrl": "authorAvatar",
    "authorFollowerCount": "authorFollowers",
    "viewId": "view",
    "viewName": "viewName",
}
_SAME = ("title", "body", "url", "source", "sourceId", "author", "authorName", "imageUrl", "relevanceComment")
_TEXT = (*_SAME, "sentimentLabel", "authorProfileLink", "authorAvatarUrl", "viewName")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


class BadPayload(ValueError):
    """The body is not a webhook delivery this receiver can read (answered 400)."""


class Ignored(Exception):
    """A well-formed delivery of an action other than ``mention_created`` (acknowledged, not stored)."""


def snake_tag(display: str) -> str:
    """``Buy Intent`` -> ``buy_intent``, ``Own Brand Mention`` -> ``own_brand_mention``."""
    return _NOT_WORD.sub("_", display.strip().lower()).strip("_")


def rest_timestamp(iso: str) -> str:
    """An ISO 8601 instant as the REST API writes mention timestamps: UTC, a space, milliseconds, no ``Z``."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        raise BadPayload("data.timestamp is not ISO 8601") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the reference's ISO timestamps are UTC
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def parse(payload: Any) -> tuple[int, dict[str, Any]]:
    """The feed id and the REST-shaped mention of a delivery; ``BadPayload`` or ``Ignored`` otherwise."""
    if not isinstance(payload, dict):
        raise BadPayload("the body is not a JSON object")
    action = payload.get("action")
    if not isinstance(action, str):
        raise BadPayload("action is missing")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise BadPayload("data is not an object")
    if action != ACTION:
        raise Ignored(action)
    return _view(data), to_mention(data)


def feed_name(mention: dict[str, Any]) -> str | None:
    """The name of the feed a mapped delivery came through (``viewName``), when it carries one."""
    name = mention.get(_RENAMED["viewName"])
    return name if isinstance(name, str) and name else None


def _view(data: dict[str, Any]) -> int:
    view = data.get("viewId")
    if isinstance(view, str) and view.isascii() and view.isdigit():
        view = int(view)
    if not isinstance(view, int) or isinstance(view, bool) or view < 0:
        raise BadPayload("data.viewId (the feed id) is missing or not an integer")
    return view


def to_mention(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` mapped field by field to the REST Mention shape (see the module's table)."""
    source_id = data.get("sourceId")
    if not isinstance(source_id, str) or not source_id.strip() or len(source_id) > 512:
        raise BadPayload("data.sourceId is missing")
    for name in _TEXT:
        if data.get(name) is not None and not isinstance(data[name], str):
            raise BadPayload(f"data.{name} is not a string")
    mention: dict[str, Any] = {name: data[name] for name in _SAME if name in data}
    for given, rest in _RENAMED.items():
        if given in data:
            mention[rest] = data[given]
    mention["view"] = _view(data)
    followers = data.get("authorFollowerCount")
    if followers is not None and (not isinstance(followers, int | float) or isinstance(followers, bool)):
        raise BadPayload("data.authorFollowerCount is not a number")
    if "timestamp" in data:
        if not isinstance(data["timestamp"], str):
            raise BadPayload("data.timestamp is not a string")
        mention["timestamp"] = rest_timestamp(data["timestamp"])
    if "relevanceScore" in data:
        score = data["relevanceScore"]
        if score is not None and score not in RELEVANCE_SCORES:
            raise BadPayload("data.relevanceScore is not high, medium or low")
        mention["relevanceScore"] = None if score is None else RELEVANCE_SCORES[score]
    if "tags" in data:
        mention["tags"] = [snake_tag(tag) for tag in _strings(data["tags"], "tags")]
    if "keywords" in data:
        mention["keywords"] = [{"keyword": name} for name in _strings(data["keywords"], "keywords")]
    known = {*_SAME, *_RENAMED, "timestamp", "relevanceScore", "tags", "keywords"}
    unmapped = {key: value for key, value in data.items() if key not in known}
    if unmapped:
        mention[WEBHOOK_ONLY] = unmapped
    return mention


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadPayload(f"data.{name} is not a list of strings")
    return list(value)
