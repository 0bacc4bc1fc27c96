"""Webhook deliveries, as Octolens makes them (reference §9): one ``POST`` per new mention to each feed whose
destinations hold a ``WEBHOOK``, when the mention matches the feed.

The body is ``{"action": "mention_created", "data": {...}}`` in the webhook's own spelling: relevance as
``high``/``medium``/``low``, tags as display names, an ISO 8601 timestamp, a language code, and the author and
feed fields under their webhook names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx2

from octolens_sandbox.matching import feed_matches
from octolens_sandbox.seed import LANGUAGES, iso

if TYPE_CHECKING:
    from octolens_sandbox.app import Sandbox

RELEVANCE_WORDS = {0: "high", 1: "medium", 2: "low"}
CODES = {name: code for code, name in LANGUAGES.items()}


@dataclass(frozen=True)
class Delivery:
    url: str
    body: dict[str, Any]
    status: int | None = None
    """The receiver's answer; None when it could not be reached."""


def display_tag(tag: str) -> str:
    return " ".join(word.capitalize() for word in tag.split("_"))


def payload(mention: dict[str, Any], feed: dict[str, Any]) -> dict[str, Any]:
    moment: datetime = mention["_moment"]
    keywords = [k["keyword"] for k in mention.get("keywords") or []]
    data: dict[str, Any] = {
        "title": mention.get("title"),
        "body": mention.get("body"),
        "url": mention.get("url"),
        "timestamp": iso(moment),
        "imageUrl": mention.get("imageUrl"),
        "author": mention.get("author"),
        "authorName": mention.get("authorName"),
        "authorAvatarUrl": mention.get("authorAvatar"),
        "authorProfileLink": mention.get("authorUrl"),
        "authorFollowerCount": mention.get("authorFollowers"),
        "source": mention.get("source"),
        "sourceId": mention["sourceId"],
        "relevanceScore": RELEVANCE_WORDS.get(mention.get("relevanceScore")),  # type: ignore[arg-type]
        "relevanceComment": mention.get("relevanceComment"),
        "keyword": keywords[0] if keywords else None,
        "keywords": keywords,
        "sentimentLabel": mention.get("sentiment"),
        "tags": [display_tag(tag) for tag in mention.get("tags") or []],
        "language": CODES.get(str(mention.get("language")), "und"),
        "viewId": feed["id"],
        "viewName": feed.get("name"),
        "viewKeywords": [],
    }
    if mention.get("source") == "reddit":
        data["subreddit"] = mention.get("subreddit", "r/test")
    return {"action": "mention_created", "data": data}


def targets(sb: Sandbox, mention: dict[str, Any]) -> list[Delivery]:
    """The deliveries Octolens would make for a new ``mention``."""
    out = []
    for feed in sb.feeds.values():
        if not feed_matches(mention, feed):
            continue
        for destination in feed.get("destinations") or []:
            if destination.get("type") == "WEBHOOK":
                out.append(Delivery(destination["webhookDestination"]["url"], payload(mention, feed)))
    return out


async def deliver(deliveries: list[Delivery], transport: httpx2.AsyncBaseTransport | None = None) -> list[Delivery]:
    """POST each delivery (JSON, no signature); the answers as they came."""
    done = []
    async with httpx2.AsyncClient(transport=transport, timeout=5.0) as client:
        for delivery in deliveries:
            try:
                response = await client.post(
                    delivery.url, content=json.dumps(delivery.body), headers={"Content-Type": "application/json"}
                )
                done.append(Delivery(delivery.url, delivery.body, response.status_code))
            except httpx2.HTTPError:
                done.append(Delivery(delivery.url, delivery.body, None))
    return done
