"""Regenerate src/octolens_mcp/mcp/tools.json and the tool table in docs/tools.md from the catalog.

Usage: python scripts/generate_manifest.py [--check]
--check writes nothing and exits 1 when either is stale (a test runs it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from octolens_mcp.mcp import manifest
from octolens_mcp.mcp.manifest import ToolEntry

README_PATH = Path(__file__).resolve().parents[1] / "docs" / "tools.md"
"""Where the tool table is (once the README's; the name is kept for the tests that import it)."""
TABLE_START = "<!-- tools:start -->"
TABLE_END = "<!-- tools:end -->"


def readme_table(tools: list[ToolEntry]) -> str:
    """The tool table, in catalog order."""
    lines = [TABLE_START, "| Tool | Toolset | Operation | Scope | Hints |", "|---|---|---|---|---|"]
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
        default = " (default)" if manifest.offered_by_default(tool) else ""
        lines.append(
            f"| `{tool['name']}` | {tool['toolset']}{default} | `{tool['_meta']['octolens/operation']}` "
            f"| {tool['_meta']['octolens/scope']} | {', '.join(flags) or '-'} |"
        )
    lines.append(TABLE_END)
    return "\n".join(lines)


def readme_with_table(readme: str, tools: list[ToolEntry]) -> str:
    start, end = readme.index(TABLE_START), readme.index(TABLE_END) + len(TABLE_END)
    return readme[:start] + readme_table(tools) + readme[end:]


def main(argv: list[str]) -> int:
    tools = manifest.build()
    snapshot = manifest.render(tools)
    readme = readme_with_table(README_PATH.read_text(encoding="utf-8"), tools)
    if "--check" in argv:
        stale = [
            name
            for name, current, wanted in (
                ("src/octolens_mcp/mcp/tools.json", manifest.MANIFEST_PATH.read_text(encoding="utf-8"), snapshot),
                ("docs/tools.md tool table", README_PATH.read_text(encoding="utf-8"), readme),
            )
            if current != wanted
        ]
        for name in stale:
            print(f"{name} is stale: run python scripts/generate_manifest.py", file=sys.stderr)
        return 1 if stale else 0
    manifest.MANIFEST_PATH.write_text(snapshot, encoding="utf-8")
    README_PATH.write_text(readme, encoding="utf-8")
    print(f"wrote {len(tools)} tools to {manifest.MANIFEST_PATH} and the table in docs/tools.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
