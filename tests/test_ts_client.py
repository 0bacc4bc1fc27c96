"""The server as the official TypeScript MCP SDK client sees it (the client in Claude Desktop, Claude Code and
the MCP Inspector), over stdio.

``tests/ts/drive.mjs`` connects with ``Client`` + ``StdioClientTransport``, lists the tools first (so the
client caches every outputSchema and validates each result against it, as real hosts do), makes the calls
and prints what came back. Successes must carry ``structuredContent`` that passes that validation. Errors
follow one contract: ``isError`` true, no ``structuredContent``, one text block whose last line is the
compact JSON ``{"error": {code, message, status, ...}, "hint": ...}``, and the same object under
``_meta["octolens/error"]``. Node is spawned once per server; the calls are grouped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.http_harness import http_process

REPO = Path(__file__).resolve().parents[1]
TS_DIR = REPO / "tests" / "ts"
DRIVER = TS_DIR / "drive.mjs"
SDK = TS_DIR / "node_modules" / "@modelcontextprotocol" / "sdk"
DRIVE_TIMEOUT = 90.0

DEMO = [sys.executable, "-m", "octolens_mcp", "--demo", "--toolsets", "all"]
FAULT = [sys.executable, "-m", "tests.fault_server"]

SUCCESS_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("list_keywords", {}),
    ("list_mentions", {"limit": 3}),
    ("get_org", {}),
    ("create_feed", {"name": "From TS"}),
    ("list_feeds", {}),
]
NOT_FOUND_CALL: tuple[str, dict[str, Any]] = ("get_mention", {"sourceId": "nope_1"})
INVALID_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("list_mentions", {"limit": 0}, "limit"),
    ("list_mentions", {"bogusArgument": 1}, "bogusArgument"),
]


def drive(command: list[str], calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Runs tests/ts/drive.mjs against ``command`` (over stdio) and returns its JSON document."""
    env: dict[str, str] = {}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    target = {"command": command[0], "args": command[1:], "env": env, "cwd": str(REPO)}
    document = run_driver(target, calls)
    if "fatal" in document:
        pytest.fail(f"the TypeScript client could not talk to the server: {document.get('fatal')}")
    assert len(document["results"]) == len(calls)
    return document


