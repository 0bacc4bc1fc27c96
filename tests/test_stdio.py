"""The installed command over stdio: demo mode end to end, a clean stdout, the CLI's own answers."""

from __future__ import annotations

import json
import subprocess
import tempfile
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import CANARY_KEY, TOOL_COUNT, records
from tests.installed_command import COMMAND, environment, run_command

pytestmark = pytest.mark.anyio


async def test_demo_over_stdio_with_the_sdk_client() -> None:
    params = StdioServerParameters(command=COMMAND, args=["--demo", "--toolsets", "all"], env=environment())
    async with Client(params) as client:
        tools = (await client.list_tools()).tools
        assert len(tools) == TOOL_COUNT
        keywords = await client.call_tool("list_keywords", {})
        assert not keywords.is_error and keywords.structured_content is not None
        assert records(keywords.structured_content)[0]["keyword"]
        assert keywords.meta is not None and keywords.meta["octolens/demo"] is True
        text = keywords.content[0].text  # type: ignore[union-attr]
        assert text.startswith("Demo data")
        page = await client.call_tool("list_mentions", {"limit": 3})
        assert page.structured_content is not None and len(records(page.structured_content)) == 3
        created = await client.call_tool("create_feed", {"name": "From stdio"})
        assert not created.is_error and created.structured_content is not None
        listed = await client.call_tool("list_feeds", {})
        assert listed.structured_content is not None
        assert "From stdio" in [f["name"] for f in records(listed.structured_content)]


async def _exchange(args: list[str], env: dict[str, str], messages: list[dict[str, Any]]) -> tuple[list[str], str]:
    """Send JSON-RPC lines, collect every stdout line until each request is answered, then stop the server."""
    wanted = {m["id"] for m in messages if "id" in m}
    lines: list[str] = []
    with tempfile.TemporaryFile("w+") as errlog:
        async with await anyio.open_process([COMMAND, *args], env=env, stderr=errlog) as process:
            assert process.stdin is not None and process.stdout is not None
            buffer = b""
            with anyio.fail_after(30):
                for message in messages:
                    await process.stdin.send((json.dumps(message) + "\n").encode())
                    if "id" not in message:
                        continue
                    while True:
                        chunk = await process.stdout.receive()
                        buffer += chunk
                        *complete, rest = buffer.split(b"\n")
                        buffer = rest
                        lines.extend(line.decode() for line in complete if line.strip())
                        answered = {json.loads(line).get("id") for line in lines}
                        if message["id"] in answered:
                            break
                assert wanted <= {json.loads(line).get("id") for line in lines}
            await process.stdin.aclose()
            process.terminate()
            await process.wait()
        errlog.seek(0)
        return lines, errlog.read()


def _session(*calls: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "raw", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    ]
    for index, (name, arguments) in enumerate(calls, start=3):
        messages.append(
            {"jsonrpc": "2.0", "id": index, "method": "tools/call", "params": {"name": name, "arguments": arguments}}
        )
    return messages


async def test_stdout_carries_only_protocol_messages_even_at_debug() -> None:
    lines, stderr = await _exchange(
        ["--demo", "--log-level", "DEBUG"],
        environment(),
        _session(("list_keywords", {}), ("get_mention", {"sourceId": "nope"}), ("list_mentions", {"bogus": 1})),
    )
    for line in lines:
        message = json.loads(line)
        assert message["jsonrpc"] == "2.0"
    # The logs went to stderr: the failed call's log line is there, and nothing of it on stdout.
    assert "get_mention failed: MENTION_NOT_FOUND" in stderr
    assert all("MENTION_NOT_FOUND failed" not in line for line in lines)


async def test_api_key_never_printed_on_failures() -> None:
    env = environment(OCTOLENS_API_KEY=CANARY_KEY, OCTOLENS_BASE_URL="http://127.0.0.1:9/api/v2")
    lines, stderr = await _exchange(
        ["--log-level", "DEBUG", "--timeout", "2"],
        env,
        _session(("list_keywords", {}), ("add_keyword", {"keyword": "x", "platforms": ["reddit"]})),
    )
    answers = [json.loads(line) for line in lines if json.loads(line).get("id") in (3, 4)]
    assert [a["result"]["_meta"]["octolens/error"]["error"]["code"] for a in answers] == ["UPSTREAM_UNREACHABLE"] * 2
    assert all("structuredContent" not in a["result"] for a in answers)
    assert CANARY_KEY not in "\n".join(lines) and CANARY_KEY not in stderr


def test_without_a_key_exits_with_instructions() -> None:
    done = run_command()
    assert done.returncode == 2 and done.stdout == ""
    assert "Settings -> API" in done.stderr and "OCTOLENS_API_KEY" in done.stderr and "--demo" in done.stderr


def test_version_help_and_bad_toolset() -> None:
    version = subprocess.run([COMMAND, "--version"], capture_output=True, text=True, timeout=30, check=False)
    assert version.returncode == 0 and version.stdout.startswith("octolens-mcp ")
    usage = subprocess.run([COMMAND, "--help"], capture_output=True, text=True, timeout=30, check=False)
    assert usage.returncode == 0 and "--demo" in usage.stdout and "OCTOLENS_API_KEY" in usage.stdout
    bad = run_command("--demo", "--toolsets", "nope")
    assert bad.returncode == 2 and "unknown toolset" in bad.stderr and bad.stdout == ""
