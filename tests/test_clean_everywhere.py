"""Every string of every tool's result is clean, whatever the upstream puts in it (acceptance, requirement B).

Each case makes one call of one tool (or one extra way of calling it, tests/everywhere.py EXTRA_CALLS) on a
fresh sandbox whose answers carry every invisible and look-alike class (``PAYLOAD``): in every string value,
in every key too, beside bare NaN and Infinity numbers, as a whole raw body, and in an error answer. The
checks (``cleaning_problems``) hold for successes and refusals alike, in both forms of the result:

- no default-ignorable or control character is left anywhere (text block, structuredContent, _meta, and
  the JSON the text block carries once decoded), except one variation selector right after a visible
  character and a ZWJ between two emoji; BiDi controls may only appear made visible (``[U+202E]``);
- inside the text block's ``<untrusted-data>`` fence, no ``</untrusted-data>`` and no look-alike angle
  bracket appears raw before the real closing line;
- the text block's JSON parses strictly (no bare NaN or Infinity), and structuredContent holds none;
- a success of a tool whose result carries text written outside the organisation has an untrusted-data
  notice in both forms.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from octolens_sandbox import Fault
from tests.everywhere import (
    MARK,
    PAYLOAD,
    UNTRUSTED_TOOLS,
    Outcome,
    assert_clean,
    call_ids,
    cleaning_problems,
    every,
    hostile,
    json_error,
    notice_problems,
    structured_json,
    tool_of,
)

pytestmark = pytest.mark.anyio

NAN_BODY = '{"data": [], "items": [NaN, Infinity, -Infinity], "score": NaN, "note": ' + json.dumps(PAYLOAD) + "}"
"""A whole answer that is not JSON by the standard: bare NaN and Infinity, beside the payload."""

CASES: dict[str, list[Fault]] = {
    # every string value at any depth gets the payload appended (ids and enums included)
    "values": [every("mutate_strings", text=PAYLOAD)],
    # keys too: unknown fields whose names carry the payload, everywhere
    "keys": [every("mutate_strings", text=PAYLOAD, keys=True)],
    # unknown fields in every object: bare NaN and ±Infinity numbers, and a string with the payload
    "nan-fields": [
        every("add_field", name="x_nan", value=float("nan"), everywhere=True),
        every("add_field", name="x_inf", value=[float("inf"), float("-inf")], everywhere=True),
        every("add_field", name="x_note", value=PAYLOAD, everywhere=True),
    ],
    # every 2xx answer replaced by a literal body that is no standard JSON
    "raw-nan-body": [every("raw_body", body=NAN_BODY)],
    # every request refused with an error whose message, details and an unknown field carry the payload
    "error-body": [
        json_error(400, f"Invalid request{PAYLOAD}", [{"path": f"name{PAYLOAD}", "message": PAYLOAD}], x_note=PAYLOAD)
    ],
}


def check(outcome: Outcome) -> None:
    assert_clean(outcome)
    if tool_of(outcome.tool) in UNTRUSTED_TOOLS and not outcome.result.is_error:
        problems = notice_problems(outcome)
        assert not problems, f"{'; '.join(problems)} — {outcome.describe()}"


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("call_id", call_ids())
async def test_every_string_is_clean(call_id: str, case: str) -> None:
    outcome = await hostile(call_id, CASES[case])
    check(outcome)


@pytest.mark.parametrize("call_id", call_ids())
async def test_plain_answer_is_clean_and_outside_text_is_announced(call_id: str) -> None:
    """Without faults too: the checks hold, and each tool carrying outside text has the notice in both forms."""
    outcome = await hostile(call_id, [])
    assert not outcome.result.is_error, outcome.describe()
    check(outcome)
    if tool_of(call_id) in UNTRUSTED_TOOLS:
        assert not notice_problems(outcome)


# --- the harness itself: the payload gets through, and the checks see what they must ------------------


@pytest.mark.parametrize("call_id", ["list_mentions", "get_mention", "get_org", "list_keywords"])
async def test_the_payload_reaches_the_result(call_id: str) -> None:
    """The visible part of the payload comes through a plain read, so the cases above test something."""
    outcome = await hostile(call_id, CASES["values"])
    assert not outcome.result.is_error, outcome.describe()
    assert MARK in outcome.text
    assert MARK in structured_json(outcome.result)


def _fake(text: str, structured: dict[str, Any] | None) -> Outcome:
    from mcp_types import CallToolResult, TextContent

    result = CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)
    return Outcome("fake", result, 0.0)


def test_the_checks_see_every_class() -> None:
    """The checks find each class of the payload, and a fence closed early, and bare NaN."""
    raw = _fake(f"<untrusted-data>\n{json.dumps({'a': PAYLOAD}, ensure_ascii=False)}\n</untrusted-data>", None)
    problems = " ".join(cleaning_problems(raw))
    for name in (
        "zero-width",
        "soft hyphen",
        "combining grapheme joiner",
        "Hangul filler",
        "tag block",
        "variation selector",
        "BiDi control",
        "C0/C1 control",
        "other default-ignorable",
        "closes it early",
        "look-alike",
    ):
        assert name in problems, name
    escaped = _fake(json.dumps({"a": PAYLOAD}), {"a": PAYLOAD})
    problems = " ".join(cleaning_problems(escaped))
    assert "(escaped)" in problems and "structuredContent holds" in problems
    nan = _fake('{"a": NaN}', {"a": float("nan")})
    problems = " ".join(cleaning_problems(nan))
    assert "does not parse" in problems and "NaN or Infinity" in problems
    clean = _fake('{"a": "caf\\u00e9 \\ud83d\\ude00\\ufe0f \\ud83d\\udc69\\u200d\\ud83d\\udcbb"}', {"a": "ok"})
    assert cleaning_problems(clean) == []
