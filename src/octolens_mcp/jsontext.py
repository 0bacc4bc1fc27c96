"""JSON as the text an agent reads, and searches over a value's JSON text.

``json_text`` writes the one-line JSON of every result's text block. ``may_match`` rules a match out
before a value is walked: one ``json.dumps`` and one search over a whole 50 MB answer hold the GIL for
most of a second each, which stalls the event loop even in a worker thread, so each list item (and each
other top-level value) is searched as its own piece: every C call stays short, and no JSON string spans
two pieces. ``rebuild`` copies a value with its leaves (and keys) rewritten, without recursion.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, Protocol

from pydantic_core import to_json

_LINE_SEPARATORS = (("\x85", "\\u0085"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def json_text(value: Any) -> str:
    """Compact JSON on one line, valid JSON whatever ``value`` holds.

    The line separators JSON leaves raw (U+0085, U+2028, U+2029) are escaped too, and a NaN or ±Infinity
    (which ``json.loads`` accepts from an upstream, and ``json.dumps`` would write bare) is written ``null``.
    Such numbers are rare: the value is copied without them only after a first attempt refuses them.
    """
    try:
        # pydantic-core writes what json.dumps would (compact, non-ASCII as is, NaN/±Infinity as null, the same
        # string escapes), three to four times as fast; floats in their shortest form (1e-7, not 1e-07).
        text = to_json(value, inf_nan_mode="null").decode()
    except (ValueError, TypeError, RecursionError):  # a lone surrogate, a circular value: the slow way decides
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except ValueError:  # a non-finite float (or a circular value, which fails again below)
            text = json.dumps(rebuild(value, _finite), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if not text.isascii():  # str.replace scans at C speed; str.translate with a table is many times slower
        for raw, escaped in _LINE_SEPARATORS:
            if raw in text:
                text = text.replace(raw, escaped)
    return text


def utf8_size(text: str) -> int:
    """``text``'s UTF-8 bytes: also the most tokens it can be (an o200k token is at least one byte)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _finite(item: Any) -> Any:
    return None if isinstance(item, float) and not math.isfinite(item) else item


_PIECE_CHARS = 64 * 1024
"""Pieces are merged up to about this size, so a list of small items does not cost a call each."""
_LONG_LIST = 500
"""Values without a longer list are searched whole: one call is faster, and short enough."""


class Searcher(Protocol):
    """A compiled pattern, or anything that searches text as one does (None: not found)."""

    def search(self, text: str, /) -> object | None: ...


def searchable(value: Any) -> str | None:
    """``value`` as the JSON text ``may_match`` searches whole, for several searches of one value; None when
    it is searched in pieces (a long list) or is not JSON-like all through."""
    try:
        return None if _has_long_list(value) else json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return None


def may_match(
    pattern: Searcher, value: Any, prepare: Callable[[str], str] | None = None, written: str | None = None
) -> bool:
    """False only when ``pattern`` matches nowhere in ``value`` as JSON (written with ``ensure_ascii=False``).

    True when it may: a match, or a value that is not JSON-like all through (then walk it to be sure).
    ``prepare``, when given, rewrites each piece of JSON text before it is searched; ``written`` is
    ``searchable(value)`` when the caller has it already.
    """

    def found(text: str) -> bool:
        return pattern.search(text if prepare is None else prepare(text)) is not None

    try:
        if written is None and not _has_long_list(value):
            written = json.dumps(value, ensure_ascii=False)
        if written is not None:
            return found(written)
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
