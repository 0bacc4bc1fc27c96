"""Issue 17's benchmark: what five realistic agent tasks cost in context tokens and in upstream API requests.

Octolens gives an organisation 500 API requests an hour, and a model has a finite context. On the realistic
workspace (300 mentions over 30 days on seven platforms, 12 keywords, 5 feeds; fixed seed and "now"), each
task of tests/task_workflows.py runs once through our server (default settings, every toolset) and once
through scripts/naive_bridge.py (a pass-through bridge: one request per call, the raw API JSON back), each
on a fresh workspace, through an in-memory MCP client. Per task and target it prints the o200k_base tokens
of the text blocks and of structuredContent (compact JSON), summed over the task's calls, the upstream
requests and the tool calls; and the floor: our results' structured content rendered as compactly as it
can be (each list of objects a tab-separated table, other values ``key: value`` lines, no notices or
fences). Targets: ours/floor at most 1.15 in both forms; ours no more requests than naive in all, and per
task at most one more than naive per write decided on fresh state (a toggle: engage, pause; a create the
reference says to check the list for first: add_keyword). Also prints the tool lists' tokens.
Usage: python scripts/bench_tasks.py [--calls]   (--calls: which requests each call sent)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import anyio
from bpe_openai import get_encoding
from mcp import Client
from mcp_types import Tool
from naive_bridge import build_bridge

from octolens_sandbox import SANDBOX_BASE_URL, SandboxTransport

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.task_workflows import (  # noqa: E402  (needs the repo root on sys.path)
    KEY,
    TASKS,
    Reply,
    TaskRun,
    as_rows,
    bridge_operations,
    new_sandbox,
    our_tool_list,
    run_task,
)

ENCODING = get_encoding("o200k_base")
TOKEN_TARGET = 1.15


def tokens(text: str) -> int:
    return len(ENCODING.encode(text))


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- the floor: the same structured content, as compact as it can be written --------------------------


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return compact(value)


def table(rows: list[dict[str, Any]]) -> list[str]:
    header: list[str] = []
    for row in rows:
        header += [key for key in row if key not in header]
    return ["\t".join(header), *("\t".join(cell(row.get(key)) for key in header) for row in rows)]


def floor_text(structured: dict[str, Any]) -> str:
    """Every list of objects (or table) a tab-separated table, other values ``key: value``; no notice."""
    content = {key: value for key, value in structured.items() if key != "notice"}
    whole = as_rows(content) if "columns" in content else None
    if whole is not None:  # a table at the top level: its rows, beside the result's other fields
        content = {"rows": whole, **{k: v for k, v in content.items() if k not in ("columns", "rows")}}
    lines: list[str] = []
    for key, value in content.items():
        rows = as_rows(value)
        if rows:
            lines += [f"{key}:", *table(rows)]
        else:
            shown = "" if value is None else value if isinstance(value, str) else compact(value)
            lines.append(f"{key}: {shown}")
    return "\n".join(lines)


# --- measuring -------------------------------------------------------------------------------------------


def text_tokens(replies: list[Reply]) -> int:
    return sum(tokens(reply.text) for reply in replies)


def structured_tokens(replies: list[Reply]) -> int:
    return sum(tokens(compact(reply.structured)) for reply in replies if reply.structured is not None)


def floor_tokens(replies: list[Reply]) -> int:
    return sum(
        tokens(floor_text(reply.structured) if reply.structured is not None else reply.text) for reply in replies
    )


def tool_list_tokens(tools: list[Tool]) -> int:
    """As scripts/count_tokens.py counts a tool list: name, description and input schema (compact JSON)."""
    return sum(
        tokens(
            tool.name + "\n" + (tool.description or "") + "\n" + json.dumps(tool.input_schema, separators=(",", ":"))
        )
        for tool in tools
    )


async def bridge_tool_list() -> list[Tool]:
    server = build_bridge(
        await bridge_operations(), base_url=SANDBOX_BASE_URL, api_key=KEY, transport=SandboxTransport(new_sandbox())
    )
    async with Client(server) as client:
        return list((await client.list_tools()).tools)


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


async def main(show_calls: bool) -> int:
    operations = await bridge_operations()
    runs: dict[str, dict[str, TaskRun]] = {}
    for task in TASKS:
        runs[task.name] = {target: await run_task(task, target, operations) for target in ("ours", "naive")}

    print("Tasks on the realistic workspace (o200k_base tokens summed over each task's calls)")
    head = f"{'task':24} {'target':6} {'text tok':>9} {'sc tok':>9} {'requests':>9} {'calls':>6}"
    print(head)
    print("-" * len(head))
    totals = {key: 0 for key in ("ot", "os", "nt", "ns", "f", "or", "nr", "oc", "nc", "allow")}
    token_ok, per_task_ok, wrong_notes = True, True, []
    token_over: list[str] = []
    request_over: list[str] = []
    ratio_lines = []
    for name, pair in runs.items():
        ours, naive = pair["ours"], pair["naive"]
        ot, os_, floor = text_tokens(ours.replies), structured_tokens(ours.replies), floor_tokens(ours.replies)
        nt, ns = text_tokens(naive.replies), structured_tokens(naive.replies)
        print(f"{name:24} {'ours':6} {ot:9,} {os_:9,} {ours.requests:9} {len(ours.replies):6}")
        print(f"{'':24} {'naive':6} {nt:9,} {ns:9,} {naive.requests:9} {len(naive.replies):6}")
        print(f"{'':24} {'floor':6} {floor:9,} {floor:9,} {'':>9} {'':>6}")
        allowed = naive.requests + ours.fresh_writes
        task_ok = ours.requests <= allowed
        per_task_ok &= task_ok
        tokens_fit = ot <= TOKEN_TARGET * floor and os_ <= TOKEN_TARGET * floor
        token_ok &= tokens_fit
        if not tokens_fit:
            token_over.append(name)
        if not task_ok:
            request_over.append(f"{name} {ours.requests} > {allowed}")
        ratio_lines.append(
            f"{name:24} ours/floor text {ratio(ot, floor)}  sc {ratio(os_, floor)} {'ok' if tokens_fit else 'OVER'}   "
            f"requests ours/naive {ours.requests}/{naive.requests} = {ratio(ours.requests, naive.requests)} "
            f"(allowed {allowed}: naive + {ours.fresh_writes} fresh-state write{'s' * (ours.fresh_writes != 1)}) "
            f"{'ok' if task_ok else 'OVER'}"
        )
        for label, run in (("ours", ours), ("naive", naive)):
            if run.wrong_engaged:
                wrong_notes.append(f"{name} ({label}): engaged but then not engaged: {', '.join(run.wrong_engaged)}")
        for key, value in zip(
            totals,
            (ot, os_, nt, ns, floor, ours.requests, naive.requests, len(ours.replies), len(naive.replies), allowed),
            strict=True,
        ):
            totals[key] += value
    print("-" * len(head))
    print(f"{'all tasks':24} {'ours':6} {totals['ot']:9,} {totals['os']:9,} {totals['or']:9} {totals['oc']:6}")
    print(f"{'':24} {'naive':6} {totals['nt']:9,} {totals['ns']:9,} {totals['nr']:9} {totals['nc']:6}")
    print(f"{'':24} {'floor':6} {totals['f']:9,} {totals['f']:9,}")
    setup = next(iter(runs.values()))
    print(
        f"once per session, not counted above: ours {len(setup['ours'].setup)} request(s) "
        f"({', '.join(setup['ours'].setup) or 'none'}), naive {len(setup['naive'].setup)}"
    )
    print()
    print("Ratios")
    for line in ratio_lines:
        print(line)
    # The five tasks in one session: its once-per-session requests are spent once.
    session_total = totals["or"] + len(setup["ours"].setup)
    print(
        f"{'all tasks':24} ours/floor text {ratio(totals['ot'], totals['f'])}  sc {ratio(totals['os'], totals['f'])}   "
        f"requests ours/naive {session_total}/{totals['nr']} = {ratio(session_total, totals['nr'])} "
        "(one session: its scope lookup included once)"
    )
    for note in wrong_notes:
        print(f"note: {note}")
    if show_calls:
        print()
        print("Requests per call")
        for name, pair in runs.items():
            for target, run in pair.items():
                print(f"{name} ({target})")
                for reply in run.replies:
                    print(f"  {reply.tool:26} {len(reply.sent)}  {', '.join(reply.sent)}")

    print()
    print("Tool list (name + description + input schema), o200k_base tokens")
    default, every, bridge = await our_tool_list(None), await our_tool_list(), await bridge_tool_list()
    print(f"  ours, default toolsets ({len(default)} tools): {tool_list_tokens(default):,}")
    print(f"  ours, all toolsets ({len(every)} tools):     {tool_list_tokens(every):,}")
    print(f"  naive bridge ({len(bridge)} tools):           {tool_list_tokens(bridge):,}")

    print()
    text_worst = max(ratio_value(p["ours"], "text") for p in runs.values())
    sc_worst = max(ratio_value(p["ours"], "sc") for p in runs.values())
    print(
        f"verdict tokens (ours/floor <= {TOKEN_TARGET} in both forms, every task): "
        f"{'met' if token_ok else 'not met'}: worst task text {text_worst:.3f}, sc {sc_worst:.3f}; "
        f"all tasks text {totals['ot'] / totals['f']:.3f}, sc {totals['os'] / totals['f']:.3f}"
        + (f"; over in: {', '.join(token_over)}" if token_over else "")
    )
    total_ok = session_total <= totals["nr"]
    print(
        f"verdict requests (total <= naive; per task <= naive + 1 per fresh-state write): "
        f"{'met' if total_ok and per_task_ok else 'not met'}: total {session_total} vs naive {totals['nr']} "
        f"({'ok' if total_ok else 'over'}), per task {'ok' if per_task_ok else 'over in: ' + ', '.join(request_over)}"
    )
    return 0


def ratio_value(run: TaskRun, form: str) -> float:
    floor = floor_tokens(run.replies)
    used = text_tokens(run.replies) if form == "text" else structured_tokens(run.replies)
    return used / floor if floor else 0.0


if __name__ == "__main__":
    raise SystemExit(anyio.run(main, "--calls" in sys.argv))
