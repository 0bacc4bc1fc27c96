"""JSON as the text an agent reads: compact, one line, whatever the data holds."""

from __future__ import annotations

import json
from typing import Any

_LINE_SEPARATORS = (("\x85", "\\u0085"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def json_text(value: Any) -> str:
    """Compact JSON on one line: the line separators JSON leaves raw (U+0085, U+2028, U+2029) are escaped too."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if not text.isascii():  # str.replace scans at C speed; str.translate with a table is many times slower
        for raw, escaped in _LINE_SEPARATORS:
            if raw in text:
                text = text.replace(raw, escaped)
    return text
