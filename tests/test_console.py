"""``octolens-mcp tools``, ``call`` and ``tour``, and what the stdio server says in a terminal.

``call`` is run on every tool against ``--demo`` (arguments from the variant table, ids from a sandbox seeded
as the demo's is), each result checked against the tool's outputSchema; the installed command is run for its
exit statuses and its output for a person. No output ever carries the key.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time
from typing import Any

import jsonschema
import pytest

from octolens_mcp.cli import WAITING, main
from octolens_mcp.console import argument_value
from octolens_sandbox import FaultySandbox, demo_sandbox
from tests.conftest import CANARY_KEY, EXPORT_DIR, OUTPUT_SCHEMAS
from tests.everywhere import arguments_for, listed_tool_names
from tests.installed_command import COMMAND, environment, run_command


def call_json(capsys: pytest.CaptureFixture[str], tool: str, arguments: dict[str, Any]) -> tuple[int, Any]:
    argv = ["call", tool, "--demo", "--toolsets", "all", "--json", json.dumps(arguments), "--output", "json"]
    argv += ["--public-url", "https://octolens-mcp.example.com"]  # the webhook tools hand out this address
    status = main(argv)
    out = capsys.readouterr().out
    return status, json.loads(out)


def test_call_works_on_every_tool_against_the_demo(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCTOLENS_EXPORT_DIR", str(EXPORT_DIR))
    demo_seed = FaultySandbox()  # the demo's seed: the same ids the demo process has
    demo_search = next(iter(demo_sandbox().searches))  # the search the demo has already run
    errors: dict[str, str] = {}
    names = listed_tool_names()
    assert len(names) >= 50
    for name in names:
        arguments = {"searchId": demo_search} if name == "get_search" else arguments_for(name, demo_seed)
        status, body = call_json(capsys, name, arguments)
        if status == 0:
            jsonschema.validate(body, OUTPUT_SCHEMAS[name])
        else:
            assert status == 1, (name, body)
            assert isinstance(body["error"]["code"], str) and body["error"]["message"], (name, body)
            errors[name] = body["error"]["code"]
    assert errors == {}


def test_call_for_a_person_prints_a_table_and_exits_0() -> None:
    done = run_command("call", "list_mentions", "--demo", "--arg", "limit=2")
    assert done.returncode == 0, done.stderr
    header, rule, *rows = done.stdout.splitlines()
    assert header.split()[:3] == ["sourceId", "body", "source"] and set(rule) <= {"-", " "}
    assert len([row for row in rows if row.strip() and not row.startswith((" ", "{", "}"))]) == 2
    assert '"nextCursor"' in done.stdout


def test_a_tool_error_is_said_on_stderr_with_its_hint_and_exits_1() -> None:
    done = run_command("call", "get_mention", "--demo", "--arg", "sourceId=nope")
    assert done.returncode == 1 and done.stdout == ""
    assert "MENTION_NOT_FOUND" in done.stderr and "hint: " in done.stderr and "list_mentions" in done.stderr
    as_json = run_command("call", "get_mention", "--demo", "--json", '{"sourceId": "nope"}', "--output", "json")
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["error"]["code"] == "MENTION_NOT_FOUND"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["call", "lst_mentions", "--demo"], "did you mean list_mentions?"),
        (["call", "run_search", "--demo"], "add --toolsets search"),
        (["call", "list_roles", "--demo", "--toolsets", "members"], "no tool named 'list_roles'"),
        (["call", "list_mentions", "--demo", "--arg", "limit"], "write KEY=VALUE"),
        (["call", "list_mentions", "--demo", "--json", "[1]"], "must be a JSON object"),
        (["call", "list_mentions", "--demo", "--json", "{"], "--json is not JSON"),
        (["call", "list_mentions", "--demo", "--toolsets", "nope"], "nope"),
        (["call", "list_mentions"], "no Octolens API key"),
    ],
)
def test_a_command_line_that_cannot_run_exits_2_with_one_reason(args: list[str], said: str) -> None:
    done = run_command(*args)
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert said in done.stderr and "Traceback" not in done.stderr


def test_arguments_are_text_where_the_tool_takes_text_and_json_elsewhere() -> None:
    assert argument_value("5", {"type": "integer"}) == 5
    assert argument_value("5", {"type": "string"}) == "5"
    assert argument_value("5", {"anyOf": [{"type": "string"}, {"type": "null"}]}) == "5"
    assert argument_value('["a", "b"]', {"type": "array"}) == ["a", "b"]
    assert argument_value("true", {"anyOf": [{"type": "boolean"}, {"type": "string"}]}) is True
    assert argument_value("positive", {"enum": ["positive"]}) == "positive"
    done = run_command("call", "add_keyword", "--demo", "--arg", "keyword=1234", "--output", "json")
    assert done.returncode == 0, done.stderr
    assert "1234" in done.stdout


def test_tools_lists_what_the_server_offers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tools", "--demo", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"list_mentions", "get_mention", "list_keywords"} <= {tool["name"] for tool in listed}
    assert "run_search" not in {tool["name"] for tool in listed}  # opt-in, as for a host
    assert all(tool["inputSchema"]["type"] == "object" for tool in listed)
    assert main(["tools", "--demo", "--toolsets", "all", "--read-only"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith(f"{len(lines) - 2} tools.")
    assert all(line.split()[1] == "read" for line in lines[:-2]), "--read-only lists no write"


def test_the_key_never_appears_in_any_output() -> None:
    # A real key against an address nothing answers: the call fails, and neither stream names the key.
    env = {"OCTOLENS_API_KEY": CANARY_KEY, "OCTOLENS_BASE_URL": "http://127.0.0.1:9/api/v2", "OCTOLENS_TIMEOUT": "2"}
    for args in (["call", "list_keywords"], ["call", "list_keywords", "--output", "json"], ["tools", "--json"]):
        done = run_command(*args, "--log-level", "DEBUG", **env)
        assert CANARY_KEY not in done.stdout + done.stderr
    failed = run_command("call", "list_keywords", **env)
    assert failed.returncode == 1 and "UPSTREAM" in failed.stderr


def test_the_tour_calls_tools_and_says_how_to_connect_a_host() -> None:
    done = run_command("tour")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for said in ("list_keywords", "list_mentions", "get_mention", "Demo data", "MENTION_NOT_FOUND"):
        assert said in out
    assert "octolens-mcp install claude-desktop --demo" in out and "docs/install.md" in out
    assert done.stderr == ""


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "tty", "version": "0"}},
}


def test_in_a_terminal_the_server_says_it_waits_for_a_host_on_stderr_only() -> None:
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [COMMAND, "--demo"],
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(),
        start_new_session=True,
    ) as process:
        os.close(follower)
        assert process.stderr is not None and process.stdout is not None
        said = b""
        deadline = time.monotonic() + 20
        while WAITING.encode() not in said and time.monotonic() < deadline:
            ready, _, _ = select.select([process.stderr], [], [], 0.5)
            if ready:
                said += os.read(process.stderr.fileno(), 4096)
        # Still an MCP server: a request typed into the terminal is answered on stdout, and only there.
        os.write(leader, json.dumps(INITIALIZE).encode() + b"\n")
        answer = json.loads(process.stdout.readline())
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    os.close(leader)
    assert said.decode() == WAITING and len(WAITING.splitlines()) <= 2
    assert answer["id"] == 1 and answer["result"]["serverInfo"]["name"] == "octolens"
    assert out == b"" and err == b""
    assert process.returncode == 0


def test_without_a_terminal_the_server_says_nothing() -> None:
    done = subprocess.run(
        [COMMAND, "--demo"], input="", capture_output=True, text=True, env=environment(), timeout=30, check=False
    )
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
