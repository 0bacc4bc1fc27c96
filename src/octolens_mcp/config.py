"""Settings from the environment (as the Octolens CLI reads them), overridden by command-line flags.

Each setting is declared once, in ``SETTINGS``: its variable, its flag, how its value is read and what it
means. The CLI's flags and help, the README's configuration tables and server.json's variables are made
from it (``cli``, ``scripts/generate_settings.py``). Both sources pass the same checks (``check``); a bad
value is a ``ConfigError`` naming the setting.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

DEFAULT_BASE_URL = "https://app.octolens.com/api/v2"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
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
    cache_ttl: float = 300.0
    """Seconds reference data (tags, keywords, feeds, org…) is reused; 0 turns the cache off. Long enough to span
    an agent's turns; this server's own writes drop what they change, and reads that decide a write are fresh."""
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
    public_url: str | None = None
    """The team server's public base URL (as clients and Octolens reach it); None where it has none."""
    oauth_secret: str | None = field(default=None, repr=False)
    """Turns on the HTTP server's own OAuth authorization server; its tokens and stored keys derive from it."""
    bearer_api_keys: bool = True
    """Over HTTP, ``Authorization: Bearer <Octolens API key>`` is accepted (OAuth tokens are too, when on)."""
    oauth_dir: str | None = None
    """Where OAuth clients, grants and tokens are kept without Redis; None is the user's data directory."""
    oauth_token_ttl: float = 3600.0
    """Seconds an OAuth access token lives; refresh tokens live 30 days and rotate on every use."""
    oauth_rate_per_address: float = 2.0
    """Requests per second one client address may send to the OAuth endpoints (bursts of ten times that); 0: none."""
    oauth_key_checks_per_minute: int = 6
    """Keys one client address may have checked with Octolens per minute on the consent page; 0: no limit."""
    log_format: str = "text"
    """How log lines are written: ``text``, or ``json`` (one object per line)."""
    http_rate_per_address: float = 1000.0
    """Requests per second one client address may send (bursts of twice that); 0: no limit."""
    http_rate_per_key: float = 1000.0
    """Requests per second one Bearer token may send (bursts of twice that); 0: no limit."""
    http_unverified_per_address: int = 300
    """Requests one address may send at once with tokens Octolens has not yet accepted, regained at 5 per second."""
    http_streams_per_key: int = 4
    """Event streams (``GET /mcp``) one key may hold open at once."""
    http_header_timeout: float = 10.0
    """Seconds a connection has to complete a request's headers; a slower (or silent) one is closed."""
    http_max_connections: int = 1000
    """Connections held at once (below the open-file limit); one more closes the idle longest, or itself."""
    trusted_proxies: tuple[str, ...] | None = None
    """Addresses (or networks) of the proxies whose ``X-Forwarded-For``/``-Proto`` are believed; None: nobody's."""
    webhook_secret: str | None = field(default=None, repr=False)
    """Signs the webhook delivery URLs this server hands out; None: generated at start (and printed once)."""
    inbox_max_items: int = 500
    """Deliveries kept per organisation and feed for watch_mentions."""
    inbox_max_age: float = 86_400.0
    """Seconds a delivery is kept (and a repeated one recognised)."""
    poll_interval: float = 60.0
    """watch_mentions's polling fallback asks the API at most once per this many seconds per feed."""


Kind = Literal["text", "word", "path", "url", "list", "choice", "bool", "float", "int"]
"""How a value is read: ``text`` as given, ``word`` stripped, ``list`` comma-separated, ``choice`` one of
``choices`` in their case; ``bool`` an on/off word in the environment and a bare flag."""


