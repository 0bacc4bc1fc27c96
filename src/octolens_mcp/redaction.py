"""Keeps API keys out of every log record and every tool result.

``protect(key)`` registers a secret; from then on every log record created in the process has it
replaced, in its message, its arguments and its formatted traceback, before any handler sees it,
and ``redact_value`` replaces it in a result (an upstream may echo the Authorization header back).

The HTTP server registers each request's key as the request arrives. So that a stream of made-up
keys can neither grow the registry without bound nor slow every result down, it keeps the
``RECENT_SECRETS`` most recently used keys (a key in use is registered again by each of its
requests) besides the pinned ones (the server's own key), and matches them all in one regex pass.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Any

from octolens_mcp.jsonscan import may_match

MASK = "ak_***"
RECENT_SECRETS = 512
SHORTEST_SECRET = 8
"""Shorter strings are not registered: no API key is that short, and masking one would mangle every log."""
_pinned: set[str] = set()
_recent: dict[str, None] = {}
_patterns: tuple[re.Pattern[str], re.Pattern[str]] | None = None
"""Every registered secret as written, and as ``json.dumps`` writes it inside a string (built together)."""
_lock = threading.Lock()
_installed = False


def _matchers() -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    global _patterns
    patterns = _patterns
    if patterns is None and (_pinned or _recent):
        with _lock:
            # Longest first, so a secret that contains another is replaced whole.
            secrets = sorted(_pinned | set(_recent), key=len, reverse=True)
            in_json = [json.dumps(secret, ensure_ascii=False)[1:-1] for secret in secrets]
            as_written = re.compile("|".join(map(re.escape, secrets)))
            # Keys are almost always plain ASCII, the same in JSON: then one pattern serves (compiling 512
            # keys takes tens of milliseconds on the event loop).
            escaped = as_written if in_json == secrets else re.compile("|".join(map(re.escape, in_json)))
            patterns = _patterns = (as_written, escaped)
    return patterns


def redact(text: str) -> str:
    patterns = _matchers()
    return patterns[0].sub(MASK, text) if patterns is not None else text


def redact_value(value: Any) -> Any:
    """``value`` (JSON-like) with every registered secret replaced in its strings and keys.

    Usually nothing matches: one search over the value as JSON text (at C speed), for each secret as
    JSON writes it, says so, and only a value with a match is walked.
    """
    patterns = _matchers()
    if patterns is None:
        return value
    as_written, in_json = patterns
    return _redacted(value, as_written) if may_match(in_json, value) else value


def _redacted(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(MASK, value) if pattern.search(value) else value
    if isinstance(value, dict):
        return {_redacted(k, pattern): _redacted(v, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(item, pattern) for item in value]
    return value


def protect(secret: str | None, *, pinned: bool = True) -> None:
    """Register ``secret`` (ignored when empty) and make sure log records are redacted.

    ``pinned`` secrets stay registered for the life of the process; the others (per-request keys) are
    the most recent ``RECENT_SECRETS``.
    """
    global _installed, _patterns
    if not secret or len(secret) < SHORTEST_SECRET:
        return
    with _lock:
        if pinned:
            if secret not in _pinned:
                _pinned.add(secret)
                _patterns = None
        elif secret in _recent:
            _recent[secret] = _recent.pop(secret)
        elif secret not in _pinned:
            _recent[secret] = None
            while len(_recent) > RECENT_SECRETS:
                del _recent[next(iter(_recent))]
            _patterns = None
        if _installed:
            return
        _installed = True
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(factory)


def _scrub(record: logging.LogRecord) -> None:
    if _matchers() is None:
        return
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
