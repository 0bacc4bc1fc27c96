"""Fuzz every tool with hostile arguments on a large budget and print what broke.

Usage (from anywhere): python scripts/fuzz.py [--examples N] [--seed S] [--tool NAME ...] [--show K]

Runs, per tool, the fixed hostile cases plus N random examples drawn by Hypothesis, each through an
in-memory MCP session against a fresh sandbox, with the same checks as tests/test_fuzz.py: the code
lives in tests/fuzzing.py, which this script imports as ``tests.fuzzing`` after putting the repository
root on ``sys.path`` (so the shared code is not duplicated and ``python scripts/fuzz.py`` just works).
Prints the counts (calls, successes, errors by code, INTERNAL_ERROR, invalid requests sent, outputSchema
mismatches, calls that raised, wire violations) and the first K distinct failing cases in full.
Exits 1 if any check failed. Server logging is silenced; the counts are the output.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import anyio

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.fuzzing import TOOLS, Report, run_tool  # noqa: E402  (needs the repo root on sys.path)


async def fuzz(names: list[str], examples: int, seed: int, report: Report, progress: bool) -> None:
    for tool in TOOLS:
        if names and tool.name not in names:
            continue
        started, calls, failures = time.perf_counter(), report.calls, len(report.failures)
        await run_tool(tool, examples, seed, report)
        if progress:
            print(
                f"  {tool.name:<28} {report.calls - calls:>6} calls {len(report.failures) - failures:>5} failing"
                f"  {time.perf_counter() - started:6.1f}s",
                file=sys.stderr,
                flush=True,
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=200, help="random examples per tool (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the random examples (default 0)")
    parser.add_argument("--tool", action="append", default=[], help="only this tool (repeatable)")
    parser.add_argument("--show", type=int, default=10, help="distinct failing cases to print in full")
    parser.add_argument("--quiet", action="store_true", help="no per-tool progress on stderr")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.tool) - {tool.name for tool in TOOLS})
    if unknown:
        parser.error(f"unknown tool(s): {', '.join(unknown)}")

    root = logging.getLogger()
    root.addHandler(logging.NullHandler())  # no "last resort" handler printing server tracebacks
    root.setLevel(logging.CRITICAL)

    report = Report()
    started = time.perf_counter()
    anyio.run(fuzz, args.tool, args.examples, args.seed, report, not args.quiet)
    tools = len(args.tool) or len(TOOLS)
    print(f"tools: {tools}, random examples per tool: {args.examples}, seed: {args.seed}")
    print(f"elapsed: {time.perf_counter() - started:.1f}s")
    print(report.summary(show=args.show))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
