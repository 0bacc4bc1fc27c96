"""Plain values that cross the boundary between tools and the HTTP client, and the answer headers read into
them.

Every response header the server reads is parsed here, once and defensively. Header values come from the
network: a 400-digit reset, a reset years away, ``Retry-After: nan`` or ``1e308`` must never raise, and
must never make the server refuse to call the API for longer than the documented hourly window. Nonsense
becomes ``None`` (unknown): a reset already past, or further away than the window allows, is ignored,
and ``Retry-After`` is clamped to one hour.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, Literal

HttpMethod = Literal["GET", "POST", "PATCH", "DELETE"]
QueryValue = str | int | float | bool | list[str] | list[int]


@dataclass(frozen=True)
class WireRequest:
    """One request to the Octolens API, relative to the base URL."""

    method: HttpMethod
    path: str
    query: dict[str, QueryValue] | None = None
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class RateLimit:
    """The organization's hourly budget as the last response stated it."""

    limit: int | None
    remaining: int | None
    reset_at: int | None
    """Unix epoch seconds when the window rolls over."""

    def as_meta(self) -> dict[str, Any]:
        return {"limit": self.limit, "remaining": self.remaining, "resetAt": self.reset_at}


@dataclass(frozen=True)
class QuotaHeaders:
    """Quota left, from the search routes' ``X-Octolens-*-Remaining`` headers (§2.6)."""

    mentions_remaining: int | None
    """AI-scored mentions left this month."""
    searches_remaining: int | None
    """Lifetime on-demand searches left (plans with a lifetime cap only)."""

    def as_meta(self) -> dict[str, Any]:
        return {"mentionsRemaining": self.mentions_remaining, "searchesRemaining": self.searches_remaining}


@dataclass(frozen=True)
class ApiResponse:
    """A successful (2xx) answer."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    rate_limit: RateLimit | None = None
    """The budget this answer's own headers state."""
    quota: QuotaHeaders | None = None
    retry_after: float | None = None
    """Seconds the answer asks the caller to wait before asking again (a 202 search, …)."""
    total_count: int | None = None
    """The ``X-Total-Count`` header."""
    size: int = 0
    """Bytes of the body, after decompression."""
    cached: bool = False
    """Served from the reference-data cache, without a request."""


# --- answer headers


WINDOW_SECONDS = 3600
"""The API's rate-limit window: budgets reset at the top of each hour."""
CLOCK_SKEW = 60
"""Seconds our clock and the API's may disagree by."""
_COUNT = re.compile(r"^\s*\d{1,12}\s*$")


def count(value: str | None) -> int | None:
    """A non-negative integer header, or None when absent or not a plain count."""
    if value is None or not _COUNT.match(value):
        return None
    return int(value)


def rate_limit(headers: Mapping[str, str], *, now: float | None = None) -> RateLimit | None:
    """The budget stated by ``X-RateLimit-*``; a reset outside the coming hour is nonsense, so it is dropped."""
    limit = count(headers.get("x-ratelimit-limit"))
    remaining = count(headers.get("x-ratelimit-remaining"))
    reset_at = count(headers.get("x-ratelimit-reset"))
    if limit is None and remaining is None and reset_at is None:
        return None
    current = time.time() if now is None else now
    if reset_at is not None and not current <= reset_at <= current + WINDOW_SECONDS + CLOCK_SKEW:
        # Already rolled over, or beyond the hourly window: either way the remaining count says nothing
        # about now, so the budget is unknown and the next call asks the API.
        reset_at = None
        remaining = None
    return RateLimit(limit=limit, remaining=remaining, reset_at=reset_at)


def retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` in seconds (a number or an HTTP date), within [0, one hour]; None when unusable."""
    if value is None:
        return None
    text = value.strip()[:100]
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
            when = when if when.tzinfo else when.replace(tzinfo=UTC)  # "-0000" parses without a zone: it is UTC
            seconds = when.timestamp() - (time.time() if now is None else now)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if not math.isfinite(seconds):
        return None
    return min(max(0.0, seconds), float(WINDOW_SECONDS))


def quota(headers: Mapping[str, str]) -> QuotaHeaders | None:
    """The search routes' remaining-quota headers (§2.6), when present."""
    mentions = count(headers.get("x-octolens-mentions-remaining"))
    searches = count(headers.get("x-octolens-searches-remaining"))
    if mentions is None and searches is None:
        return None
    return QuotaHeaders(mentions_remaining=mentions, searches_remaining=searches)
