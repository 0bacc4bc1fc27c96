"""Settings from the environment (as the Octolens CLI reads them), overridden by command-line flags.

Both sources pass the same checks (``check``); a bad value is a ``ConfigError`` naming the setting.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

DEFAULT_BASE_URL = "https://app.octolens.com/api/v2"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
TRANSPORTS = ("stdio", "http")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """A setting with a value the server cannot run with."""


@dataclass(frozen=True)
class Settings:
    api_key: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    toolsets: tuple[str, ...] | None = None
    """Toolsets to expose; None means the defaults, ("all",) means every tool."""
    read_only: bool = False
    dynamic_toolsets: bool = False
    """Start with a few tools plus list_toolsets/enable_toolset; the agent enables the rest itself."""
    demo: bool = False
    log_level: str = "WARNING"
    timeout: float = 30.0
    """Deadline in seconds of an ordinary call, covering every attempt and reading the answer."""
    search_wait: float = 120.0
    """How long run_search polls a running search before returning its id."""
    rate_limit_wait_cap: float = 30.0
    """Longest Retry-After a call waits through on a 429 before returning RATE_LIMITED; 0 never waits."""
    cache_ttl: float = 30.0
    """Seconds reference data (tags, keywords, feeds, org…) is reused; 0 turns the cache off."""
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    """Largest answer body read, counted after decompression; a larger one ends the call."""
    result_tokens: int = 20_000
    """Largest result handed to the model, in estimated tokens; a longer list is cut at a whole item."""
    export_dir: str | None = None
    """Where export_mentions writes its files; None is the user's data directory (octolens-mcp/exports)."""
    body_chars: int = 800
    """Characters of a post body a compact result keeps; get_mention and detail=full keep it whole."""
    scope_filter: bool = True
    """Hide the tools the key's scope cannot use, once ``GET /auth`` has told it."""
    redis_url: str | None = field(default=None, repr=False)
    """Shared cache, rate budget and single-flight across replicas; None keeps them in this process."""
    transport: str = "stdio"
    host: str = "127.0.0.1"
    port: int = 8000
    allowed_hosts: tuple[str, ...] | None = None
    """``Host`` values the HTTP server answers (DNS-rebinding protection); None: loopback names only."""
    allowed_origins: tuple[str, ...] | None = None
    """``Origin`` values the HTTP server answers; None: loopback origins only. Requests without one pass."""
    http_server_key: bool = False
    """Over HTTP, a request without a Bearer key uses ``api_key`` (the operator opts in)."""
    max_request_bytes: int = 1024 * 1024
    """Largest HTTP request body accepted; a larger one is answered 413 before it is parsed."""
    shutdown_grace: float = 20.0
    """Seconds SIGTERM waits for in-flight HTTP calls before closing their connections."""


# setting → (environment variable, flag, whether zero is allowed)
_NUMBERS: dict[str, tuple[str, str, bool]] = {
    "timeout": ("OCTOLENS_TIMEOUT", "--timeout", False),
    "search_wait": ("OCTOLENS_SEARCH_WAIT", "--search-wait", True),
    "rate_limit_wait_cap": ("OCTOLENS_RATE_LIMIT_WAIT_CAP", "--rate-limit-wait-cap", True),
    "cache_ttl": ("OCTOLENS_CACHE_TTL", "--cache-ttl", True),
    "max_response_bytes": ("OCTOLENS_MAX_RESPONSE_BYTES", "--max-response-bytes", False),
    "result_tokens": ("OCTOLENS_RESULT_TOKENS", "--result-tokens", False),
    "body_chars": ("OCTOLENS_BODY_CHARS", "--body-chars", False),
    "port": ("OCTOLENS_PORT", "--port", False),
    "max_request_bytes": ("OCTOLENS_MAX_REQUEST_BYTES", "--max-request-bytes", False),
    "shutdown_grace": ("OCTOLENS_SHUTDOWN_GRACE", "--shutdown-grace", True),
}


