"""A stdio MCP server over a sandbox that loses the answer to the first ``POST /feeds``.

Run from the repository root as ``python -m tests.fault_server``; tests/test_ts_client.py drives it with
the TypeScript SDK client to see how a RESPONSE_LOST error reaches a real host. Logs go to stderr only:
stdout carries the protocol.
"""

from __future__ import annotations

import logging
import sys

import anyio

from octolens_mcp.config import Settings
from octolens_mcp.mcp.server import build_server, serve_stdio
from octolens_sandbox import DEMO_KEY, SANDBOX_BASE_URL, Fault, FaultySandbox, SandboxTransport


def main() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    sandbox = FaultySandbox()
    sandbox.faults.append(Fault("drop_after", route="POST /feeds"))
    settings = Settings(api_key=DEMO_KEY, base_url=SANDBOX_BASE_URL, toolsets=("all",))
    server = build_server(settings, transport=SandboxTransport(sandbox))
    anyio.run(serve_stdio, server)


if __name__ == "__main__":
    main()
