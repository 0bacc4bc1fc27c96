"""The ``octolens-mcp`` command: parse flags over environment settings and serve MCP over stdio."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from octolens_mcp import __version__
from octolens_mcp.catalog.toolsets import DEFAULT_TOOLSETS, TOOLSETS
from octolens_mcp.config import ConfigError, Settings, check, from_env

if TYPE_CHECKING:
    import httpx2

NO_KEY_MESSAGE = """octolens-mcp: no Octolens API key.

Create one in Octolens under Settings -> API (choose read, write or admin scope), then either
  - put it in your MCP host's config, under "env": {"OCTOLENS_API_KEY": "ak_live_..."}
  - or read it into the environment without echoing it (so it stays out of shell history):
        read -rs OCTOLENS_API_KEY && export OCTOLENS_API_KEY && octolens-mcp

To try every tool without a key, on demo data: octolens-mcp --demo
"""

TOOLSET_HELP = (
    f"comma-separated toolsets to expose (env OCTOLENS_TOOLSETS): {', '.join(TOOLSETS)}, or all. "
    f"Default: {','.join(DEFAULT_TOOLSETS)}"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="octolens-mcp",
        allow_abbrev=False,  # the container healthcheck reads the flags by their full names
        description="MCP server exposing the Octolens REST API v2 as tools, over stdio or streamable HTTP.",
        epilog="Environment: OCTOLENS_API_KEY (required for stdio unless --demo), OCTOLENS_BASE_URL, "
        "OCTOLENS_TOOLSETS, OCTOLENS_READ_ONLY, OCTOLENS_DYNAMIC_TOOLSETS, OCTOLENS_SCOPE_FILTER, OCTOLENS_LOG_LEVEL, "
        "OCTOLENS_TIMEOUT, OCTOLENS_SEARCH_WAIT, OCTOLENS_RATE_LIMIT_WAIT_CAP, OCTOLENS_CACHE_TTL, "
        "OCTOLENS_MAX_RESPONSE_BYTES, OCTOLENS_RESULT_TOKENS, OCTOLENS_BODY_CHARS, OCTOLENS_EXPORT_DIR, "
        "OCTOLENS_REDIS_URL, OCTOLENS_TRANSPORT, "
        "OCTOLENS_HOST, OCTOLENS_PORT, OCTOLENS_ALLOWED_HOSTS, OCTOLENS_ALLOWED_ORIGINS, OCTOLENS_HTTP_SERVER_KEY, "
        "OCTOLENS_MAX_REQUEST_BYTES, OCTOLENS_SHUTDOWN_GRACE. "
        "Flags override the environment.",
    )
    parser.add_argument("--version", action="version", version=f"octolens-mcp {__version__}")
    parser.add_argument("--demo", action="store_true", help="serve an in-process sandbox with demo data; no key")
    parser.add_argument("--base-url", help="Octolens API base URL (env OCTOLENS_BASE_URL)")
    parser.add_argument("--toolsets", help=TOOLSET_HELP)
    parser.add_argument("--read-only", action="store_true", default=None, help="expose only read-only tools")
    parser.add_argument(
        "--dynamic-toolsets",
        action="store_true",
        default=None,
        help="start with a few tools plus list_toolsets/enable_toolset (env OCTOLENS_DYNAMIC_TOOLSETS)",
    )
    parser.add_argument(
        "--log-level", type=str.upper, help="DEBUG, INFO, WARNING, ERROR or CRITICAL, on stderr (default WARNING)"
    )
    parser.add_argument("--timeout", type=float, help="deadline of an ordinary call in seconds (default 30)")
    parser.add_argument("--search-wait", type=float, help="seconds run_search polls before returning (default 120)")
    parser.add_argument(
        "--rate-limit-wait-cap", type=float, help="longest Retry-After waited through on a 429 (default 30)"
    )
    parser.add_argument("--cache-ttl", type=float, help="seconds reference data is reused; 0 disables (default 30)")
    parser.add_argument(
        "--max-response-bytes", type=int, help="largest answer body read, after decompression (default 64 MiB)"
    )
    parser.add_argument("--export-dir", help="where export_mentions writes files (env OCTOLENS_EXPORT_DIR)")
    parser.add_argument("--result-tokens", type=int, help="largest result in estimated tokens (default 20000)")
    parser.add_argument("--body-chars", type=int, help="post body characters a compact result keeps (default 800)")
    parser.add_argument(
        "--no-scope-filter",
        dest="scope_filter",
        action="store_false",
        default=None,
        help="offer every tool, even those the key's scope cannot use",
    )
    parser.add_argument("--redis-url", help="share cache and rate budget across replicas (env OCTOLENS_REDIS_URL)")
    http = parser.add_argument_group("HTTP server (--transport http)")
    http.add_argument("--transport", choices=("stdio", "http"), help="stdio (default) or streamable HTTP at /mcp")
    http.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    http.add_argument("--port", type=int, help="port to listen on (default 8000)")
    http.add_argument("--allowed-hosts", help="comma-separated Host values answered, e.g. mcp.example.com (or *)")
    http.add_argument("--allowed-origins", help="comma-separated Origin values answered, e.g. https://app.example.com")
    http.add_argument(
        "--http-server-key",
        action="store_true",
        default=None,
        help="requests without a Bearer key use OCTOLENS_API_KEY (off: they get 401)",
    )
    http.add_argument("--max-request-bytes", type=int, help="largest request body accepted (default 1 MiB)")
    http.add_argument("--shutdown-grace", type=float, help="seconds SIGTERM waits for in-flight calls (default 20)")
    return parser


def _split(raw: str | None) -> tuple[str, ...] | None:
    return tuple(p.strip() for p in raw.split(",") if p.strip()) if raw else None


def settings_from(argv: list[str] | None, base: Settings | None = None) -> Settings:
    args = _parser().parse_args(argv)
    settings = base if base is not None else from_env()
    overrides = {
        "base_url": args.base_url,
        "toolsets": _split(args.toolsets),
        "read_only": args.read_only,
        "dynamic_toolsets": args.dynamic_toolsets,
        "log_level": args.log_level,
        "timeout": args.timeout,
        "search_wait": args.search_wait,
        "rate_limit_wait_cap": args.rate_limit_wait_cap,
        "cache_ttl": args.cache_ttl,
        "max_response_bytes": args.max_response_bytes,
        "result_tokens": args.result_tokens,
        "export_dir": args.export_dir,
        "body_chars": args.body_chars,
        "scope_filter": args.scope_filter,
        "redis_url": args.redis_url,
        "transport": args.transport,
        "host": args.host,
        "port": args.port,
        "allowed_hosts": _split(args.allowed_hosts),
        "allowed_origins": _split(args.allowed_origins),
        "http_server_key": args.http_server_key,
        "max_request_bytes": args.max_request_bytes,
        "shutdown_grace": args.shutdown_grace,
    }
    settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    if args.demo:
        settings = replace(settings, demo=True)
    return check(settings)


def _configure_logging(level: str, stream: TextIO) -> None:
    handler = logging.StreamHandler(stream)
    handler.setLevel(level)  # records made for an MCP client's lower threshold still stop here
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx2 logs each request line at INFO; keep it quiet unless debugging.
    logging.getLogger("httpx2").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)


def _demo_upstream() -> tuple[str, str, httpx2.AsyncBaseTransport]:
    """The in-process sandbox, made on the first call (listing tools never pays for its seed data)."""
    from octolens_sandbox import demo_transport

    return demo_transport()


def main(argv: list[str] | None = None) -> int:
    try:
        settings = settings_from(argv)
    except ConfigError as exc:
        print(f"octolens-mcp: {exc}", file=sys.stderr)
        return 2
    if not settings.demo and not settings.api_key and settings.transport == "stdio":
        print(NO_KEY_MESSAGE, file=sys.stderr, end="")
        return 2
    _configure_logging(settings.log_level, sys.stderr)
    import anyio

    from octolens_mcp.mcp.server import UnknownToolset, build_server, serve_stdio

    try:
        server = build_server(settings, upstream=_demo_upstream if settings.demo else None)
    except UnknownToolset as exc:
        print(f"octolens-mcp: {exc}", file=sys.stderr)
        return 2
    if settings.transport == "http":
        from octolens_mcp.mcp.http_app import serve_http

        serve_http(server, settings)
        return 0
    anyio.run(serve_stdio, server, settings.dynamic_toolsets or (settings.scope_filter and not settings.demo))
    return 0