def check(settings: Settings) -> Settings:
    """``settings`` if every value is usable; otherwise a ``ConfigError`` naming the setting."""
    for name, (env, flag, zero_ok) in _NUMBERS.items():
        value = getattr(settings, name)
        if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
            bound = ">= 0" if zero_ok else "> 0"
            raise ConfigError(f"{env} ({flag}) must be a finite number {bound}, not {value!r}")
    if settings.log_level not in LOG_LEVELS:
        raise ConfigError(
            f"OCTOLENS_LOG_LEVEL (--log-level) must be one of {', '.join(LOG_LEVELS)}, not {settings.log_level!r}"
        )
    if not settings.base_url.startswith(("https://", "http://")):
        raise ConfigError(f"OCTOLENS_BASE_URL (--base-url) must be an http(s) URL, not {settings.base_url!r}")
    if settings.transport not in TRANSPORTS:
        raise ConfigError(f"OCTOLENS_TRANSPORT (--transport) must be stdio or http, not {settings.transport!r}")
    if settings.port > 65535:
        raise ConfigError(f"OCTOLENS_PORT (--port) must be a TCP port (1-65535), not {settings.port!r}")
    if settings.redis_url is not None and not settings.redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("OCTOLENS_REDIS_URL (--redis-url) must be a redis://, rediss:// or unix:// URL")
    if settings.transport == "http" and settings.dynamic_toolsets:
        raise ConfigError(
            "OCTOLENS_DYNAMIC_TOOLSETS (--dynamic-toolsets) needs a session, and the HTTP server is stateless; "
            "choose the tools with OCTOLENS_TOOLSETS (--toolsets) instead"
        )
    if settings.allowed_origins and "*" in settings.allowed_origins and "*" not in (settings.allowed_hosts or ()):
        raise ConfigError(
            "OCTOLENS_ALLOWED_ORIGINS (--allowed-origins) takes the origins to answer, not *; "
            "* in OCTOLENS_ALLOWED_HOSTS (--allowed-hosts) turns the Host and Origin checks off together"
        )
    if settings.http_server_key and not settings.api_key:
        raise ConfigError("OCTOLENS_HTTP_SERVER_KEY (--http-server-key) needs OCTOLENS_API_KEY to be set")
    return settings


def _number(env: Mapping[str, str], name: str, kind: type[float] | type[int]) -> float | int | None:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return kind(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None


def _list(raw: str | None) -> tuple[str, ...] | None:
    if raw is None or raw.strip() == "":
        return None
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _boolean(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {env[name]!r}")


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, not yet checked (flags may still override them)."""
    env = os.environ if env is None else env
    numbers: dict[str, float | int] = {}
    types = {f.name: f.type for f in fields(Settings)}
    for name, (variable, _flag, _zero) in _NUMBERS.items():
        value = _number(env, variable, int if types[name] == "int" else float)
        if value is not None:
            numbers[name] = value
    return Settings(
        api_key=env.get("OCTOLENS_API_KEY") or None,
        base_url=env.get("OCTOLENS_BASE_URL") or DEFAULT_BASE_URL,
        toolsets=_list(env.get("OCTOLENS_TOOLSETS")),
        read_only=_boolean(env, "OCTOLENS_READ_ONLY", False),
        dynamic_toolsets=_boolean(env, "OCTOLENS_DYNAMIC_TOOLSETS", False),
        scope_filter=_boolean(env, "OCTOLENS_SCOPE_FILTER", True),
        export_dir=env.get("OCTOLENS_EXPORT_DIR") or None,
        log_level=(env.get("OCTOLENS_LOG_LEVEL") or "WARNING").strip().upper(),
        redis_url=env.get("OCTOLENS_REDIS_URL") or None,
        transport=(env.get("OCTOLENS_TRANSPORT") or "stdio").strip().lower(),
        host=(env.get("OCTOLENS_HOST") or "127.0.0.1").strip(),
        allowed_hosts=_list(env.get("OCTOLENS_ALLOWED_HOSTS")),
        allowed_origins=_list(env.get("OCTOLENS_ALLOWED_ORIGINS")),
        http_server_key=_boolean(env, "OCTOLENS_HTTP_SERVER_KEY", False),
        **numbers,  # type: ignore[arg-type]
    )
