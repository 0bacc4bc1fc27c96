"""No result of any tool goes over the token budget, whatever the upstream sends (acceptance, requirement A).

Each case makes one call of one tool (or an extra way of calling it, tests/everywhere.py EXTRA_CALLS) on a
fresh sandbox whose answers are made hostile by faults, with ``result_tokens`` at ``SMALL_BUDGET``, and
counts with the real o200k tokenizer: the text block (all text content joined), ``JSON.stringify
(structuredContent)``, and the whole result (content + structuredContent + _meta, which must stay within
about twice the budget: _meta never repeats a large body). Refusals count as much as successes.

Every tool gets: huge strings in every kind of string field (2 MB in the first, 100 KB in the first of each
kind), dense scripts in every kind of field, an unknown field in every object, an unknown field nested 60
deep, 2,000 more items in every list, a 1.6 MB 4xx error answer, and our own validation error for 50 KB
arguments. Nesting 500 deep and 200,000 items go to a few tools of each shape, which also must answer
within the call's deadline while a concurrent cheap call on the same server is not held up; and a few
tools run at the default budget.
"""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
import pytest

from octolens_sandbox import Fault, FaultySandbox
from octolens_sandbox.faults import FIRST_ITEM
from octolens_sandbox.http import Response
from tests.conftest import connect
from tests.everywhere import (
    DEFAULT_BUDGET,
    MENTIONS,
    SMALL_BUDGET,
    Outcome,
    assert_fits,
    call_ids,
    call_of,
    deep_list,
    deep_object,
    every,
    hostile,
    json_error,
    listed_tool_names,
    new_sandbox,
    tokens,
)

pytestmark = pytest.mark.anyio

MB = 1_000_000
WORDS = "Octolens social listening mention. "
DENSE = (
    "ሰላም ለዓለም ኢትዮጵያ " * 150  # Amharic (Ethiopic)
    + "".join(chr(0x10000 + i % 0x5E) for i in range(1500))  # Linear B syllabary
    + "\U0001f469\u200d\U0001f4bb\U0001f1ea\U0001f1f9\U0001f600" * 300  # emoji, ZWJ sequences, flags
    + "社交媒体监听提及关键词" * 150  # CJK
)
"""About 7,000 characters of scripts that cost far more tokens per character than English."""
PAD = "nested padding words " * 12