@dataclass(frozen=True)
class Setting:
    """One setting, declared once: the CLI, the README's tables and server.json are made from it.

    Texts are Markdown; ``{toolsets}`` and ``{default_toolsets}`` are filled in by whoever renders them
    (this module imports no layer, and the toolsets belong to the catalog).
    """

    field: str
    """The ``Settings`` attribute."""
    env: str | None
    flag: str | None
    kind: Kind
    about: str
    """One sentence: the flag's help, the registry's description, the start of the README's."""
    more: str = ""
    """What the README adds after ``about``."""
    shown: str | None = None
    """The default as the README shows it, when the value alone says little; None shows the value."""
    default: str | None = None
    """The default as a variable's value, when ``Settings`` leaves it to be worked out (None: the field's)."""
    choices: tuple[str, ...] = ()
    zero_ok: bool = False
    """A number that may be 0 (every number must be finite and >= 0)."""
    secret: bool = False
    required: bool = False
    """Required over stdio, the transport every registry entry declares."""
    http: bool = False
    """The HTTP server's: its own table (docs/team-server.md); only the image's registry entry declares it."""
    image_default: str | None = None
    """The image's own default (its Dockerfile ENV), when it differs from the program's."""

    @property
    def named(self) -> str:
        """How error messages name it: ``VARIABLE (--flag)``."""
        return " ".join(part for part in (self.env, f"({self.flag})" if self.env and self.flag else self.flag) if part)

    def value_text(self, value: object) -> str | None:
        """``value`` written as this setting's variable would be; None for no value."""
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, tuple):
            return ",".join(value)
        return str(value)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "api_key",
        "OCTOLENS_API_KEY",
        None,
        "text",
        "Octolens API key (Settings -> API), scope read, write or admin",
        "It looks like `ak_…` and is kept out of every log line, error and result. Over HTTP each request brings "
        "its own; this one is used only with `OCTOLENS_HTTP_SERVER_KEY`.",
        shown="(required over stdio unless `--demo`)",
        secret=True,
        required=True,
    ),
    Setting(
        "demo",
        None,
        "--demo",
        "bool",
        "Serve the same tools against the built-in sandbox: no key, no network",
        "Every result is marked as demo data.",
    ),
    Setting("base_url", "OCTOLENS_BASE_URL", "--base-url", "url", "Octolens API base URL"),
    Setting(
        "toolsets",
        "OCTOLENS_TOOLSETS",
        "--toolsets",
        "list",
        "Comma-separated toolsets to expose, or `all`: {toolsets}",
        "Left unset, `run_search` (it spends search quota) is not offered: name `search` to offer it.",
        default="{default_toolsets}",
    ),
    Setting("read_only", "OCTOLENS_READ_ONLY", "--read-only", "bool", "Expose only read-only tools"),
    Setting(
        "dynamic_toolsets",
        "OCTOLENS_DYNAMIC_TOOLSETS",
        "--dynamic-toolsets",
        "bool",
        "Start with a few tools plus `list_toolsets`/`enable_toolset`; the agent enables the rest (stdio only)",
        "It starts with `list_mentions`, `get_mention` and `list_keywords` (about 570 tokens of tool list).",
    ),
    Setting(
        "scope_filter",
        "OCTOLENS_SCOPE_FILTER",
        "--no-scope-filter",
        "bool",
        "Hide the tools the key's scope (read, write, admin) cannot use",
        "Applied once `GET /auth` has told the scope; `--no-scope-filter` turns it off.",
    ),
    Setting(
        "log_level",
        "OCTOLENS_LOG_LEVEL",
        "--log-level",
        "choice",
        "Log level, on stderr",
        "Stdout carries nothing but MCP messages.",
        choices=LOG_LEVELS,
    ),
    Setting(
        "log_format",
        "OCTOLENS_LOG_FORMAT",
        "--log-format",
        "choice",
        "How log lines are written: `text`, or `json` (one object per line)",
        "Over HTTP each request also gets one access line (method, path, status, duration, tool, key fingerprint).",
        choices=LOG_FORMATS,
    ),
    Setting(
        "timeout",
        "OCTOLENS_TIMEOUT",
        "--timeout",
        "float",
        "Deadline of an ordinary call in seconds, covering every attempt",
        "It also covers reading and parsing the answer; slow operations (export, search, AI) scale from it.",
    ),
    Setting(
        "search_wait",
        "OCTOLENS_SEARCH_WAIT",
        "--search-wait",
        "float",
        "Seconds `run_search` polls a running search before returning its id",
        zero_ok=True,
    ),
    Setting(
        "rate_limit_wait_cap",
        "OCTOLENS_RATE_LIMIT_WAIT_CAP",
        "--rate-limit-wait-cap",
        "float",
        "Longest `Retry-After` in seconds waited through on a 429; 0 never waits",
        "A longer one returns `RATE_LIMITED`; reads are still retried after network errors and 502/503/504.",
        zero_ok=True,
    ),
    Setting(
        "cache_ttl",
        "OCTOLENS_CACHE_TTL",
        "--cache-ttl",
        "float",
        "Seconds reference data (tags, keywords, feeds, org) is reused; 0 turns the cache off",
        "Long enough to span an agent's turns. This server's own writes drop what they change at once; changes "
        "made elsewhere (the web app, another key) show up within this time. Reads that decide a write (does the "
        "keyword exist, is the mention engaged) are always fresh.",
        zero_ok=True,
    ),
    Setting(
        "max_response_bytes",
        "OCTOLENS_MAX_RESPONSE_BYTES",
        "--max-response-bytes",
        "int",
        "Largest API answer body read, in bytes after decompression",
        shown="`67108864` (64 MiB)",
    ),
    Setting(
        "export_dir",
        "OCTOLENS_EXPORT_DIR",
        "--export-dir",
        "path",
        "Directory `export_mentions` writes files to",
        "The system temporary directory when that cannot be written (a container with no writable home).",
        shown="the user data directory + `octolens-mcp/exports`",
    ),
    Setting(
        "result_tokens",
        "OCTOLENS_RESULT_TOKENS",
        "--result-tokens",
        "int",
        "Largest result handed to the model, in estimated tokens",
        "A longer list is cut at a whole item, with a cursor to resume.",
    ),
    Setting(
        "body_chars",
        "OCTOLENS_BODY_CHARS",
        "--body-chars",
        "int",
        "Characters of a post body a compact result keeps",
        '`get_mention` and `detail: "full"` keep it whole.',
    ),
    Setting(
        "redis_url",
        "OCTOLENS_REDIS_URL",
        "--redis-url",
        "text",
        "Redis URL (redis://, rediss:// or unix://) sharing cache, rate budget and single-flight across replicas",
        "Treat it as a secret if it holds a password.",
        shown="unset: state stays in each process",
        secret=True,
    ),
    Setting(
        "transport",
        "OCTOLENS_TRANSPORT",
        "--transport",
        "choice",
        "How MCP is served: over stdio, or as streamable HTTP at `/mcp` (a team server)",
        "The HTTP server is stateless, with a key per request.",
        choices=TRANSPORTS,
        http=True,
    ),
    Setting(
        "host",
        "OCTOLENS_HOST",
        "--host",
        "word",
        "Address to listen on",
        "The image sets `0.0.0.0`.",
        http=True,
        image_default="0.0.0.0",
    ),
    Setting("port", "OCTOLENS_PORT", "--port", "int", "Port to listen on", http=True),
    Setting(
        "allowed_hosts",
        "OCTOLENS_ALLOWED_HOSTS",
        "--allowed-hosts",
        "list",
        "Comma-separated `Host` values answered (DNS-rebinding protection), or `*` for no `Host` or `Origin` check",
        "Any other `Host` gets `421`.",
        shown="loopback names, any port",
        http=True,
    ),
    Setting(
        "allowed_origins",
        "OCTOLENS_ALLOWED_ORIGINS",
        "--allowed-origins",
        "list",
        "Comma-separated `Origin` values answered",
        "Any other `Origin` gets `403`; requests without an `Origin` pass.",
        shown="loopback origins, any port",
        http=True,
    ),
    Setting(
        "http_server_key",
        "OCTOLENS_HTTP_SERVER_KEY",
        "--http-server-key",
        "bool",
        "Requests without a Bearer key use `OCTOLENS_API_KEY` (off: they get `401`)",
        "`OCTOLENS_API_KEY` must then be set; a Bearer token that cannot be a key still gets `401`.",
        http=True,
    ),
    Setting(
        "max_request_bytes",
        "OCTOLENS_MAX_REQUEST_BYTES",
        "--max-request-bytes",
        "int",
        "Largest request body accepted, in bytes",
        "A larger one gets `413`.",
        shown="`1048576` (1 MiB)",
        http=True,
    ),
    Setting(
        "shutdown_grace",
        "OCTOLENS_SHUTDOWN_GRACE",
        "--shutdown-grace",
        "float",
        "Seconds SIGTERM waits for calls in flight",
        "In whole seconds, at least 1.",
        zero_ok=True,
        http=True,
    ),
    Setting(
        "public_url",
        "OCTOLENS_PUBLIC_URL",
        "--public-url",
        "url",
        "The team server's public base URL, as clients and Octolens reach it",
        "For example `https://octolens-mcp.example.com`; features that hand out this server's address need it.",
        shown="none",
        http=True,
    ),
    Setting(
        "oauth_secret",
        "OCTOLENS_OAUTH_SECRET",
        None,
        "text",
        "Turns on sign-in with OAuth (Claude.ai, ChatGPT and other connectors): the server secret, 32+ characters",
        "Needs `OCTOLENS_PUBLIC_URL`. The keys people enter are kept encrypted under it, and its tokens are "
        "checked with it: changing it signs everyone out. See [docs/oauth.md](docs/oauth.md).",
        shown="unset: OAuth off",
        secret=True,
        http=True,
    ),
    Setting(
        "bearer_api_keys",
        "OCTOLENS_BEARER_API_KEYS",
        "--no-bearer-api-keys",
        "bool",
        "Accept `Authorization: Bearer <Octolens API key>` (off: OAuth tokens only)",
        "Turning it off needs `OCTOLENS_OAUTH_SECRET`.",
        http=True,
    ),
    Setting(
        "oauth_dir",
        "OCTOLENS_OAUTH_DIR",
        "--oauth-dir",
        "path",
        "Directory keeping OAuth clients, grants and tokens when there is no Redis (one file, mode 0600)",
        "With `OCTOLENS_REDIS_URL` they are kept in Redis, so every replica honours every token.",
        shown="the user data directory + `octolens-mcp/oauth`",
        http=True,
    ),
    Setting(
        "oauth_token_ttl",
        "OCTOLENS_OAUTH_TOKEN_TTL",
        "--oauth-token-ttl",
        "float",
        "Seconds an OAuth access token lives",
        "Refresh tokens live 30 days and are replaced at every use; a refresh token used twice ends the sign-in.",
        http=True,
    ),
    Setting(
        "oauth_rate_per_address",
        "OCTOLENS_OAUTH_RATE_PER_ADDRESS",
        "--oauth-rate-per-address",
        "float",
        "Requests per second one client address may send to the OAuth endpoints, in bursts of ten times that; "
        "0: no limit",
        "The endpoints are `/register`, `/authorize`, the consent page, `/token` and `/revoke`. More get `429` "
        "with `Retry-After` before any work; IPv6 addresses count by their /64.",
        zero_ok=True,
        http=True,
    ),
    Setting(
        "oauth_key_checks_per_minute",
        "OCTOLENS_OAUTH_KEY_CHECKS_PER_MINUTE",
        "--oauth-key-checks-per-minute",
        "int",
        "Keys one client address may have checked with Octolens per minute on the consent page; 0: no limit",
        "Each check is a `GET /auth` to Octolens. More get the form again with `429` and `Retry-After`, and "
        "nothing is sent to Octolens.",
        zero_ok=True,
        http=True,
    ),
    Setting(
        "http_rate_per_address",
        "OCTOLENS_HTTP_RATE_PER_ADDRESS",
        "--http-rate-per-address",
        "float",
        "Requests per second one client address may send, in bursts of twice that; 0: no limit",
        "More get `429` with `Retry-After` before any work. The address is the connection's peer, or the "
        "client behind `OCTOLENS_TRUSTED_PROXIES`.",
        zero_ok=True,
        http=True,
    ),
    Setting(
        "http_rate_per_key",
        "OCTOLENS_HTTP_RATE_PER_KEY",
        "--http-rate-per-key",
        "float",
        "Requests per second one Bearer token may send, in bursts of twice that; 0: no limit",
        "More get `429` with `Retry-After` before any work.",
        zero_ok=True,
        http=True,
    ),
    Setting(
        "http_unverified_per_address",
        "OCTOLENS_HTTP_UNVERIFIED_PER_ADDRESS",
        "--http-unverified-per-address",
        "int",
        "Requests one address may send at once with tokens Octolens has not yet accepted, regained at 5 per second",
        "More get `429`; a token Octolens refused (401) gets `401` at once for a minute, without any request to it.",
        http=True,
    ),
    Setting(
        "http_streams_per_key",
        "OCTOLENS_HTTP_STREAMS_PER_KEY",
        "--http-streams-per-key",
        "int",
        "Event streams (`GET /mcp`) one key may hold open at once",
        "Only a key Octolens has accepted gets one; others get `405` (no stream offered).",
        http=True,
    ),
    Setting(
        "http_header_timeout",
        "OCTOLENS_HTTP_HEADER_TIMEOUT",
        "--http-header-timeout",
        "float",
        "Seconds a connection has to complete a request's headers; a slower or silent one is closed",
        "Idle keep-alive connections are closed after 5 s.",
        http=True,
    ),
    Setting(
        "http_max_connections",
        "OCTOLENS_HTTP_MAX_CONNECTIONS",
        "--http-max-connections",
        "int",
        "Connections held at once; one more closes the connection idle longest, or itself when none is idle",
        "Kept below the open-file limit, which the server raises to its hard limit at start.",
        http=True,
    ),
    Setting(
        "trusted_proxies",
        "OCTOLENS_TRUSTED_PROXIES",
        "--trusted-proxies",
        "list",
        "Comma-separated addresses or networks of the proxies whose `X-Forwarded-For` and `-Proto` are believed",
        "Then the per-address limits see the client behind them, and the scheme is theirs (`https`).",
        shown="none",
        http=True,
    ),
    Setting(
        "webhook_secret",
        "OCTOLENS_WEBHOOK_SECRET",
        None,
        "text",
        "Secret the webhook delivery URLs this server hands out are signed with",
        "Unset: generated at start and printed once to stderr; set the same value on every replica, or feeds "
        "connected before a restart stop delivering.",
        shown="generated per process",
        secret=True,
        http=True,
    ),
    Setting(
        "inbox_max_items",
        "OCTOLENS_INBOX_MAX_ITEMS",
        "--inbox-max-items",
        "int",
        "Webhook deliveries kept per organisation and feed for `watch_mentions`",
        "The oldest go first.",
        http=True,
    ),
    Setting(
        "inbox_max_age",
        "OCTOLENS_INBOX_MAX_AGE",
        "--inbox-max-age",
        "float",
        "Seconds a webhook delivery is kept, and a repeated one recognised",
        shown="`86400` (a day)",
        http=True,
    ),
    Setting(
        "poll_interval",
        "OCTOLENS_POLL_INTERVAL",
        "--poll-interval",
        "float",
        "Seconds between the API requests of `watch_mentions` on a feed that is not connected",
        "At most one request per interval per feed: 60 requests an hour at the default.",
    ),
)
BY_FIELD = {setting.field: setting for setting in SETTINGS}
_NUMBER_KINDS = ("float", "int")


