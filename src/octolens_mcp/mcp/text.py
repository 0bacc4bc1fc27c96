"""JSON as the text an agent reads: compact, one line, whatever the data holds."""

from __future__ import annotations

import json
from typing import Any

_LINE_SEPARATORS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def json_text(value: Any) -> str:
    """Compact JSON on one line: the line separators JSON leaves raw (U+0085, U+2028, U+2029) are escaped too."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_LINE_SEPARATORS)
