"""Print the token cost of what a host puts in the model's context for the tool list.

Counts, per tool, the o200k_base tokens of its name, description and input schema (compact JSON),
for all tools and for the default toolsets. Usage: python scripts/count_tokens.py [--per-tool]
"""

from __future__ import annotations

import json
import sys

from bpe_openai import get_encoding

from octolens_mcp.catalog.toolsets import DEFAULT_TOOLSETS
from octolens_mcp.mcp.manifest import load


def main() -> int:
    encoding = get_encoding("o200k_base")
    tools = load()
    rows = []
    for tool in tools:
        text = tool["name"] + "\n" + tool["description"] + "\n" + json.dumps(tool["inputSchema"], separators=(",", ":"))
        rows.append((tool["name"], tool["toolset"], len(encoding.encode(text))))
    if "--per-tool" in sys.argv:
        for name, toolset, count in sorted(rows, key=lambda r: -r[2]):
            print(f"{count:6d}  {toolset:14s} {name}")
    total = sum(r[2] for r in rows)
    default = sum(r[2] for r in rows if r[1] in DEFAULT_TOOLSETS)
    print(f"all tools ({len(rows)}): {total} tokens")
    defaults = sum(r[1] in DEFAULT_TOOLSETS for r in rows)
    print(f"default toolsets {','.join(DEFAULT_TOOLSETS)} ({defaults}): {default} tokens")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
