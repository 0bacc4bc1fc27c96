"""A regex search over a value's JSON text, a piece at a time, to rule out a match before walking the value.

One ``json.dumps`` and one search over a whole 50 MB answer hold the GIL for most of a second each, which
stalls the event loop even when they run in a worker thread. Searching each list item (and each other
top-level value) as its own piece keeps every C call short, and no JSON string spans two pieces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_PIECE_CHARS = 64 * 1024
"""Pieces are merged up to about this size, so a list of small items does not cost a call each."""
_LONG_LIST = 500
"""Values without a longer list are searched whole: one call is faster, and short enough."""


def may_match(pattern: re.Pattern[str], value: Any, prepare: Callable[[str], str] | None = None) -> bool:
    """False only when ``pattern`` matches nowhere in ``value`` as JSON (written with ``ensure_ascii=False``).

    True when it may: a match, or a value that is not JSON-like all through (then walk it to be sure).
    ``prepare``, when given, rewrites each piece of JSON text before it is searched.
    """

    def found(text: str) -> bool:
        return pattern.search(text if prepare is None else prepare(text)) is not None

    try:
        if not _has_long_list(value):
            return found(json.dumps(value, ensure_ascii=False))
        batch: list[str] = []
        size = 0
        for piece in _pieces(value):
            batch.append(piece)
            size += len(piece)
            if size >= _PIECE_CHARS:
                if found("\n".join(batch)):
                    return True
                batch, size = [], 0
        return bool(batch) and found("\n".join(batch))
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


def rebuild(value: Any, leaf: Callable[[Any], Any], key: Callable[[str], str] | None = None) -> Any:
    """``value`` copied with ``leaf(item)`` in place of every item that is neither a dict nor a list.

    Dicts stay dicts, lists and tuples become lists; ``key`` (when given) rewrites every string dict key
    (two keys that become equal keep the later value, as ``json.loads`` does with a repeated key).
    An explicit stack, not recursion: a value nested 10,000 deep is copied like a flat one. A container met
    twice (shared, or holding itself) is copied once and the copy is shared the same way.
    """
    if not isinstance(value, (dict, list, tuple)):
        return leaf(value)
    copies: dict[int, Any] = {}
    root = copies[id(value)] = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, root)]

    def copied(item: Any) -> Any:
        if not isinstance(item, (dict, list, tuple)):
            return leaf(item)
        known = copies.get(id(item))
        if known is None:
            known = copies[id(item)] = {} if isinstance(item, dict) else []
            stack.append((item, known))
        return known

    while stack:
        source, target = stack.pop()
        if isinstance(source, dict):
            for name, item in source.items():
                target[key(name) if key is not None and isinstance(name, str) else name] = copied(item)
        else:
            target.extend(copied(item) for item in source)
    return root
