"""Shared fixtures: a sandbox per test and MCP client sessions connected to a server that talks to it."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from mcp import Client
from mcp_types import CallToolResult

from octolens_mcp.config import Settings
from octolens_mcp.logformat import ACCESS_LOGGER
from octolens_mcp.mcp import manifest
from octolens_mcp.mcp.exposure import ENABLE_TOOLSET, LIST_TOOLSETS
from octolens_mcp.mcp.server import build_server
from octolens_sandbox import SANDBOX_BASE_URL, FaultySandbox, Sandbox, SandboxTransport

OUTPUT_SCHEMAS: dict[str, dict[str, Any]] = {
    **{tool["name"]: tool["outputSchema"] for tool in manifest.load()},
    **{tool.name: tool.output_schema or {} for tool in (LIST_TOOLSETS, ENABLE_TOOLSET)},
}
"""Every tool's outputSchema, as listed: each success ``ok`` sees is validated against its tool's."""

# A canary: every test session uses these keys, and no output may ever contain them.
CANARY_KEY = "ak_live_CANARY_7f3a9c1e5b2d4f60a8"
READ_KEY = "ak_live_CANARY_read_0a1b2c3d4e5f"
WRITE_KEY = "ak_live_CANARY_write_9z8y7x6w5v4u"
SECRETS = (CANARY_KEY, READ_KEY, WRITE_KEY)

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
"""Facts copied from the API reference (the operations inventory, the error-code table), kept in the repo."""
REFERENCE_OPERATIONS: list[dict[str, Any]] = json.loads((DATA / "octolens-operations.json").read_text())
COMPOSED_TOOLS = ("connect_feed_webhook", "disconnect_feed_webhook", "watch_mentions")
"""Tools that are no reference operation of their own (the webhooks toolset): each is built on one it names
(PATCH /feeds/{id}, POST /mentions) plus this server's webhook receiver."""
TOOL_COUNT = len(REFERENCE_OPERATIONS) + len(COMPOSED_TOOLS)
"""Tools listed with every toolset: one per reference operation, and the composed ones (list_toolsets and
enable_toolset come on top only with dynamic toolsets)."""


HOME = Path(tempfile.mkdtemp(prefix="octolens-mcp-test-home-"))
"""The ``$HOME`` of the whole test run and of every process it starts: found empty, it must be left empty."""
HOME_DEFAULTS = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
"""Variables that would move a home directory's parts elsewhere: unset, so each falls back to ``$HOME``."""


def leftovers(home: Path) -> list[str]:
    """Everything under ``home``, relative to it."""
    return sorted(str(path.relative_to(home)) for path in home.rglob("*"))


@pytest.fixture(scope="session", autouse=True)
def home_left_as_found() -> Iterator[Path]:
    """Tests keep out of the user's home: the run gets an empty ``$HOME`` and fails if anything wrote into it.

    Whatever defaults to the home directory (the export directory, caches, a tool's settings) lands there,
    from this process or any it starts, and the session's last teardown names it; the user's own home is
    never touched.
    """
    saved = {name: os.environ.get(name) for name in ("HOME", *HOME_DEFAULTS)}
    os.environ["HOME"] = str(HOME)
    for name in HOME_DEFAULTS:
        os.environ.pop(name, None)
    try:
        yield HOME
        left = leftovers(HOME)
        assert not left, f"the test run wrote into $HOME ({HOME}): {left[:20]}"
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def logging_left_as_found() -> Iterator[None]:
    """A test that runs the command line (which sets up logging for its process) leaves logging as it was:
    the next test's handlers must not write to a stream pytest has closed since, nor miss pytest's own."""
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in ("httpx2", ACCESS_LOGGER))]
    saved = [(logger, list(logger.handlers), logger.level, logger.propagate) for logger in loggers]
    raise_exceptions = logging.raiseExceptions
    yield
    logging.raiseExceptions = raise_exceptions
    for logger, handlers, level, propagate in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


