"""Whole-inventory checks: one tool per operation, names, annotations, metadata, schemas, snapshots."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import jsonschema
import pytest
from mcp import Client

from octolens_mcp.mcp import manifest
from octolens_sandbox import Sandbox
from tests.conftest import COMPOSED_TOOLS, REFERENCE_OPERATIONS, REPO, TOOL_COUNT, connect, error_of

HOSTED_NAMES = {
    "list_mentions",
    "list_keywords",
    "add_keyword",
    "update_keyword",
    "pause_keyword",
    "delete_keyword",
    "list_keyword_suggestions",
    "accept_keyword_suggestion",
    "reject_keyword_suggestion",
    "list_feeds",
    "create_feed",
    "update_feed",
    "delete_feed",
    "search_slack_channels",
    "get_usage",
    "get_global_filters",
    "list_tags",
}

pytestmark = pytest.mark.anyio


async def listed_tools(sandbox: Sandbox) -> list[Any]:
    async with connect(sandbox) as client:
        return list((await client.list_tools()).tools)


async def test_exactly_one_tool_per_operation(sandbox: Sandbox) -> None:
    tools = await listed_tools(sandbox)
    by_operation: dict[str, list[str]] = {}
    for tool in tools:
        if tool.name not in COMPOSED_TOOLS:
            by_operation.setdefault(tool.meta["octolens/operation"], []).append(tool.name)
    expected = {f"{op['method']} {op['path']}" for op in REFERENCE_OPERATIONS}
    assert set(by_operation) == expected
    assert all(len(names) == 1 for names in by_operation.values()), by_operation
    assert len(tools) == len(REFERENCE_OPERATIONS) + len(COMPOSED_TOOLS) == TOOL_COUNT
    composed = {tool.name: tool.meta["octolens/operation"] for tool in tools if tool.name in COMPOSED_TOOLS}
    assert set(composed) == set(COMPOSED_TOOLS) and set(composed.values()) <= expected


async def test_names_are_unique_snake_case_and_reuse_hosted_names(sandbox: Sandbox) -> None:
    names = [tool.name for tool in await listed_tools(sandbox)]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)+", name) for name in names), names
    assert set(names) >= HOSTED_NAMES


# Tools that reach outside the workspace: third-party post content, public platforms, real deliveries.
OPEN_WORLD = {
    "list_mentions",
    "export_mentions",
    "get_mention",
    "list_author_mentions",
    "run_search",
    "get_search",
    "test_notification",
}


async def test_annotations_and_meta_follow_the_operation_facts(sandbox: Sandbox) -> None:
    facts = {f"{op['method']} {op['path']}": op for op in REFERENCE_OPERATIONS}
    for tool in await listed_tools(sandbox):
        if tool.name in COMPOSED_TOOLS:
            continue  # their facts are their own (connecting keeps the other destinations: not destructive)
        op = facts[tool.meta["octolens/operation"]]
        hints = tool.annotations
        assert hints is not None and hints.title and tool.title == hints.title
        assert hints.read_only_hint is op["readOnly"], tool.name
        assert hints.destructive_hint is op["destructive"], tool.name
        assert hints.idempotent_hint is op["idempotent"], tool.name
        assert hints.open_world_hint is (tool.name in OPEN_WORLD), tool.name
        assert tool.meta["octolens/scope"] == op["scope"], tool.name
        assert tool.description and len(tool.description) < 400, tool.name


async def test_schemas_are_valid_json_schema_and_strict(sandbox: Sandbox) -> None:
    for tool in await listed_tools(sandbox):
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        assert tool.output_schema is not None, tool.name
        jsonschema.Draft202012Validator.check_schema(tool.output_schema)
        assert tool.input_schema["type"] == "object"
        assert tool.input_schema.get("additionalProperties") is False, tool.name
        assert tool.output_schema["type"] == "object"


def test_manifest_snapshot_is_current() -> None:
    """tools.json is what the server lists; regenerate with `python scripts/generate_manifest.py`."""
    assert manifest.load() == json.loads(manifest.render(manifest.build())), (
        "src/octolens_mcp/mcp/tools.json is stale: run `python scripts/generate_manifest.py`"
    )


def test_generated_files_are_current() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/generate_manifest.py", "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("toolsets", "read_only", "expected"),
    [
        (None, False, {"mentions", "search", "keywords", "feeds", "analytics"}),
        (("search", "org"), False, {"search", "org"}),
    ],
)
async def test_toolsets_select_tools(
    sandbox: Sandbox, toolsets: tuple[str, ...] | None, read_only: bool, expected: set[str]
) -> None:
    async with connect(sandbox, toolsets=toolsets, read_only=read_only) as client:
        tools = (await client.list_tools()).tools
    entries = {entry["name"]: entry["toolset"] for entry in manifest.load()}
    assert {entries[tool.name] for tool in tools} == expected
    # run_search spends search quota: offered only when its toolset is named.
    assert ("run_search" in {tool.name for tool in tools}) == (toolsets is not None and "search" in toolsets)


async def test_read_only_mode_hides_every_write(sandbox: Sandbox) -> None:
    async with connect(sandbox, read_only=True) as client:
        tools = (await client.list_tools()).tools
    assert tools and all(tool.annotations and tool.annotations.read_only_hint for tool in tools)
    assert "add_keyword" not in {tool.name for tool in tools}


async def test_every_tool_refuses_unknown_arguments_without_sending(client: Client, sandbox: Sandbox) -> None:
    for entry in manifest.load():
        error = error_of(await client.call_tool(entry["name"], {"bogusArgument": 1}))["error"]
        assert error["code"] == "VALIDATION_ERROR", entry["name"]
        assert "bogusArgument" in [d["path"] for d in error["details"]], entry["name"]
    assert sandbox.count() == 0


def test_server_json_matches_the_package() -> None:
    import tomllib

    from octolens_mcp import __version__
    from tests.conftest import REPO

    server = json.loads((REPO / "server.json").read_text())
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert server["version"] == project["version"] == __version__
    package = server["packages"][0]
    assert package["identifier"] == project["name"] == "octolens-mcp" and package["version"] == __version__
    # That every variable it advertises is one the server reads, and back: tests/test_packaging.py.
    assert f"mcp-name: {server['name']}" in (REPO / "README.md").read_text()


def test_the_docs_document_every_code_we_mint() -> None:
    from octolens_mcp.http import errors

    # The errors module's docstring is where the codes this server mints are listed, next to the code.
    minted = set(re.findall(r"^([A-Z][A-Z_]+) ", errors.__doc__ or "", flags=re.MULTILINE))
    assert "VALIDATION_ERROR" in minted and "INTERNAL_ERROR" in minted
    behaviour = (REPO / "docs" / "behaviour.md").read_text(encoding="utf-8")
    table = behaviour.split("Codes minted by octolens-mcp itself:", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"^\| `([A-Z_]+)` \|", table, flags=re.MULTILINE)) == minted
