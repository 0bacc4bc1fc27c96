"""Print the token cost of what a host puts in the model's context for the tool list.

Counts, per tool, the o200k_base tokens of its name, description and input schema (compact JSON),
for all tools, for the default toolsets, and for what a dynamic-toolsets session starts with.
Usage: python scripts/count_tokens.py [--per-tool]
"""

from __future__ import annotations

import json
import sys

from bpe_openai import get_encoding

from octolens_mcp.catalog.toolsets import DEFAULT_TOOLSETS
from octolens_mcp.mcp.exposure import CORE_TOOLS, ENABLE_TOOLSET, LIST_TOOLSETS
from octolens_mcp.mcp.manifest import load, offered_by_default


def main() -> int:
    encoding = get_encoding("o200k_base")
    tools = load()
    rows = []

    def cost(name: str, description: str, schema: dict[str, object]) -> int:
        return len(encoding.encode(name + "\n" + description + "\n" + json.dumps(schema, separators=(",", ":"))))

    for tool in tools:
        by_default = offered_by_default(tool)
        rows.append((tool["name"], by_default, cost(tool["name"], tool["description"], tool["inputSchema"])))
    if "--per-tool" in sys.argv:
        for name, by_default, count in sorted(rows, key=lambda r: -r[2]):
            print(f"{count:6d}  {'default' if by_default else '':8s} {name}")
    total = sum(r[2] for r in rows)
    default = sum(r[2] for r in rows if r[1])
    print(f"all tools ({len(rows)}): {total} tokens")
    defaults = sum(r[1] for r in rows)
    print(f"default toolsets {','.join(DEFAULT_TOOLSETS)} ({defaults}): {default} tokens")
    meta = sum(cost(t.name, t.description or "", dict(t.input_schema)) for t in (LIST_TOOLSETS, ENABLE_TOOLSET))
    start = sum(r[2] for r in rows if r[0] in CORE_TOOLS) + meta
    print(f"dynamic toolsets, at start ({len(CORE_TOOLS) + 2}): {start} tokens")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