CASES: dict[str, list[Fault]] = {
    "huge-strings": [
        every("mutate_strings", text="A" * (2 * MB), limit=1),
        every("mutate_strings", text=WORDS * 700, per_kind=True),  # 24 KB, over 4,000 tokens, per kind
    ],
    "dense-scripts": [every("mutate_strings", text=DENSE, per_kind=True)],
    "unknown-fields": [
        every("add_field", name="x_unknown", value={"note": WORDS * 700}),
        every("add_field", name="x_extra", value={"note": WORDS * 60, "n": [1, 2, 3]}, everywhere=True),
    ],
    "nested-60": [every("add_field", name="x_deep", value={"o": deep_object(60, PAD), "l": deep_list(60, PAD)})],
    "more-items": [every("grow_lists", count=1_000)],
    "error-4xx-1.6MB": [
        json_error(
            422,
            "Unprocessable: " + WORDS * 22_000,
            [{"path": f"field{i}", "message": "must be valid " + "x" * 60} for i in range(10_000)],
        )
    ],
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("call_id", call_ids())
async def test_result_fits_the_budget(call_id: str, case: str) -> None:
    outcome = await hostile(call_id, CASES[case], result_tokens=SMALL_BUDGET)
    assert_fits(outcome, SMALL_BUDGET)


LONG_VALUE = "".join(chr(0x10000 + i % 0x5E) for i in range(12_500))  # 50 KB of UTF-8, tens of thousands of tokens


def fifty_kb_everywhere(name: str, arguments: dict[str, Any], properties: list[str]) -> dict[str, Any]:
    """Every argument of the tool, and one it does not know, set to a 50 KB value: our own refusal."""
    return {**arguments, **dict.fromkeys(properties, LONG_VALUE), "unexpectedArgument": LONG_VALUE}


@pytest.mark.parametrize("name", listed_tool_names())
async def test_our_validation_error_for_a_50kb_argument_fits(name: str, sandbox: FaultySandbox) -> None:
    async with connect(sandbox, result_tokens=SMALL_BUDGET) as client:
        tool = next(t for t in (await client.list_tools()).tools if t.name == name)
        _, arguments = call_of(name, sandbox)
        hostile_arguments = fifty_kb_everywhere(name, arguments, list(tool.input_schema.get("properties", {})))
        started = time.monotonic()
        result = await client.call_tool(name, hostile_arguments)
    outcome = Outcome(name, result, time.monotonic() - started)
    assert result.is_error, outcome.describe()
    assert sandbox.requests == [], "a refused call sent nothing"
    assert_fits(outcome, SMALL_BUDGET)


# --- deep and long answers, at the deadline, beside a concurrent call ---------------------------------

DEADLINE = 6.0
"""The call's deadline (settings ``timeout``) for the slow cases."""
SLACK = 1.0
CONCURRENT_LAG = 1.0
"""How long a cheap call on the same server may be held up while a hostile answer is handled."""
SHAPES = ["list_mentions", "get_mention", "run_search", "list_tags", "get_org", "create_feed"]
"""A tool of each result shape: a mention list, one mention, a search, a reference list, an object, a write."""
NESTED_500 = [every("add_field", name="x_deep", value={"o": deep_object(500, PAD), "l": deep_list(500, PAD)})]
TINY_ITEM_LISTS = {"list_tags", "get_mention_volume", "search_slack_channels"}
"""Tools whose lists hold tiny items already: theirs grow by copies of their own first item (valid items)."""
HEAVY: dict[str, list[Fault]] = {
    **{f"{name}-nested-500": NESTED_500 for name in SHAPES},
    **{
        f"{name}-200k-items": [every("grow_lists", count=200_000, item=FIRST_ITEM if name in TINY_ITEM_LISTS else 0)]
        for name in ["list_mentions", "get_mention", "run_search", "create_feed", *sorted(TINY_ITEM_LISTS)]
    },
}


class TimedSandbox(FaultySandbox):
    """A sandbox that says when its first answer after ``watching`` is set leaves, and from then on answers a
    request it has answered before with the same bytes at once: building a hostile answer is the sandbox's
    work, done on the test's event loop, and must not count against the server under test."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.answered = anyio.Event()
        self.watching = False
        self._answers: dict[tuple[str, str, str, bytes], Response] = {}

    async def _serve(
        self, method: str, path: str, query: list[tuple[str, str]], headers: dict[str, str], raw: bytes
    ) -> Response:
        if not self.watching:
            return await super()._serve(method, path, query, headers, raw)
        key = (method, path, repr(query), raw)
        if key not in self._answers:
            response = await super()._serve(method, path, query, headers, raw)
            if response.text is None:
                response = Response(status=response.status, text=json.dumps(response.body), headers=response.headers)
                response.headers.setdefault("Content-Type", "application/json")
            self._answers[key] = response
        self.answered.set()
        cached = self._answers[key]
        return Response(status=cached.status, text=cached.text, headers=dict(cached.headers))


PROBES = ("list_tags", "list_keywords")
"""The cheap call (the second when the first is under test): served from the server's reference-data cache
once warm, so the faults never reach it."""
PROBE_INTERVAL = 0.1


async def heavy_call_beside_a_probe(call_id: str, faults: list[Fault]) -> tuple[Outcome, list[float]]:
    """``call_id`` made with ``faults``, while a cheap call is made every 0.1 s on the same server from the
    moment the hostile answer left the sandbox until the call is done. Each probe's lag counts from when it
    was due, not from when the test's task got to send it: a blocked event loop delays its start too."""
    sandbox = TimedSandbox(keys=new_sandbox().keys, mention_count=MENTIONS)
    name, arguments = call_of(call_id, sandbox)
    probe = next(p for p in PROBES if p != name)
    lags: list[float] = []
    done: list[Outcome] = []
    async with connect(sandbox, result_tokens=SMALL_BUDGET, timeout=DEADLINE) as client:
        assert not (await client.call_tool(probe, {})).is_error  # warm, before the upstream turns hostile
        sandbox.faults.extend(faults)
        sandbox.watching = True

        async def heavy() -> None:
            started = time.monotonic()
            try:
                result = await client.call_tool(name, arguments)
                done.append(Outcome(call_id, result, time.monotonic() - started))
            finally:
                sandbox.answered.set()

        async with anyio.create_task_group() as group:
            group.start_soon(heavy)
            await sandbox.answered.wait()
            due = time.monotonic()
            while not done:
                await anyio.sleep(max(0.0, due - time.monotonic()))
                await client.call_tool(probe, {})
                finished = time.monotonic()
                lags.append(finished - due)
                due = max(due + PROBE_INTERVAL, finished)
    return done[0], lags


@pytest.mark.parametrize("case", list(HEAVY))
async def test_deep_or_long_answer_fits_in_time_and_holds_no_one_up(case: str) -> None:
    call_id = case.split("-", 1)[0]
    outcome, lags = await heavy_call_beside_a_probe(call_id, HEAVY[case])
    assert outcome.seconds <= DEADLINE + SLACK, f"took {outcome.seconds:.1f}s, deadline {DEADLINE}s"
    assert max(lags, default=0.0) < CONCURRENT_LAG, f"a cheap call was held up: lags {[round(x, 2) for x in lags]}"
    assert_fits(outcome, SMALL_BUDGET)


# --- the default budget ---------------------------------------------------------------------------

AT_DEFAULT = ["list_mentions", "get_mention", "get_org"]
DEFAULT_CASE = [
    every("mutate_strings", text="A" * (2 * MB), limit=1),
    every("mutate_strings", text=WORDS * 20_000, per_kind=True),  # 700 KB, over 100,000 tokens, per kind
]


@pytest.mark.parametrize("call_id", AT_DEFAULT)
async def test_result_fits_the_default_budget(call_id: str) -> None:
    outcome = await hostile(call_id, DEFAULT_CASE)
    assert_fits(outcome, DEFAULT_BUDGET)


# --- the harness itself -----------------------------------------------------------------------------


class RecordingSandbox(FaultySandbox):
    """A sandbox that keeps the text of every answer it sends."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.sent: list[str] = []

    async def _serve(
        self, method: str, path: str, query: list[tuple[str, str]], headers: dict[str, str], raw: bytes
    ) -> Any:
        response = await super()._serve(method, path, query, headers, raw)
        self.sent.append(response.text if response.text is not None else json.dumps(response.body))
        return response


@pytest.mark.parametrize("case", [*CASES, "nested-500"])
async def test_each_hostile_answer_is_far_over_the_budget(case: str) -> None:
    """Each case makes list_mentions' answer several times the budget, so fitting it means cutting it."""
    sandbox = RecordingSandbox(keys=new_sandbox().keys, mention_count=MENTIONS)
    name, arguments = call_of("list_mentions", sandbox)
    sandbox.faults.extend(CASES.get(case) or NESTED_500)
    async with connect(sandbox, result_tokens=SMALL_BUDGET) as client:
        await client.call_tool(name, arguments)
    assert sandbox.sent
    assert max(tokens(text) for text in sandbox.sent) > 2 * SMALL_BUDGET