def check(settings: Settings) -> Settings:
    """``settings`` if every value is usable; otherwise a ``ConfigError`` naming the setting."""
    for setting in SETTINGS:
        value = getattr(settings, setting.field)
        if setting.kind in _NUMBER_KINDS and (
            not math.isfinite(value) or value < 0 or (value == 0 and not setting.zero_ok)
        ):
            bound = ">= 0" if setting.zero_ok else "> 0"
            raise ConfigError(f"{setting.named} must be a finite number {bound}, not {value!r}")
    if settings.log_format not in LOG_FORMATS:
        raise ConfigError(f"{_named('log_format')} must be text or json, not {settings.log_format!r}")
    if settings.log_level not in LOG_LEVELS:
        raise ConfigError(f"{_named('log_level')} must be one of {', '.join(LOG_LEVELS)}, not {settings.log_level!r}")
    if not settings.base_url.startswith(("https://", "http://")):
        raise ConfigError(f"{_named('base_url')} must be an http(s) URL, not {settings.base_url!r}")
    if settings.transport not in TRANSPORTS:
        raise ConfigError(f"{_named('transport')} must be stdio or http, not {settings.transport!r}")
    if settings.port > 65535:
        raise ConfigError(f"{_named('port')} must be a TCP port (1-65535), not {settings.port!r}")
    if settings.redis_url is not None and not settings.redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"{_named('redis_url')} must be a redis://, rediss:// or unix:// URL")
    if settings.transport == "http" and settings.dynamic_toolsets:
        raise ConfigError(
            f"{_named('dynamic_toolsets')} needs a session, and the HTTP server is stateless; "
            f"choose the tools with {_named('toolsets')} instead"
        )
    if settings.allowed_origins and "*" in settings.allowed_origins and "*" not in (settings.allowed_hosts or ()):
        raise ConfigError(
            f"{_named('allowed_origins')} takes the origins to answer, not *; "
            f"* in {_named('allowed_hosts')} turns the Host and Origin checks off together"
        )
    if settings.http_server_key and not settings.api_key:
        raise ConfigError(f"{_named('http_server_key')} needs {_named('api_key')} to be set")
    _check_oauth(settings)
    return settings


