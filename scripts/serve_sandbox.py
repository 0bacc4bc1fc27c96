"""Serve the sandbox Octolens API over real HTTP on loopback (for benchmarks and multi-process tests).

Usage: python scripts/serve_sandbox.py PORT [RATE_LIMIT]
The API is at http://127.0.0.1:PORT/api/v2; its keys are ak_demo_read, ak_demo_write and ak_demo_admin.
"""

from __future__ import annotations

import sys

import uvicorn

from octolens_sandbox import Sandbox


def main() -> None:
    port = int(sys.argv[1])
    rate_limit = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    uvicorn.run(Sandbox(rate_limit=rate_limit), host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
