"""A regex search over a value's JSON text, a piece at a time, to rule out a match before walking the value.

One ``json.dumps`` and one search over a whole 50 MB answer hold the GIL for most of a second each, which
stalls the event loop even when they run in a worker thread. Searching each list item (and each other
top-level value) as its own piece keeps every C call short, and no JSON string spans two pieces.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PIECE_CHARS = 64 * 1024
"""Pieces are merged up to about this size, so a list of small items does not cost a call each."""
_LONG_LIST = 500
"""Values without a longer list are searched whole: one call is faster, and short enough."""


def may_match(pattern: re.Pattern[str], value: Any) -> bool:
    """False only when ``pattern`` matches nowhere in ``value`` as JSON (written with ``ensure_ascii=False``).

    True when it may: a match, or a value that is not JSON-like all through (then walk it to be sure).
    """
    try:
        if not _has_long_list(value):
            return pattern.search(json.dumps(value, ensure_ascii=False)) is not None
        batch: list[str] = []
        size = 0
        for piece in _pieces(value):
            batch.append(piece)
            size += len(piece)
            if size >= _PIECE_CHARS:
                if pattern.search("\n".join(batch)) is not None:
                    return True
                batch, size = [], 0
        return bool(batch) and pattern.search("\n".join(batch)) is not None
    except (TypeError, ValueError, RecursionError):
        return True


def _has_long_list(value: Any) -> bool:
    items = value.values() if isinstance(value, dict) else [value]
    return any(isinstance(item, list) and len(item) > _LONG_LIST for item in items)


def _pieces(value: Any) -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            yield json.dumps(key, ensure_ascii=False)
            yield from _items(item)
    else:
        yield from _items(value)


def _items(value: Any) -> Any:
    if isinstance(value, list):
        for item in value:
            yield json.dumps(item, ensure_ascii=False)
    else:
        yield json.dumps(value, ensure_ascii=False)
