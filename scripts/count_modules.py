"""How many of the server's modules one tool call crosses, from the request to the result.

Usage: python scripts/count_modules.py

Each call runs once first (imports, the reference cache, the scope lookup), then again while a profile hook
notes the module of every function of ``octolens_mcp`` that runs. The sandbox answers in process; its
modules are not counted.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import anyio
from mcp import Client

from octolens_mcp.config import Settings
from octolens_mcp.mcp.server import build_server
from octolens_sandbox import SANDBOX_BASE_URL, Sandbox, SandboxTransport

KEY = "ak_live_count_modules_0000"
CALLS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("list_mentions", {"limit": 20}),
    ("update_mention", {"sourceId": "", "sentiment": "Positive"}),
    ("run_search", {"query": "analytics"}),
)


async def crossed(name: str, arguments: dict[str, Any]) -> list[str]:
    sandbox = Sandbox(keys={KEY: "admin"})
    if name == "update_mention":
        arguments = {**arguments, "sourceId": sandbox.mentions[0]["sourceId"]}
    settings = Settings(api_key=KEY, base_url=SANDBOX_BASE_URL, toolsets=("all",), scope_filter=False)
    server = build_server(settings, transport=SandboxTransport(sandbox))
    seen: set[str] = set()

    def note(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call":
            module = frame.f_globals.get("__name__", "")
            if module.startswith("octolens_mcp."):
                seen.add(module)

    async with Client(server) as client:
        await client.call_tool(name, arguments)
        hook: Callable[[FrameType, str, object], None] = note
        sys.setprofile(hook)
        try:
            await client.call_tool(name, arguments)
        finally:
            sys.setprofile(None)
    return sorted(seen)


async def main() -> None:
    for name, arguments in CALLS:
        modules = await crossed(name, arguments)
        print(f"{name}: {len(modules)} modules: {', '.join(m.removeprefix('octolens_mcp.') for m in modules)}")


if __name__ == "__main__":
    anyio.run(main)
