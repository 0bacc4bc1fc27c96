"""A naive pass-through MCP bridge over the Octolens API: the "generic OpenAPI bridge" baseline of bench_tasks.

One tool per API operation, under the same names as ours. A tool's arguments are the operation's path
parameters plus ``query`` and ``body``, sent as given in exactly one HTTP request (with the
``Authorization: Bearer`` key); the answer is the API's JSON body, whole, as text (compact JSON, as the
API sends it) and as ``structuredContent`` (a non-object body wrapped as ``{"result": body}``). It reads
nothing before or after a write, resolves no names (callers pass ids), and sends toggles (engage, pause)
as the caller wrote them. Which operations exist is taken from a server's ``tools/list``
(``_meta["octolens/operation"]``), their descriptions from the reference's summaries.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
from mcp.server import Server, ServerRequestContext
from mcp_types import (
    CallToolRequestParams,
    CallToolResult,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
    Tool,
)

REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "data" / "octolens-operations.json"
OPERATION_META = "octolens/operation"


@dataclass(frozen=True)
class Operation:
    tool: str
    method: str
    path: str
    summary: str

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


def operations_of(tools: list[Tool]) -> list[Operation]:
    """The operations behind a tool list (``_meta["octolens/operation"]``), described as the reference does."""
    summaries = {f"{op['method']} {op['path']}": op["summary"] for op in json.loads(REFERENCE.read_text())}
    found = []
    for tool in tools:
        operation = (tool.meta or {}).get(OPERATION_META)
        if isinstance(operation, str):
            method, path = operation.split(" ", 1)
            found.append(Operation(tool.name, method, path, summaries.get(operation, tool.name)))
    return found


def input_schema(op: Operation) -> dict[str, Any]:
    properties: dict[str, Any] = {name: {"type": "string"} for name in op.path_params}
    properties["query"] = {"type": "object", "description": "Query parameters."}
    if op.method != "GET":
        properties["body"] = {"description": "JSON request body."}
    return {"type": "object", "properties": properties, "required": op.path_params}


def build_bridge(
    operations: list[Operation], *, base_url: str, api_key: str, transport: httpx2.AsyncBaseTransport | None = None
) -> Server[Any]:
    """The bridge, as an MCP server whose HTTP goes to ``base_url`` (through ``transport`` if given)."""
    by_name = {op.tool: op for op in operations}
    tools = [
        Tool(name=op.tool, description=f"{op.method} {op.path}: {op.summary}", input_schema=input_schema(op))
        for op in operations
    ]

    async def list_tools(_: ServerRequestContext[Any], __: PaginatedRequestParams | None) -> ListToolsResult:
        return ListToolsResult(tools=tools)

    async def call_tool(ctx: ServerRequestContext[Any], params: CallToolRequestParams) -> CallToolResult:
        op = by_name.get(params.name)
        if op is None:
            return CallToolResult(content=[TextContent(type="text", text=f"unknown tool {params.name}")], is_error=True)
        arguments = dict(params.arguments or {})
        path = op.path
        for name in op.path_params:
            path = path.replace(f"{{{name}}}", quote(str(arguments.get(name, "")), safe=""))
        http: httpx2.AsyncClient = ctx.lifespan_context["http"]
        response = await http.request(op.method, path, params=arguments.get("query"), json=arguments.get("body"))
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        failed = response.status_code >= 400
        structured = None if failed else body if isinstance(body, dict) else {"result": body}
        return CallToolResult(
            content=[TextContent(type="text", text=text)], structured_content=structured, is_error=failed
        )

    @asynccontextmanager
    async def lifespan(_: Server[Any]) -> AsyncIterator[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {api_key}"}
        async with httpx2.AsyncClient(base_url=base_url, transport=transport, headers=headers, timeout=30) as http:
            yield {"http": http}

    return Server("octolens-naive-bridge", lifespan=lifespan, on_list_tools=list_tools, on_call_tool=call_tool)
