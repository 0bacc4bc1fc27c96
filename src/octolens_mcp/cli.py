"""The ``octolens-mcp`` command: parse flags over environment settings and serve MCP over stdio."""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from octolens_mcp import __version__
from octolens_mcp.catalog.toolsets import DEFAULT_TOOLSETS, TOOLSETS
from octolens_mcp.config import SETTINGS, ConfigError, Setting, Settings, check, from_env, parse

if TYPE_CHECKING:
    import httpx2

NO_KEY_MESSAGE = """octolens-mcp: no Octolens API key.

Create one in Octolens under Settings -> API (choose read, write or admin scope), then either
  - put it in your MCP host's config, under "env": {"OCTOLENS_API_KEY": "ak_live_..."}
  - or read it into the environment without echoing it (so it stays out of shell history):
        read -rs OCTOLENS_API_KEY && export OCTOLENS_API_KEY && octolens-mcp

To try every tool without a key, on demo data: octolens-mcp --demo
"""

COMMANDS = {
    "tour": "octolens_mcp.tour:main",
    "tools": "octolens_mcp.console:tools",
    "call": "octolens_mcp.console:call",
    "install": "octolens_mcp.setup.install:main",
    "doctor": "octolens_mcp.setup.doctor:main",
}
"""Subcommand → ``module:function``, a ``(argv: list[str]) -> int`` given the words after the subcommand's
name; imported only when named, so serving never pays for it."""

WAITING = (
    "octolens-mcp: waiting for an MCP host on stdin (this terminal is not one; Ctrl+C stops).\n"
    "  Try it: octolens-mcp tour, octolens-mcp tools --demo; connect a host: octolens-mcp install HOST.\n"
)
"""Said on stderr when a person starts the stdio server in a terminal."""

FACTS = {"toolsets": ", ".join(TOOLSETS), "default_toolsets": ",".join(DEFAULT_TOOLSETS)}
"""What the settings' texts leave to be filled in: the catalog's toolsets."""


def filled(text: str) -> str:
    """A setting's Markdown text with the catalog's facts in it."""
    return text.format(**FACTS)


def plain(text: str) -> str:
    """A setting's text for a terminal or a registry: filled in, without Markdown's backticks."""
    return filled(text).replace("`", "")


def default_of(setting: Setting) -> str | None:
    """The default as the setting's variable would be written; None when there is none to write."""
    if setting.default is not None:
        return filled(setting.default)
    return setting.value_text(getattr(Settings(), setting.field))


def _help(setting: Setting) -> str:
    if setting.kind == "bool":
        default = "on" if getattr(Settings(), setting.field) else "off"
        if default == "on":
            return f"{plain(setting.about)}; this flag turns it off (env {setting.env})"
    else:
        default = plain(setting.shown) if setting.shown else str(default_of(setting))
    env = f"env {setting.env}; " if setting.env else ""
    return f"{plain(setting.about)} ({env}default {default})"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="octolens-mcp",
        allow_abbrev=False,  # the container healthcheck reads the flags by their full names
        description="MCP server exposing the Octolens REST API v2 as tools, over stdio or streamable HTTP. "
        f"Commands: {', '.join(COMMANDS)} (octolens-mcp COMMAND --help).",
        epilog=f"Environment: {', '.join(s.env for s in SETTINGS if s.env)}. An on/off variable takes 1, true, yes, "
        "on or 0, false, no, off. Flags override the environment.",
    )
    parser.add_argument("--version", action="version", version=f"octolens-mcp {__version__}")
    http = parser.add_argument_group("HTTP server (--transport http)")
    for setting in SETTINGS:
        if setting.flag is None:
            continue
        group = http if setting.http else parser
        if setting.kind == "bool":
            action = "store_false" if getattr(Settings(), setting.field) else "store_true"
            group.add_argument(setting.flag, dest=setting.field, action=action, default=None, help=_help(setting))
        else:
            group.add_argument(setting.flag, dest=setting.field, metavar=setting.field.upper(), help=_help(setting))
    return parser


def settings_from(argv: list[str] | None, base: Settings | None = None) -> Settings:
    args = _parser().parse_args(argv)
    overrides: dict[str, object] = {}
    for setting in SETTINGS:
        raw = getattr(args, setting.field) if setting.flag else None
        value = raw if raw is None or setting.kind == "bool" else parse(setting, raw, setting.flag or "")
        if value is not None:
            overrides[setting.field] = value
    return check(replace(base if base is not None else from_env(), **overrides))  # type: ignore[arg-type]


def _configure_logging(settings: Settings, stream: TextIO) -> None:
    from octolens_mcp import logformat

    logformat.configure(settings.log_level, stream, settings.log_format, access=settings.transport == "http")


def _demo_upstream() -> tuple[str, str, httpx2.AsyncBaseTransport]:
    """The in-process sandbox, made on the first call (listing tools never pays for its seed data)."""
    from octolens_sandbox import demo_transport

    return demo_transport()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        module, _, function = COMMANDS[argv[0]].partition(":")
        status: int = getattr(importlib.import_module(module), function)(argv[1:])
        return status
    try:
        settings = settings_from(argv)
    except ConfigError as exc:
        print(f"octolens-mcp: {exc}", file=sys.stderr)
        return 2
    if not settings.demo and not settings.api_key and settings.transport == "stdio":
        print(NO_KEY_MESSAGE, file=sys.stderr, end="")
        return 2
    _configure_logging(settings, sys.stderr)
    import anyio

    from octolens_mcp.mcp.server import UnknownToolset, build_server, serve_stdio

    try:
        server = build_server(settings, upstream=_demo_upstream if settings.demo else None)
    except UnknownToolset as exc:
        print(f"octolens-mcp: {exc}", file=sys.stderr)
        return 2
    if settings.transport == "http":
        from octolens_mcp.mcp.http_app import serve_http

        try:
            serve_http(server, settings)
        except ConfigError as exc:  # found only once the app is built (an OAuth directory it cannot write)
            print(f"octolens-mcp: {exc}", file=sys.stderr)
            return 2
        return 0
    if sys.stdin.isatty():
        print(WAITING, file=sys.stderr, end="", flush=True)
    anyio.run(serve_stdio, server, settings.dynamic_toolsets or (settings.scope_filter and not settings.demo))
    return 0
