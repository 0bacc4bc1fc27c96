"""Hostile input, property-based: every tool, valid and hostile arguments, through an MCP session to the sandbox.

Per tool: the fixed hostile cases of ``tests.fuzzing.core_cases`` plus ``RANDOM_EXAMPLES`` drawn by
Hypothesis, each checked for the four properties listed in ``tests/fuzzing.py`` (no INTERNAL_ERROR; no
request for arguments the rules refuse; no exception and outputs valid against the outputSchema; no
escaped path, over-long URL or "None" query value). ``scripts/fuzz.py`` runs the same code with a
larger budget. The first tests pin the argument rules the checks rely on.
"""

from __future__ import annotations

from typing import Any

import pytest

from octolens_sandbox import Sandbox
from tests.conftest import TOOL_COUNT, connect
from tests.fuzzing import TOOL_NAMES, TOOLS, Report, refusal, run_tool

pytestmark = pytest.mark.anyio

RANDOM_EXAMPLES = 6
SEED = 20_251_128
BY_NAME = {tool.name: tool for tool in TOOLS}


@pytest.mark.parametrize(
    ("name", "arguments", "refused"),
    [
        ("delete_keyword", {"id": 3}, False),
        ("delete_keyword", {"id": "42"}, False),
        ("delete_keyword", {"id": True}, True),
        ("delete_keyword", {"id": " 7"}, False),  # a name (ids are digits only): resolved, or refused with candidates
        ("delete_keyword", {"id": 1.5}, True),
        ("delete_keyword", {"id": None}, True),
        ("list_searches", {"cursor": None}, False),
        ("list_searches", {"limit": "true"}, True),
        ("list_feeds", {"excludeWithNotifications": "true"}, True),
        ("list_feeds", {"excludeWithNotifications": 1}, True),
        ("get_mention", {"sourceId": ".."}, True),
        ("get_mention", {"sourceId": "."}, True),
        ("get_mention", {"sourceId": "a/../b"}, False),
        ("get_mention", {"sourceId": "a\ud800"}, True),
        ("list_tags", {"zzUnknown": None}, False),
        ("list_tags", {"zzUnknown": 1}, True),
        ("run_search", {"query": "x", "sources": '["reddit"]'}, False),
        ("run_search", {"query": "x", "sources": '["\\ud800"]'}, True),
        ("run_search", {"query": "x", "sources": "reddit"}, True),
        ("run_search", {"query": "x", "sources": [None]}, True),
        ("get_mention_volume", {"keywordIds": ["1", 2]}, False),
        ("add_global_filter_values", {"list": "negativeKeywords", "values": ["x"], "zz": {"y": None}}, True),
    ],
)
def test_the_argument_rules(name: str, arguments: dict[str, Any], refused: bool) -> None:
    assert (refusal(BY_NAME[name], arguments) is not None) is refused


async def test_every_tool_is_fuzzed(sandbox: Sandbox) -> None:
    async with connect(sandbox) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
    assert listed == set(TOOL_NAMES) and len(TOOL_NAMES) == TOOL_COUNT


@pytest.mark.parametrize("name", TOOL_NAMES)
async def test_hostile_arguments(name: str) -> None:
    report = Report()
    await run_tool(BY_NAME[name], RANDOM_EXAMPLES, SEED, report)
    assert report.calls > RANDOM_EXAMPLES
    if report.failures:
        pytest.fail(report.summary(show=12), pytrace=False)
