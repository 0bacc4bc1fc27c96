"""Reads that runners make before they write: always fresh, never from the reference-data cache."""

from __future__ import annotations

from typing import Any

from octolens_mcp.catalog.operation import Api, CursorPages, Operation
from octolens_mcp.http.errors import OctolensError


async def read_object(api: Api, op: Operation, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The object ``op`` answers now."""
    body = (await api.call(op, data, fresh=True)).body
    if not isinstance(body, dict):
        raise OctolensError("INVALID_RESPONSE", f"{op.operation_id} did not answer an object.", extra={"sent": True})
    return body


async def read_rows(api: Api, op: Operation) -> list[dict[str, Any]]:
    """The ``data`` rows of the bounded list ``op`` answers now."""
    rows = rows_of((await api.call(op, fresh=True)).body)
    if rows is None:
        raise OctolensError("INVALID_RESPONSE", f"{op.operation_id} did not answer a list.", extra={"sent": True})
    return rows


def rows_of(body: Any) -> list[dict[str, Any]] | None:
    """The object rows of a bounded list's answer (``{data: [...]}`` or a bare array); None when it is neither."""
    rows = body.get("data") if isinstance(body, dict) else body
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else None


def feed_keyword_ids(feed: dict[str, Any]) -> set[int]:
    """The keyword ids a stored feed's filter references (its ``Keywords`` conditions, simple or advanced)."""
    conditions: list[Any] = []
    simple = feed.get("simpleFilters")
    if isinstance(simple, dict) and isinstance(simple.get("conditions"), list):
        conditions += simple["conditions"]
    advanced = feed.get("advancedFilters")
    if isinstance(advanced, dict) and isinstance(advanced.get("groups"), list):
        for group in advanced["groups"]:
            if isinstance(group, dict) and isinstance(group.get("conditions"), list):
                conditions += group["conditions"]
    ids: set[int] = set()
    for condition in conditions:
        if isinstance(condition, dict) and condition.get("field") == "Keywords":
            ids |= {
                int(v)
                for v in str(condition.get("values", "")).split(",")
                if v.strip().isascii() and v.strip().isdigit()
            }
    return ids


def page_of(op: Operation, body: Any) -> tuple[list[dict[str, Any]], str | None]:
    """The rows of one page of the cursor-paged list ``op`` answered, and the cursor to the next (None: the last).

    Both where ``op`` declares them (``Items.field``, ``CursorPages.cursor_at``).
    """
    if op.items is None or not isinstance(op.paging, CursorPages):
        raise TypeError(f"{op.operation_id} declares no cursor-paged items")
    rows = body.get(op.items.field) if isinstance(body, dict) else None
    holder: Any = body
    for step in op.paging.cursor_at:
        holder = holder.get(step) if isinstance(holder, dict) else None
    cursor = holder if isinstance(holder, str) and holder else None
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else [], cursor
