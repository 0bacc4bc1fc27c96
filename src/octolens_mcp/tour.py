"""``octolens-mcp tour``: the server on demo data, seen through a real MCP client session, in under a minute.

It builds the server ``octolens-mcp --demo`` serves (the in-process sandbox: no key, no network), lists its
tools and calls a few of them as an agent would, printing what the agent reads: the text block of each
result, cut to a few lines. It writes no file. Then it says how to connect a host.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any

import anyio
from mcp import Client

from octolens_mcp.config import ConfigError, check, from_env
from octolens_mcp.console import error_body, session, text_of

LINES = 8
"""Lines of each result shown; the rest is counted."""
WIDTH = 100

NEXT = """
That was the server an MCP host starts. Next:
  octolens-mcp tools --demo                 every tool on offer (--toolsets all: all of them)
  octolens-mcp call list_mentions --demo --arg limit=5
                                            call any tool from the terminal (--output json for scripts)
  octolens-mcp install claude-desktop --demo
                                            connect a host: claude-desktop, claude-code, cursor, vscode,
                                            windsurf or zed (docs/install.md; without --demo it uses your key)
  octolens-mcp doctor                       when a host says "server disconnected" (docs/doctor.md)
"""


def main(argv: list[str]) -> int:
    argparse.ArgumentParser(
        prog="octolens-mcp tour",
        description="Call a few tools on demo data through a real MCP client session and show what an agent reads.",
    ).parse_args(argv)
    try:
        settings = check(replace(from_env(), demo=True, api_key=None))
    except ConfigError as exc:
        print(f"octolens-mcp tour: {exc}", file=sys.stderr)
        return 2
    anyio.run(_tour, settings)
    print(NEXT, end="")
    return 0


def say(text: str = "") -> None:
    print(text, flush=True)


def shown(text: str) -> str:
    """The agent's text as it reads it (JSON on one line), folded at ``WIDTH`` and cut to ``LINES`` lines."""
    lines = [line[i : i + WIDTH] for line in text.splitlines() for i in range(0, max(len(line), 1), WIDTH)]
    cut = lines[:LINES]
    if len(lines) > LINES:
        cut.append(f"… {len(lines) - LINES} more lines")
    return "\n".join("    │ " + line for line in cut)


async def step(client: Client, title: str, tool: str, arguments: dict[str, Any]) -> dict[str, Any] | None:
    say(f"\n▶ {title}\n  the agent calls {tool} {json.dumps(arguments)} and reads:")
    result = await client.call_tool(tool, arguments)
    say(shown(text_of(result)))
    if result.is_error:
        say(f"  (an error the agent can act on: {error_body(result)['error'].get('code')})")
        return None
    content: dict[str, Any] | None = result.structured_content
    return content


async def _tour(settings: Any) -> None:
    say("octolens-mcp tour: the server on demo data (a built-in sandbox of the Octolens API: no key, no network),")
    say("driven by a real MCP client session, as an agent in your host would drive it.")
    async with session(settings) as client:
        tools = (await client.list_tools()).tools
        names = ", ".join(tool.name for tool in tools[:4])
        say(f"\n▶ The host lists the tools: {len(tools)} by default ({names}, …)")
        await step(client, "Which keywords does the workspace track?", "list_keywords", {})
        page = await step(client, "The three newest mentions", "list_mentions", {"limit": 3})
        first = _first_id(page)
        if first is not None:
            await step(client, "One of them in full", "get_mention", {"sourceId": first})
        await step(client, "A mistake: an id that does not exist", "get_mention", {"sourceId": "no-such-post"})


def _first_id(page: dict[str, Any] | None) -> str | None:
    if not page or not isinstance(page.get("columns"), list) or not page.get("rows"):
        return None
    columns: list[Any] = page["columns"]
    if "sourceId" not in columns:
        return None
    value = page["rows"][0][columns.index("sourceId")]
    return value if isinstance(value, str) else None
