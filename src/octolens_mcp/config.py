"""Settings from the environment (as the Octolens CLI reads them), overridden by command-line flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_BASE_URL = "https://app.octolens.com/api/v2"


@dataclass(frozen=True)
class Settings:
    api_key: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    toolsets: tuple[str, ...] | None = None
    """Toolsets to expose; None means the defaults, ("all",) means every tool."""
    read_only: bool = False
    demo: bool = False
    log_level: str = "WARNING"
    timeout: float = 30.0
    """Deadline in seconds of an ordinary call; slow operations scale from it."""
    search_wait: float = 120.0
    """How long run_search polls a running search before returning its id."""
    rate_limit_wait_cap: float = 30.0
    """Longest Retry-After a call waits through on a 429 before returning RATE_LIMITED."""
    cache_ttl: float = 30.0
    """Seconds reference data (tags, keywords, feeds, org…) is reused; 0 turns the cache off."""


def _float(env: Mapping[str, str], name: str, default: float, *, zero_ok: bool = False) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value < 0 or (value == 0 and not zero_ok):
        raise ValueError(f"{name} must be a positive number of seconds")
    return value


def _toolsets(raw: str | None) -> tuple[str, ...] | None:
    if raw is None or raw.strip() == "":
        return None
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    return Settings(
        api_key=env.get("OCTOLENS_API_KEY") or None,
        base_url=env.get("OCTOLENS_BASE_URL") or DEFAULT_BASE_URL,
        toolsets=_toolsets(env.get("OCTOLENS_TOOLSETS")),
        read_only=env.get("OCTOLENS_READ_ONLY", "").lower() in {"1", "true", "yes"},
        log_level=(env.get("OCTOLENS_LOG_LEVEL") or "WARNING").upper(),
        timeout=_float(env, "OCTOLENS_TIMEOUT", 30.0),
        search_wait=_float(env, "OCTOLENS_SEARCH_WAIT", 120.0),
        rate_limit_wait_cap=_float(env, "OCTOLENS_RATE_LIMIT_WAIT_CAP", 30.0, zero_ok=True),
        cache_ttl=_float(env, "OCTOLENS_CACHE_TTL", 30.0, zero_ok=True),
    )
