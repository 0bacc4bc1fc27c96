"""``octolens-mcp tools`` and ``octolens-mcp call``: the server's tools from a terminal, through a real MCP session.

Both build the same server ``octolens-mcp`` serves (every server flag and variable applies, ``--demo`` included)
and talk to it with the MCP SDK's in-process client, so a call here is a call a host would make: the same
validation, results and errors. Output is for a person by default and JSON with ``--json`` (``tools``) or
``--output json`` (``call``); a call that ends in a tool error exits with status 1.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, TypeVar

import anyio
from mcp import Client
from mcp_types import CallToolResult, Tool

from octolens_mcp.cli import NO_KEY_MESSAGE, _configure_logging, _demo_upstream, _parser
from octolens_mcp.config import SETTINGS, ConfigError, Settings, check, from_env, parse

T = TypeVar("T")

WIDTH = 48
"""Widest cell of a table shown to a person; longer values end with an ellipsis."""


class Refused(Exception):
    """The command line cannot be run: the message says why; exit status 2."""


def server_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The server's own flags (``--demo``, ``--toolsets``, …) under a subcommand's name."""
    parser = _parser()
    parser.prog = prog
    parser.description = description
    return parser


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings a server started with these flags would have, over the environment's."""
    overrides: dict[str, object] = {}
    for setting in SETTINGS:
        raw = getattr(args, setting.field, None) if setting.flag else None
        value = raw if raw is None or setting.kind == "bool" else parse(setting, raw, setting.flag or "")
        if value is not None:
            overrides[setting.field] = value
    settings = check(replace(from_env(), **overrides))  # type: ignore[arg-type]
    if not settings.demo and not settings.api_key:
        raise Refused(NO_KEY_MESSAGE.rstrip())
    return settings


@asynccontextmanager
async def session(settings: Settings) -> AsyncIterator[Client]:
    """An MCP client session with the server ``settings`` describe, in this process."""
    from octolens_mcp.mcp.server import build_server

    server = build_server(settings, upstream=_demo_upstream if settings.demo else None)
    async with Client(server) as client:
        yield client


def run(argv: list[str], parser: argparse.ArgumentParser, body: Callable[[argparse.Namespace, Settings], int]) -> int:
    """Parse, set up logging, run ``body``; a refusal or a bad setting is one line on stderr and status 2."""
    from octolens_mcp.mcp.server import UnknownToolset

    args = parser.parse_args(argv)
    try:
        settings = settings_of(args)
        _configure_logging(settings, sys.stderr)
        return body(args, settings)
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (the interpreter flushes it at exit, not us)
        return 0
    except (ConfigError, Refused, UnknownToolset) as exc:
        text = str(exc)
        print(text if text.startswith("octolens-mcp") else f"{parser.prog}: {text}", file=sys.stderr)
        return 2


# ---------------------------------------------------------------- tools


def tools(argv: list[str]) -> int:
    parser = server_parser("octolens-mcp tools", "List the tools the server offers with these settings.")
    parser.add_argument("--json", action="store_true", help="print the tool list as MCP sends it, as JSON")
    return run(argv, parser, _tools)


def _tools(args: argparse.Namespace, settings: Settings) -> int:
    listed = anyio.run(_list, settings)
    if args.json:
        print(json.dumps([tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in listed], indent=2))
        return 0
    name_width = max(len(tool.name) for tool in listed)
    for tool in listed:
        hints = tool.annotations
        kind = "read" if hints is not None and hints.read_only_hint else "write"
        print(f"{tool.name:<{name_width}}  {kind:<5}  {first_sentence(tool.description or tool.title or '')}")
    print(f"\n{len(listed)} tools. --json prints their arguments; octolens-mcp call TOOL --arg KEY=VALUE calls one.")
    return 0


async def _list(settings: Settings) -> list[Tool]:
    async with session(settings) as client:
        return list((await client.list_tools()).tools)


def first_sentence(text: str) -> str:
    sentence = text.split(". ", 1)[0].rstrip(".")
    return sentence if len(sentence) <= 100 else sentence[:99] + "…"


# ---------------------------------------------------------------- call


def call(argv: list[str]) -> int:
    parser = server_parser(
        "octolens-mcp call",
        "Call one tool and print its result. Arguments come from --json (an object) and --arg KEY=VALUE "
        "(a VALUE is read as JSON when the argument is not a string: limit=5, tags='[\"a\"]'). "
        "Exit status 1 when the tool answers with an error.",
    )
    parser.add_argument("tool", help="the tool's name (octolens-mcp tools lists them)")
    parser.add_argument("--arg", action="append", default=[], metavar="KEY=VALUE", help="one argument; repeatable")
    parser.add_argument("--json", dest="arguments", metavar="JSON", help="the arguments as one JSON object")
    parser.add_argument(
        "--output", choices=("text", "json"), default="text", help="text for a person (default) or json for scripts"
    )
    return run(argv, parser, _call)


