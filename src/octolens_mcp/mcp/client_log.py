"""MCP ``logging``: the server's own log records about a call, sent to the client that made it.

For clients on protocol revisions up to 2025-11-25 (most hosts today; the capability is deprecated
from 2026-07-28, SEP-2577, so this stays small). ``logging/setLevel`` sets the threshold (default
``warning``). Records from ``octolens_mcp`` loggers made during a call are collected and sent after
it, already scrubbed of API keys by the log record factory.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any, Literal

McpLevel = Literal["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
_RANK: dict[str, int] = {
    "debug": 10,
    "info": 20,
    "notice": 25,
    "warning": 30,
    "error": 40,
    "critical": 50,
    "alert": 55,
    "emergency": 60,
}
_collected: ContextVar[list[logging.LogRecord] | None] = ContextVar("octolens_call_records", default=None)


OPERATOR_ONLY = ("octolens_mcp.http.shared", "octolens_mcp.access")
"""Loggers whose records are the operator's (the shared store's outages name its address): never sent to a client."""


class _Collector(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        records = _collected.get()
        if records is not None and not record.name.startswith(OPERATOR_ONLY):
            records.append(record)


_COLLECTOR = _Collector(level=logging.DEBUG)


def install() -> None:
    """Collect ``octolens_mcp`` records (idempotent)."""
    package = logging.getLogger("octolens_mcp")
    if _COLLECTOR not in package.handlers:
        package.addHandler(_COLLECTOR)


class ClientLog:
    """The threshold a client set, and the records of one call to send it."""

    def __init__(self) -> None:
        self.level: McpLevel = "warning"

    def set_level(self, level: str) -> None:
        """The client's threshold; our loggers are made at least that verbose (stderr keeps its own level)."""
        self.level = level if level in _RANK else "warning"  # type: ignore[assignment]
        package = logging.getLogger("octolens_mcp")
        wanted = min(_RANK[self.level], logging.CRITICAL)
        if package.getEffectiveLevel() > wanted:
            package.setLevel(wanted)

    def start(self) -> Any:
        return _collected.set([])

    def finish(self, token: Any) -> list[tuple[McpLevel, str, str]]:
        """(level, logger, message) of the call's records at or above the threshold."""
        records = _collected.get() or []
        _collected.reset(token)
        out: list[tuple[McpLevel, str, str]] = []
        for record in records:
            level = _mcp_level(record.levelno)
            if _RANK[level] >= _RANK[self.level]:
                out.append((level, record.name, record.getMessage()))
        return out


def _mcp_level(levelno: int) -> McpLevel:
    if levelno >= logging.CRITICAL:
        return "critical"
    if levelno >= logging.ERROR:
        return "error"
    if levelno >= logging.WARNING:
        return "warning"
    if levelno >= logging.INFO:
        return "info"
    return "debug"
