"""JSON as the text an agent reads: compact, one line, whatever the data holds."""

from __future__ import annotations

import json
import math
from typing import Any

from octolens_mcp.jsonscan import rebuild

_LINE_SEPARATORS = (("\x85", "\\u0085"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def json_text(value: Any) -> str:
    """Compact JSON on one line, valid JSON whatever ``value`` holds.

    The line separators JSON leaves raw (U+0085, U+2028, U+2029) are escaped too, and a NaN or ±Infinity
    (which ``json.loads`` accepts from an upstream, and ``json.dumps`` would write bare) is written ``null``.
    Such numbers are rare: the value is copied without them only after a first attempt refuses them.
    """
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:  # a non-finite float (or a circular value, which fails again below)
        text = json.dumps(rebuild(value, _finite), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if not text.isascii():  # str.replace scans at C speed; str.translate with a table is many times slower
        for raw, escaped in _LINE_SEPARATORS:
            if raw in text:
                text = text.replace(raw, escaped)
    return text


def _finite(item: Any) -> Any:
    return None if isinstance(item, float) and not math.isfinite(item) else item