def _call(args: argparse.Namespace, settings: Settings) -> int:
    arguments = _json_arguments(args.arguments)
    result = anyio.run(_call_tool, settings, args.tool, arguments, args.arg)
    if isinstance(result, str):
        raise Refused(result)
    as_json = args.output == "json"
    if result.is_error:
        error = error_body(result)
        if as_json:
            print(json.dumps(error))
        else:
            print(f"octolens-mcp call {args.tool}: {describe_error(error)}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(result.structured_content if result.structured_content is not None else text_of(result)))
    else:
        print(readable(result))
    return 0


def _json_arguments(raw: str | None) -> dict[str, Any]:
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise Refused(f"--json is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise Refused("--json must be a JSON object of arguments, such as '{\"limit\": 5}'")
    return value


async def _call_tool(
    settings: Settings, name: str, arguments: dict[str, Any], pairs: list[str]
) -> CallToolResult | str:
    """The tool's result, or why it cannot be called (said outside the session, whose task groups would wrap it)."""
    for pair in pairs:
        if not pair.partition("=")[0] or "=" not in pair:
            return f"--arg {pair!r}: write KEY=VALUE"
    async with session(settings) as client:
        offered = {tool.name: tool for tool in (await client.list_tools()).tools}
        if name not in offered:
            return _unknown(name, offered, settings)
        schema = offered[name].input_schema.get("properties", {})
        for pair in pairs:
            key, _, value = pair.partition("=")
            arguments[key] = argument_value(value, schema.get(key, {}))
        return await client.call_tool(name, arguments)


def _unknown(name: str, offered: dict[str, Tool], settings: Settings) -> str:
    from octolens_mcp.catalog.inventory import BY_NAME

    operation = BY_NAME.get(name)
    if operation is not None:
        writes = "" if operation.read_only or not settings.read_only else ", without --read-only"
        return (
            f"{name} is not offered with these settings (its toolset is {operation.toolset}): "
            f"add --toolsets {operation.toolset} (or all){writes}"
        )
    close = difflib.get_close_matches(name, list(offered), n=1)
    suggestion = f" (did you mean {close[0]}?)" if close else ""
    return f"no tool named {name!r}{suggestion}; octolens-mcp tools lists them"


def argument_value(raw: str, schema: dict[str, Any]) -> Any:
    """A ``--arg`` value: kept as text where the argument takes only text, otherwise read as JSON if it is JSON."""
    if _types(schema) == {"string"}:
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {str(k) for k in kind if k != "null"}
    found: set[str] = set()
    for option in schema.get("anyOf", schema.get("oneOf", [])):
        if isinstance(option, dict):
            found |= _types(option)
    found.discard("null")
    return found or {"any"}


# ---------------------------------------------------------------- what a result looks like


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")


def error_body(result: CallToolResult) -> dict[str, Any]:
    """An error result's JSON (``{"error": {...}, "hint": ...}``), the last line of its text block."""
    text = text_of(result)
    try:
        body = json.loads(text.splitlines()[-1]) if text else {}
    except json.JSONDecodeError:
        body = {}
    return body if isinstance(body, dict) and "error" in body else {"error": {"message": text}}


def describe_error(body: dict[str, Any]) -> str:
    error = body.get("error", {})
    head = f"{error.get('code', 'ERROR')}: {error.get('message', '')}".rstrip(": ")
    hint = body.get("hint")
    return f"{head}\n  hint: {hint}" if hint else head


def readable(result: CallToolResult) -> str:
    """A success for a person: a compact table as aligned columns, anything else as indented JSON."""
    content = result.structured_content
    if content is None:
        return text_of(result)
    if isinstance(content.get("columns"), list) and isinstance(content.get("rows"), list):
        rest = {k: v for k, v in content.items() if k not in {"columns", "rows"}}
        shown = table(content["columns"], content["rows"])
        return shown + ("\n" + json.dumps(rest, indent=2) if rest else "")
    return json.dumps(content, indent=2, ensure_ascii=False)


def cell(value: Any) -> str:
    text = "" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def table(columns: list[Any], rows: list[Any]) -> str:
    cells = [[cell(c) for c in columns], *([cell(v) for v in row] for row in rows if isinstance(row, list))]
    widths = [max(len(line[i]) for line in cells if i < len(line)) for i in range(len(columns))]
    lines = ["  ".join(value.ljust(widths[i]) for i, value in enumerate(line)).rstrip() for line in cells]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])
