"""How log lines are written: text or JSON, one record a line, none of them a whole body, no per-request noise.

``configure`` is called once at start (``cli``). Access lines (``mcp.observability``) carry their fields
as ``record.access``: the JSON format writes them as fields, the text format appends tool and key.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, TextIO

MESSAGE_LIMIT = 2000
"""Characters of a log message kept; DEBUG records of the SDK and HTTP stacks may hold whole bodies."""
ACCESS_LOGGER = "octolens_mcp.access"
_NOISE = ("Terminating session: None",)
"""Lines the SDK logs at INFO for every stateless request, saying nothing."""


class Trim(logging.Filter):
    """Drops the SDK's per-request noise, says the event loop is out of files once a minute without a
    traceback (it would log one per refused connection), and cuts any message to ``MESSAGE_LIMIT`` characters."""

    def __init__(self) -> None:
        super().__init__()
        self._next_resource_warning = float("-inf")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.levelno <= logging.INFO and message in _NOISE:
            return False
        if record.name == "asyncio" and "out of system resource" in message:
            now = time.monotonic()
            if now < self._next_resource_warning:
                return False
            self._next_resource_warning = now + 60
            record.exc_info, record.exc_text = None, None
            record.msg, record.args = "accepting connections failed: out of open files (said once a minute)", None
        if len(message) > MESSAGE_LIMIT:
            record.msg = f"{message[:MESSAGE_LIMIT]}… [{len(message) - MESSAGE_LIMIT} characters cut]"
            record.args = None
        return True


class JsonFormatter(logging.Formatter):
    """Each record as one JSON object: time (UTC), level, logger, message, and an access line's fields."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        line: dict[str, Any] = {
            "time": f"{stamp}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            line.update({k: v for k, v in access.items() if v is not None})
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            parts = [f"{name}={access[name]}" for name in ("tool", "outcome", "key", "refused") if access.get(name)]
            text += "".join(" " + part for part in parts)
        return text


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure(level: str, stream: TextIO, log_format: str = "text", *, access: bool = False) -> None:
    """Every record at ``level`` or above to ``stream``; with ``access``, access lines too whatever the level."""
    handler = logging.StreamHandler(stream)
    handler.setLevel(level)  # records made for an MCP client's lower threshold still stop here
    handler.setFormatter(formatter(log_format))
    handler.addFilter(Trim())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # A line that cannot be written (stderr closed by the host) is dropped: logging's own report of the
    # failure would print the record, exception text and all, past every filter.
    logging.raiseExceptions = False
    # httpx2 logs each request line at INFO; keep it quiet unless debugging.
    logging.getLogger("httpx2").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    access_logger = logging.getLogger(ACCESS_LOGGER)
    access_logger.handlers.clear()
    access_logger.propagate = True
    if access:
        # One line per HTTP request is the operator's record of what was served, at any level.
        access_handler = logging.StreamHandler(stream)
        access_handler.setFormatter(formatter(log_format))
        access_logger.addHandler(access_handler)
        access_logger.setLevel(logging.INFO)
        access_logger.propagate = False
