"""The kinds of record results list, and how each is shown compactly and read whole."""

from __future__ import annotations

from typing import Any

from octolens_mcp.catalog.operation import ItemKind

COMPACT_DROPS = frozenset(
    {
        "id",
        "url",
        "authorAvatar",
        "authorUrl",
        "authorName",
        "relevance",
        "relevanceComment",
        "imageUrl",
        "feedbackRelevant",
        "keywordId",
    }
)
"""Mention fields a compact result leaves out (``detail: "full"`` returns them)."""


def compact_mention(mention: dict[str, Any], body_chars: int, whole: str) -> dict[str, Any]:
    """A mention without nulls, empty lists, ``engaged: false`` and internal fields; a long body cut."""
    out: dict[str, Any] = {}
    for key, value in mention.items():
        if key in COMPACT_DROPS or value is None or value == [] or (key == "engaged" and value is False):
            continue
        if key == "keywords" and isinstance(value, list):
            value = [k.get("keyword") if isinstance(k, dict) else k for k in value]
            value = [{"keyword": name} for name in value if name is not None]
        out[key] = value
    body = out.get("body")
    if isinstance(body, str) and len(body) > body_chars:
        out["body"] = cut_text(body, body_chars, whole)
    return out


def cut_text(text: str, keep: int, whole: str) -> str:
    """``text`` cut after ``keep`` characters, with a marker saying how much is left and where it is."""
    return f"{text[:keep]}… [cut {len(text) - keep} chars; {whole}]"


def by_source_id(_result: dict[str, Any], item: dict[str, Any], _index: int) -> str | None:
    """A mention of the workspace is read whole by ``get_mention`` with its ``sourceId``."""
    source_id = item.get("sourceId")
    return "get_mention returns it whole" if isinstance(source_id, str) and source_id else None


MENTION = ItemKind(name="mention", identity=("sourceId", "id"), strangers=True, compact=compact_mention)
SUGGESTION = ItemKind(name="keyword suggestion", strangers=True)
"""Suggested from posts the keyword matched: their reasons quote strangers' text."""
KEYWORD = ItemKind(name="keyword")
FEED = ItemKind(name="feed")
NOTIFICATION = ItemKind(name="notification")
TAG = ItemKind(name="tag")
MEMBER = ItemKind(name="member")
INVITATION = ItemKind(name="invitation")
SEARCH = ItemKind(name="search", identity=("searchId",))
CHANNEL = ItemKind(name="Slack channel")
ROW = ItemKind(name="row", identity=())
"""A row of counts (analytics): no identity, nothing written by strangers."""
