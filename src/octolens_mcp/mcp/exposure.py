"""Which tools a session sees: the selected toolsets, or, in dynamic mode, a few tools plus two to add more.

Static mode lists the selected toolsets' tools once. Dynamic mode (``--dynamic-toolsets``) starts with
``CORE_TOOLS`` and two tools of its own, ``list_toolsets`` and ``enable_toolset``; enabling a toolset
adds its tools and sends ``notifications/tools/list_changed``, so an agent that needs members or Slack
enables them itself while the tool list in its context stays small.
"""

from __future__ import annotations

from typing import Any

from mcp_types import CallToolResult, TextContent, Tool

from octolens_mcp.catalog.toolsets import TOOLSETS
from octolens_mcp.http.errors import refused
from octolens_mcp.jsontext import json_text
from octolens_mcp.mcp.manifest import ToolEntry
from octolens_mcp.mcp.scopes import allows
from octolens_mcp.mcp.visibility import Visibility

CORE_TOOLS = ("list_mentions", "get_mention", "list_keywords")
"""What a dynamic session starts with, besides the two toolset tools."""
_TOOL_KEYS = ("name", "title", "description", "inputSchema", "outputSchema", "annotations", "_meta")

LIST_TOOLSETS = Tool.model_validate(
    {
        "name": "list_toolsets",
        "title": "List toolsets",
        "description": "List the toolsets this server offers, their tools, and which are enabled.",
        "inputSchema": {"type": "object", "properties": {}, "additionalProperties": False},
        "outputSchema": {
            "type": "object",
            "properties": {
                "toolsets": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "description": {"type": "string"},
                            "enabled": {"type": "boolean"},
                            "tools": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                }
            },
            "required": ["toolsets"],
        },
        "annotations": {"title": "List toolsets", "readOnlyHint": True, "openWorldHint": False},
    }
)
ENABLE_TOOLSET = Tool.model_validate(
    {
        "name": "enable_toolset",
        "title": "Enable toolsets",
        "description": "Add the tools of one or more toolsets (see list_toolsets) to this session's tool list.",
        "inputSchema": {
            "type": "object",
            "properties": {"toolsets": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
            "required": ["toolsets"],
            "additionalProperties": False,
        },
        "outputSchema": {
            "type": "object",
            "properties": {
                "enabled": {"type": "array", "items": {"type": "string"}},
                "addedTools": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["enabled", "addedTools"],
        },
        "annotations": {"title": "Enable toolsets", "readOnlyHint": True, "idempotentHint": True},
    }
)


class Exposure:
    """The tools a server lists and accepts calls for: by settings, by enabled toolsets, and by key scope.

    ``scope`` (read, write, admin, or None when unknown) narrows what is offered to a key: a tool that
    needs a higher scope is neither listed nor callable for it.
    """

    def __init__(self, every_tool: list[ToolEntry], offered: list[ToolEntry], *, dynamic: bool, read_only: bool):
        self._every_tool = every_tool
        self._offered = {tool["name"]: tool for tool in offered}
        self.dynamic = dynamic
        self._read_only = read_only
        self._toolsets = [name for name in TOOLSETS if any(t["toolset"] == name for t in offered)]
        self._shown = {name for name in CORE_TOOLS if name in self._offered} if dynamic else set(self._offered)
        self._enabled: set[str] = set()
        self._listings: dict[str | None, list[Tool]] = {}
        self._visibilities: dict[str | None, Visibility] = {}

    def tools(self, scope: str | None = None) -> list[Tool]:
        listing = self._listings.get(scope)
        if listing is None:
            listed = [
                Tool.model_validate({k: v for k, v in t.items() if k in _TOOL_KEYS})
                for t in self._offered.values()
                if t["name"] in self._shown and allows(scope, _needed(t))
            ]
            listing = self._listings[scope] = [LIST_TOOLSETS, ENABLE_TOOLSET, *listed] if self.dynamic else listed
        return listing

    def schema(self, name: str, scope: str | None = None) -> dict[str, Any] | None:
        """The input schema of a tool this session may call now."""
        tool = self._offered.get(name)
        if tool is None or name not in self._shown or not allows(scope, _needed(tool)):
            return None
        schema: dict[str, Any] = tool["inputSchema"]
        return schema

    def visibility(self, scope: str | None = None) -> Visibility:
        visibility = self._visibilities.get(scope)
        if visibility is None:
            exposed = {name for name in self._shown if allows(scope, _needed(self._offered[name]))}
            visibility = self._visibilities[scope] = Visibility.of(
                self._every_tool, exposed=exposed, read_only=self._read_only, enableable=self.dynamic, scope=scope
            )
        return visibility

    def list_toolsets(self) -> CallToolResult:
        rows = [
            {
                "name": name,
                "description": TOOLSETS[name],
                "enabled": all(t in self._shown for t in self._tools_of(name)),
                "tools": self._tools_of(name),
            }
            for name in self._toolsets
        ]
        return _result({"toolsets": rows})

    def enable(self, arguments: dict[str, Any] | None) -> tuple[CallToolResult, bool]:
        """Enable the named toolsets; the result, and whether the tool list changed."""
        wanted = (arguments or {}).get("toolsets")
        if not isinstance(wanted, list) or not wanted or not all(isinstance(w, str) for w in wanted):
            return _invalid("toolsets", "send a non-empty array of toolset names"), False
        unknown = [w for w in wanted if w not in self._toolsets]
        if unknown:
            return _invalid(
                "toolsets", f"unknown toolset(s) {', '.join(unknown)}; choose from {', '.join(self._toolsets)}"
            ), False
        added = [t for name in wanted for t in self._tools_of(name) if t not in self._shown]
        self._shown.update(added)
        self._enabled.update(wanted)
        self._listings.clear()
        self._visibilities.clear()
        return _result({"enabled": sorted(self._enabled), "addedTools": added}), bool(added)

    def _tools_of(self, toolset: str) -> list[str]:
        return [name for name, tool in self._offered.items() if tool["toolset"] == toolset]


def _needed(tool: ToolEntry) -> str:
    return str(tool.get("_meta", {}).get("octolens/scope", "read"))


def _result(structured: dict[str, Any]) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=json_text(structured))], structured_content=structured)


def _invalid(path: str, message: str) -> CallToolResult:
    hint = "Call list_toolsets for the toolset names, then call again."
    body = {"error": refused(path, message).envelope(), "hint": hint}
    text = json_text(body)
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True, _meta={"octolens/error": body})
