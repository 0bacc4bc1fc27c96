"""Plain values that cross the boundary between tools and the HTTP client."""

from __future__ import annotations

from dataclasses import dataclass, field
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