def run_driver(target: dict[str, Any], calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Runs tests/ts/drive.mjs with ``target`` (command or url) and returns its JSON document, fatal or not."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: install Node.js 20+ to run the TypeScript client tests")
    if not SDK.is_dir():
        pytest.fail(
            f"{SDK.relative_to(REPO)} is missing: run scripts/check (it runs "
            "`npm ci --prefix tests/ts`) to install the TypeScript MCP SDK client"
        )
    scenario = {**target, "calls": [{"name": name, "arguments": arguments} for name, arguments in calls]}
    try:
        done = subprocess.run(
            [node, str(DRIVER)],
            input=json.dumps(scenario),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=DRIVE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
        pytest.fail(f"drive.mjs did not finish within {DRIVE_TIMEOUT} s; stderr:\n{stderr[-3000:]}")
    try:
        document: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        pytest.fail(
            f"drive.mjs exited {done.returncode} without a JSON document.\n"
            f"stdout:\n{done.stdout[-2000:]}\nstderr:\n{done.stderr[-3000:]}"
        )
    if done.returncode not in (0, 1):
        pytest.fail(f"drive.mjs exited {done.returncode}: {document}\nstderr:\n{done.stderr[-3000:]}")
    return document


@pytest.fixture(scope="module")
def demo_run() -> dict[str, Any]:
    calls = [*SUCCESS_CALLS, NOT_FOUND_CALL, *[(name, arguments) for name, arguments, _ in INVALID_CALLS]]
    return drive(DEMO, calls)


@pytest.fixture(scope="module")
def fault_run() -> dict[str, Any]:
    return drive(FAULT, [("create_feed", {"name": "Lost"})])


def returned(entry: dict[str, Any], what: str) -> dict[str, Any]:
    """The CallToolResult of one call, failing with the client's own error when it threw instead."""
    assert "thrown" not in entry, f"{what}: the TypeScript client threw {entry['thrown']}"
    result: dict[str, Any] = entry["ok"]
    return result


def error_of(entry: dict[str, Any], what: str) -> dict[str, Any]:
    """The error body of a result that keeps the error contract: {"error": {...}, "hint": ...}."""
    result = returned(entry, what)
    assert result.get("isError") is True, f"{what}: not an error result: {result}"
    assert result.get("structuredContent") is None, f"{what}: an error result carries structuredContent"
    content = result["content"]
    assert len(content) == 1 and content[0]["type"] == "text", f"{what}: content is not one text block: {content}"
    last_line = content[0]["text"].splitlines()[-1]
    body: dict[str, Any] = json.loads(last_line)
    compact = {json.dumps(body, separators=(",", ":")), json.dumps(body, separators=(",", ":"), ensure_ascii=False)}
    assert last_line in compact, f"{what}: the last line is not compact JSON: {last_line}"
    assert set(body) == {"error", "hint"}, f"{what}: {body}"
    assert {"code", "message", "status"} <= set(body["error"]), f"{what}: {body['error']}"
    assert isinstance(body["hint"], str) and body["hint"], f"{what}: no hint"
    assert result.get("_meta", {}).get("octolens/error") == body, f"{what}: _meta['octolens/error'] differs"
    return body


def test_successes_pass_the_ts_clients_output_validation(demo_run: dict[str, Any]) -> None:
    tools = demo_run["tools"]
    assert len(tools) == len(set(tools))
    successes = demo_run["results"][: len(SUCCESS_CALLS)]
    for (name, arguments), entry in zip(SUCCESS_CALLS, successes, strict=True):
        what = f"{name} {arguments}"
        assert name in demo_run["withOutputSchema"], f"{what}: no outputSchema, so the client validated nothing"
        result = returned(entry, what)
        assert not result.get("isError"), f"{what}: {result}"
        assert isinstance(result.get("structuredContent"), dict), f"{what}: no structuredContent"
        assert result["content"] and result["content"][0]["type"] == "text"
    by_name = dict(zip([name for name, _ in SUCCESS_CALLS], successes, strict=True))
    assert len(by_name["list_mentions"]["ok"]["structuredContent"]["rows"]) == 3  # compact: a table
    assert by_name["list_keywords"]["ok"]["structuredContent"]["data"][0]["keyword"]
    assert "From TS" in [feed["name"] for feed in by_name["list_feeds"]["ok"]["structuredContent"]["data"]]


def test_api_error_reaches_the_ts_client_as_an_error_result(demo_run: dict[str, Any]) -> None:
    body = error_of(demo_run["results"][len(SUCCESS_CALLS)], f"get_mention {NOT_FOUND_CALL[1]}")
    assert body["error"]["code"].endswith("_NOT_FOUND") and body["error"]["status"] == 404
    assert "list_mentions" in body["hint"]


def test_validation_error_names_the_field(demo_run: dict[str, Any]) -> None:
    entries = demo_run["results"][len(SUCCESS_CALLS) + 1 :]
    failures: list[str] = []
    for (name, arguments, field), entry in zip(INVALID_CALLS, entries, strict=True):
        try:
            body = error_of(entry, f"{name} {arguments}")
            assert body["error"]["code"] == "VALIDATION_ERROR", body
            assert field in [detail["path"] for detail in body["error"]["details"]], body
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n".join(failures)


def test_lost_write_answer_is_response_lost(fault_run: dict[str, Any]) -> None:
    body = error_of(fault_run["results"][0], "create_feed {'name': 'Lost'} with its answer dropped")
    assert body["error"]["code"] == "RESPONSE_LOST"
    assert body["error"]["mayHaveLanded"] is True
    assert body["hint"]


def test_the_ts_client_calls_tools_over_http_with_its_own_bearer_key() -> None:
    with http_process(["--demo", "--toolsets", "all"]) as served:
        url = f"http://127.0.0.1:{served.port}/mcp"
        document = run_driver({"url": url, "headers": {"Authorization": "Bearer ak_demo_ts_client_1"}}, SUCCESS_CALLS)
        assert "fatal" not in document, document
        for entry, (name, _) in zip(document["results"], SUCCESS_CALLS, strict=True):
            assert not returned(entry, name).get("isError"), entry
        refused = run_driver({"url": url, "headers": {}}, [])
        assert "fatal" in document or "fatal" in refused
        assert "401" in str(refused["fatal"]["message"]) or refused["fatal"]["code"] == 401


def test_the_ts_client_follows_an_exports_resource_link_over_http(tmp_path: Path) -> None:
    with http_process(["--demo", "--export-dir", str(tmp_path)]) as served:
        url = f"http://127.0.0.1:{served.port}/mcp"
        own = {"url": url, "headers": {"Authorization": "Bearer ak_demo_ts_client_1"}, "readLinks": True}
        document = run_driver(own, [("export_mentions", {"limit": 3})])
        assert "fatal" not in document, document
        (entry,) = document["results"]
        result = returned(entry, "export_mentions over HTTP")
        uri = result["structuredContent"]["uri"]
        assert uri.startswith("octolens://exports/") and "path" not in result["structuredContent"]
        (link,) = entry["linked"]
        assert link["uri"] == uri and "thrown" not in link, link
        (contents,) = link["contents"]
        assert contents["mimeType"] == "application/json" and contents["chars"] > 0
        # Another key's client is told the resource does not exist.
        other = {"url": url, "headers": {"Authorization": "Bearer ak_demo_ts_client_2"}, "reads": [uri]}
        stranger = run_driver(other, [])
        assert "fatal" not in stranger, stranger
        (refused,) = stranger["reads"]
        assert refused["thrown"]["message"].endswith(f"Unknown resource: {uri}"), refused
