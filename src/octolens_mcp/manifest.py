"""The tool manifest: every tool's name, schemas, annotations and metadata, derived from the catalog.

Building it imports every model, which is the slow part of start-up, so the server lists tools
from ``tools.json``, a snapshot of ``build()``; a test fails when the snapshot is stale.
Regenerate it, and the README's tool table, with ``python -m octolens_mcp.manifest``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

MANIFEST_PATH = Path(__file__).with_name("tools.json")
README_PATH = Path(__file__).resolve().parents[2] / "README.md"
TABLE_START = "<!-- tools:start -->"
TABLE_END = "<!-- tools:end -->"

TOOLSETS: dict[str, str] = {
    "mentions": "Mentions: list, export, read, triage; tags; plain-language filters",
    "search": "On-demand AI-scored searches of public platforms",
    "keywords": "Tracked keywords and AI tuning suggestions",
    "feeds": "Saved feeds (filters + destinations)",
    "notifications": "Delivery rules: email, Slack, webhooks",
    "feedback": "Relevance feedback",
    "analytics": "Volume, sentiment, sources, keywords, dashboard",
    "org": "Workspace, usage, billing link, company profile, API key check",
    "members": "Members and invitations",
    "filters": "Org-wide global filter lists",
    "integrations": "Slack connection and channels",
}
DEFAULT_TOOLSETS: tuple[str, ...] = ("mentions", "keywords", "feeds", "analytics")


def build() -> list[dict[str, Any]]:
    """Every tool, in catalog order, exactly as the server publishes it."""
    from octolens_mcp.catalog import OPERATIONS
    from octolens_mcp.schema import input_schema, output_schema

    tools: list[dict[str, Any]] = []
    for op in OPERATIONS:
        tools.append(
            {
                "name": op.name,
                "title": op.title,
                "description": op.description,
                "toolset": op.toolset,
                "annotations": {
                    "title": op.title,
                    "readOnlyHint": op.read_only,
                    "destructiveHint": op.destructive,
                    "idempotentHint": op.idempotent,
                    "openWorldHint": op.open_world,
                },
                "_meta": {"octolens/operation": op.operation_id, "octolens/scope": op.scope},
                "inputSchema": input_schema(op.input),
                "outputSchema": output_schema(op.output),
            }
        )
    return tools


def load() -> list[dict[str, Any]]:
    tools: list[dict[str, Any]] = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    return tools


def render(tools: list[dict[str, Any]]) -> str:
    return json.dumps(tools, indent=1, ensure_ascii=False) + "\n"


def readme_table(tools: list[dict[str, Any]]) -> str:
    """The README's tool table, grouped by toolset."""
    lines = [
        TABLE_START,
        "| Tool | Toolset | Operation | Scope | Hints |",
        "|---|---|---|---|---|",
    ]
    for tool in tools:
        hints = tool["annotations"]
        flags = [
            name
            for name, on in (
                ("read-only", hints["readOnlyHint"]),
                ("destructive", hints["destructiveHint"]),
                ("idempotent", hints["idempotentHint"]),
                ("open-world", hints["openWorldHint"]),
            )
            if on
        ]
        default = " (default)" if tool["toolset"] in DEFAULT_TOOLSETS else ""
        lines.append(
            f"| `{tool['name']}` | {tool['toolset']}{default} | `{tool['_meta']['octolens/operation']}` "
            f"| {tool['_meta']['octolens/scope']} | {', '.join(flags) or '-'} |"
        )
    lines.append(TABLE_END)
    return "\n".join(lines)


def readme_with_table(readme: str, tools: list[dict[str, Any]]) -> str:
    start, end = readme.index(TABLE_START), readme.index(TABLE_END) + len(TABLE_END)
    return readme[:start] + readme_table(tools) + readme[end:]


def main() -> int:
    tools = build()
    MANIFEST_PATH.write_text(render(tools), encoding="utf-8")
    if README_PATH.exists() and TABLE_START in README_PATH.read_text(encoding="utf-8"):
        README_PATH.write_text(readme_with_table(README_PATH.read_text(encoding="utf-8"), tools), encoding="utf-8")
    print(f"wrote {len(tools)} tools to {MANIFEST_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