@pytest.fixture(autouse=True)
def no_secret_anywhere(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """The canary: no test may let an API key reach a log record, stdout or stderr."""
    caplog.set_level(logging.DEBUG)
    yield
    captured = capsys.readouterr()
    seen = caplog.text + captured.out + captured.err
    for secret in SECRETS:
        assert secret not in seen


@pytest.fixture
def sandbox() -> FaultySandbox:
    """A fresh workspace per test, which a test may script to misbehave (``sandbox.faults``)."""
    return FaultySandbox(keys={CANARY_KEY: "admin", READ_KEY: "read", WRITE_KEY: "write"})


EXPORT_DIR = Path(tempfile.mkdtemp(prefix="octolens-mcp-test-exports-"))
"""Where exports the tests make are written (never the user's data directory)."""


def settings(**overrides: Any) -> Settings:
    base = Settings(
        api_key=CANARY_KEY,
        base_url=SANDBOX_BASE_URL,
        toolsets=("all",),
        search_wait=5.0,
        export_dir=str(EXPORT_DIR),
        # Tests count the requests a call sends; the background GET /auth has its own tests (test_scope_filter).
        scope_filter=False,
        # A public URL, so that connect_feed_webhook runs its whole flow (no receiver listens there over stdio).
        public_url="https://octolens-mcp.example.test",
    )
    return replace(base, **overrides)


@asynccontextmanager
async def connect(sandbox: Sandbox, **overrides: Any) -> AsyncIterator[Client]:
    """An MCP client session with a server whose HTTP goes to ``sandbox``."""
    server = build_server(settings(**overrides), transport=SandboxTransport(sandbox))
    async with Client(server) as client:
        yield client


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[Client]:
    async with connect(sandbox) as session:
        yield session


def sent(sandbox: Sandbox, operation: str) -> list[tuple[str, Any]]:
    """(path, JSON body) of each request the server sent for ``operation`` (``"PATCH /feeds/{id}"``), in order."""
    return [(r.path, r.body) for r in sandbox.requests if r.operation == operation]


def assert_no_secret(result: CallToolResult) -> None:
    dumped = result.model_dump_json(by_alias=True)
    for secret in SECRETS:
        assert secret not in dumped


async def call(client: Client, name: str, arguments: dict[str, Any] | None = None) -> CallToolResult:
    result = await client.call_tool(name, arguments or {})
    assert_no_secret(result)
    return result


async def ok(client: Client, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    """The structured result of a call that must succeed; its text block must carry the same JSON."""
    result = await call(client, name, arguments)
    text = result.content[0].text if result.content and result.content[0].type == "text" else ""
    assert not result.is_error, text
    assert result.structured_content is not None
    body = text.split("<untrusted-data>\n", 1)[-1].split("\n</untrusted-data>", 1)[0].splitlines()[-1]
    structured: dict[str, Any] = result.structured_content
    # The untrusted-data notice is said once in each form: a field here, a line above the fence there.
    notice = structured.get("notice")
    assert json.loads(body) == {key: value for key, value in structured.items() if key != "notice"}
    assert notice is None or f"{notice}\n<untrusted-data>" in text
    jsonschema.Draft202012Validator(OUTPUT_SCHEMAS[name]).validate(structured)
    return structured


async def whole_mention(client: Client, source_id: str) -> dict[str, Any]:
    """The one mention ``get_mention`` read whole (its result lists what it read under ``data``)."""
    read = (await ok(client, "get_mention", {"sourceId": source_id}))["data"]
    assert len(read) == 1, read
    return dict(read[0])


def records(result: dict[str, Any], field: str = "data") -> list[dict[str, Any]]:
    """The items of a list result as objects, from either form: a compact table (``columns`` and ``rows``,
    a missing value null) or ``field``'s objects (``detail: "full"``, and lists not shown as tables)."""
    if "columns" in result and "rows" in result and field not in result:
        columns = result["columns"]
        return [{c: v for c, v in zip(columns, row, strict=True) if v is not None} for row in result["rows"]]
    rows: list[dict[str, Any]] = result[field]
    return rows


def error_of(result: CallToolResult) -> dict[str, Any]:
    """The error an ``isError`` result carries: the JSON on its text block's last line, equal to _meta's copy.

    Error results carry no ``structuredContent`` (clients validate it against the tool's outputSchema and
    would reject an error envelope); the text block is complete on its own, for hosts that read only text.
    """
    assert result.is_error, result.content
    assert result.structured_content is None
    text = result.content[0].text if result.content and result.content[0].type == "text" else ""
    body: dict[str, Any] = json.loads(text.splitlines()[-1])
    assert result.meta is not None
    meta = result.meta["octolens/error"]
    # _meta repeats a small body whole, and a large one only by its code, status and whether it was sent.
    assert meta == body or meta == {
        "error": {key: body["error"][key] for key in ("code", "status", "sent") if key in body["error"]},
        "hint": body["hint"],
    }
    assert isinstance(body["hint"], str) and body["hint"]
    return body


async def fails(client: Client, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    """The error of a call that must fail: {code, message, status, details?, ..., hint}."""
    body = error_of(await call(client, name, arguments))
    error: dict[str, Any] = dict(body["error"])
    error["hint"] = body["hint"]
    return error