MIN_OAUTH_SECRET = 32


def _check_oauth(settings: Settings) -> None:
    if settings.oauth_secret is None:
        if not settings.bearer_api_keys and settings.transport == "http":
            raise ConfigError(
                f"turning {_named('bearer_api_keys')} off needs {_named('oauth_secret')}: no one could sign in"
            )
        return
    if len(settings.oauth_secret) < MIN_OAUTH_SECRET:
        raise ConfigError(f"{_named('oauth_secret')} must be at least {MIN_OAUTH_SECRET} characters")
    if settings.transport != "http":
        return
    url = settings.public_url
    if url is None:
        raise ConfigError(
            f"{_named('oauth_secret')} turns OAuth on, which needs {_named('public_url')}: the server's public "
            "base URL names the OAuth issuer and the protected resource (for example https://mcp.example.com)"
        )
    scheme, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    loopback = host.split(":")[0] in ("127.0.0.1", "localhost") or host.startswith("[::1]")
    if scheme != "https" and not (scheme == "http" and loopback):
        raise ConfigError(f"{_named('public_url')} must be an https:// URL for OAuth (http:// only on loopback)")
    if path.strip("/") or "?" in rest or "#" in rest or not host:
        raise ConfigError(f"{_named('public_url')} must be the server's origin, with no path, for OAuth")


