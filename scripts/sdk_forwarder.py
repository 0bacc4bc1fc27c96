"""The load benchmark's baseline: a bare MCP server on the same SDK that forwards each tool call to the API.

The tools ``scripts/bench_http_load.py`` calls, each one HTTP request to the API with the caller's Bearer
token, the answer's JSON text returned as it came: no validation, no cleaning, no budget, no cache, no
rate budget. Stateless streamable HTTP on uvicorn, as octolens-mcp serves it, so the difference in CPU per
call between the two is what octolens-mcp's own layers cost.

Usage: python scripts/sdk_forwarder.py PORT API_BASE_URL
"""

from __future__ import annotations

import sys
from typing import Any

import httpx2
import uvicorn
from mcp.server import Server, ServerRequestContext
from mcp_types import CallToolRequestParams, CallToolResult, ListToolsResult, PaginatedRequestParams, TextContent, Tool

FORWARDS: dict[str, tuple[str, str]] = {
    "list_keywords": ("GET", "/keywords"),
    "list_mentions": ("POST", "/mentions"),
    "list_tags": ("GET", "/tags"),
    "list_feeds": ("GET", "/feeds"),
}
"""Tool → the API request it forwards to; a POST sends the tool's arguments as the JSON body."""


def build(base_url: str) -> Server[Any]:
    http = httpx2.AsyncClient(base_url=base_url, timeout=30)
    tools = [Tool(name=name, input_schema={"type": "object"}) for name in FORWARDS]

    async def list_tools(_ctx: ServerRequestContext[Any], _params: PaginatedRequestParams | None) -> ListToolsResult:
        return ListToolsResult(tools=tools)

    async def call_tool(ctx: ServerRequestContext[Any], params: CallToolRequestParams) -> CallToolResult:
        method, path = FORWARDS[params.name]
        headers = {"Authorization": ctx.request.headers.get("authorization", "")} if ctx.request else {}
        body = (params.arguments or {}) if method == "POST" else None
        answer = await http.request(method, path, json=body, headers=headers)
        return CallToolResult(content=[TextContent(text=answer.text)], is_error=answer.status_code >= 400)

    return Server("forwarder", on_list_tools=list_tools, on_call_tool=call_tool)


def main() -> None:
    port, base_url = int(sys.argv[1]), sys.argv[2]
    app = build(base_url).streamable_http_app(streamable_http_path="/mcp", stateless_http=True, host="127.0.0.1")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)


if __name__ == "__main__":
    main()
