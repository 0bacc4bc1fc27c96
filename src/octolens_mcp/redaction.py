"""Keeps API keys out of every log record and every tool result.

``protect(key)`` registers a secret; from then on every log record created in the process has it
replaced, in its message, its arguments and its formatted traceback, before any handler sees it,
and ``redact_value`` replaces it in a result (an upstream may echo the Authorization header back).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

MASK = "ak_***"
_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, MASK)
    return text


def redact_value(value: Any) -> Any:
    """``value`` (JSON-like) with every registered secret replaced in its strings and keys."""
    if not _secrets:
        return value
    if isinstance(value, str):
        return redact(value) if any(secret in value for secret in _secrets) else value
    if isinstance(value, dict):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    return value


def protect(secret: str | None) -> None:
    """Register ``secret`` (ignored when empty) and make sure log records are redacted."""
    global _installed
    if not secret:
        return
    with _lock:
        _secrets.add(secret)
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
    if not _secrets:
        return
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