def _named(field_name: str) -> str:
    return BY_FIELD[field_name].named


def parse(setting: Setting, raw: str, source: str) -> object:
    """The value of ``raw`` for ``setting``, given by ``source`` (its variable or flag); None leaves the default."""
    if setting.kind == "text" or setting.kind == "path" or setting.kind == "url":
        return raw or None
    if raw.strip() == "":
        return None
    if setting.kind == "word":
        return raw.strip()
    if setting.kind == "choice":
        upper = all(choice.isupper() for choice in setting.choices)
        return raw.strip().upper() if upper else raw.strip().lower()
    if setting.kind == "list":
        return tuple(part.strip() for part in raw.split(",") if part.strip()) or None
    if setting.kind == "bool":
        word = raw.strip().lower()
        if word in _TRUE | _FALSE:
            return word in _TRUE
        raise ConfigError(f"{source} must be true or false, not {raw!r}")
    try:
        return int(raw.strip()) if setting.kind == "int" else float(raw.strip())
    except ValueError:
        raise ConfigError(f"{source} must be a number, not {raw!r}") from None


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, not yet checked (flags may still override them)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = env.get(setting.env) if setting.env else None
        value = parse(setting, raw, setting.env or "") if raw is not None else None
        if value is not None:
            values[setting.field] = value
    return Settings(**values)
