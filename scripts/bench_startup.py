"""Cold start: spawn to `tools/list` answered, for octolens-mcp and for a one-tool server on the same SDK.

Prints the median of several runs for each, their ratio, and the size of the tools/list answer.
Usage: python scripts/bench_startup.py [runs]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

ONE_TOOL_SERVER = textwrap.dedent(
    """
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("one")

    @server.tool()
    def echo(text: str) -> str:
        \"\"\"Echo the text.\"\"\"
        return text

    server.run("stdio")
    """
)

MESSAGES: list[dict[str, Any]] = [
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "0"},
        },
    },
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
]


def time_to_tools_list(command: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdin is not None and process.stdout is not None
    size = 0
    for message in MESSAGES:
        process.stdin.write((json.dumps(message) + "\n").encode())
        process.stdin.flush()
        if "id" not in message:
            continue
        while True:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"{command} exited early")
            if json.loads(line).get("id") == message["id"]:
                size = len(line)
                break
    elapsed = time.perf_counter() - start
    process.kill()
    process.wait()
    return elapsed, size


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    octolens = [str(Path(sys.executable).with_name("octolens-mcp")), "--demo"]
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(ONE_TOOL_SERVER)
    baseline = [sys.executable, handle.name]
    results: dict[str, list[float]] = {
        "one-tool server": [],
        "octolens-mcp --demo (default toolsets)": [],
        "octolens-mcp --demo --toolsets all": [],
    }
    sizes: dict[str, int] = {}
    commands = {
        "one-tool server": baseline,
        "octolens-mcp --demo (default toolsets)": octolens,
        "octolens-mcp --demo --toolsets all": [*octolens, "--toolsets", "all"],
    }
    time_to_tools_list(baseline)  # warm the file cache once
    for _ in range(runs):
        for name, command in commands.items():
            elapsed, size = time_to_tools_list(command)
            results[name].append(elapsed)
            sizes[name] = size
    base = statistics.median(results["one-tool server"])
    for name, samples in results.items():
        median = statistics.median(samples)
        print(
            f"{name:42s} median {median * 1000:7.1f} ms  ratio {median / base:4.2f}  "
            f"tools/list {sizes[name]:,} bytes  ({runs} runs)"
        )
    Path(handle.name).unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
