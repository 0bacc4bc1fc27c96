"""Result sizes in o200k_base tokens: compact vs raw API JSON, long posts, the largest result, the estimate.

Needs the bench extra (bpe-openai). Prints, for a 100-mention page served by the sandbox:
the raw API JSON, and what the model reads (the text block, and structuredContent) in compact and
full detail; the same with long posts; and how the server's own estimate compares with the tokenizer.
Usage: python scripts/bench_results.py
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx2
from bpe_openai import get_encoding
from mcp import Client

from octolens_mcp.config import Settings
from octolens_mcp.mcp.server import build_server
from octolens_mcp.mcp.tokens import estimate_tokens
from octolens_sandbox import DEMO_KEY, SANDBOX_BASE_URL, Sandbox, SandboxTransport

ENCODING = get_encoding("o200k_base")
LONG = (
    "We switched from spreadsheets to a proper analytics stack last quarter and wanted to share notes. "
    "Setup took an afternoon, the funnel reports were useful on day one, but retention cohorts needed "
    "a week of data before they meant anything.\n\n"
) * 20  # about 4,400 characters: a long Reddit or Hacker News post


def tokens(text: str) -> int:
    return len(ENCODING.encode(text))


def short_posts(sandbox: Sandbox) -> None:
    for mention in sandbox.mentions:
        mention["body"] = (mention.get("body") or "")[:120]


def long_posts(sandbox: Sandbox) -> None:
    for mention in sandbox.mentions:
        mention["body"] = LONG


async def raw_page(sandbox: Sandbox) -> str:
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=sandbox),
        base_url=SANDBOX_BASE_URL,
        headers={"Authorization": f"Bearer {DEMO_KEY}"},
    ) as http:
        response = await http.post("/mentions", json={"limit": 100, "includeAll": True})
    return json.dumps(response.json(), ensure_ascii=False, separators=(",", ":"))


async def tool_forms(sandbox: Sandbox, tool: str, arguments: dict[str, Any]) -> tuple[str, str]:
    settings = Settings(api_key=DEMO_KEY, base_url=SANDBOX_BASE_URL, toolsets=("all",))
    server = build_server(settings, transport=SandboxTransport(sandbox))
    async with Client(server) as client:
        result = await client.call_tool(tool, arguments)
    text = result.content[0].text if result.content and result.content[0].type == "text" else ""
    return text, json.dumps(result.structured_content, ensure_ascii=False, separators=(",", ":"))


async def page_report(label: str, prepare: Any) -> None:
    sandbox = Sandbox()
    prepare(sandbox)
    raw = tokens(await raw_page(sandbox))
    print(f"{label}: raw API JSON {raw} tokens")
    for detail in ("compact", "full"):
        text, structured = await tool_forms(
            sandbox, "list_mentions", {"limit": 100, "includeAll": True, "detail": detail}
        )
        kept = json.loads(structured)
        cut = kept.get("truncated")
        note = f", cut to {cut['returned']} items" if cut else ""
        print(
            f"  {detail:7}  text block {tokens(text):6} ({tokens(text) / raw:.0%})  "
            f"structuredContent {tokens(structured):6} ({tokens(structured) / raw:.0%})  "
            f"estimate {estimate_tokens(text):6}{note}"
        )


async def largest() -> None:
    sandbox = Sandbox()
    long_posts(sandbox)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("list_mentions", {"limit": 100, "includeAll": True, "detail": "full"}),
        ("export_mentions", {"limit": 50000, "includeAll": True, "detail": "full"}),
        ("export_mentions", {"limit": 50000, "includeAll": True, "format": "csv"}),
        ("run_search", {"query": "analytics", "maxResults": 500, "minRelevance": "low", "detail": "full"}),
        ("list_author_mentions", {"source": "reddit", "handle": "x", "limit": 50, "detail": "full"}),
        ("list_keywords", {}),
        ("list_feeds", {}),
    ]
    sizes = []
    for tool, arguments in calls:
        text, _ = await tool_forms(sandbox, tool, arguments)
        sizes.append((tokens(text), estimate_tokens(text), tool))
    top = max(sizes)
    print(f"largest result at maximum limits (long posts): {top[2]} {top[0]} tokens (estimate {top[1]})")
    ratio = min(estimate / real for real, estimate, _ in sizes if real)
    print(f"estimate / real tokens, lowest over those results: {ratio:.2f} (>= 1 means the estimate is safe)")


async def main() -> None:
    await page_report("100 short posts", short_posts)
    await page_report("100 long posts (~4,400 characters)", long_posts)
    await largest()


if __name__ == "__main__":
    anyio.run(main)
