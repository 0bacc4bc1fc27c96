"""Five scripted agent workflows on a realistic workspace, run through our server or through the naive bridge.

Shared by ``scripts/bench_tasks.py`` (tokens, requests, calls) and ``tests/test_task_requests.py`` (the
request counts, pinned). Each workflow is written once, over an ``Agent`` that calls tools by name and
reads ids from their results; a ``Dialect`` per target writes each step's arguments (ours takes names,
``sentiment`` filters, ``engaged: true`` and sourceIds; the naive bridge takes raw API bodies and ids).
Everything goes through MCP: our server is built with ``build_server`` only, the bridge from our tool list.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import anyio
from mcp import Client
from mcp_types import Tool

from octolens_mcp.config import Settings
from octolens_mcp.mcp.server import build_server
from octolens_sandbox import SANDBOX_BASE_URL, Sandbox, SandboxTransport

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

from naive_bridge import Operation, build_bridge, operations_of  # noqa: E402  (scripts/ is not a package)

KEY = "ak_bench_tasks_admin"
NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
"""The workspace's fixed "now": mentions are dated back from it, and the agent's windows are counted from it."""
SEED = 7
EXPORTS = Path(tempfile.gettempdir()) / "octolens-bench-tasks-exports"
Target = Literal["ours", "naive"]
Row = dict[str, Any]


def new_sandbox() -> Sandbox:
    """The realistic workspace, the same for every run: fixed seed, fixed now, a clock stopped at now."""
    return Sandbox(keys={KEY: "admin"}, profile="realistic", seed_value=SEED, now=NOW, clock=NOW.timestamp)


def our_settings(toolsets: tuple[str, ...] | None = ("all",)) -> Settings:
    """Our defaults, with every toolset (so every tool is available) unless ``toolsets`` says otherwise."""
    return Settings(api_key=KEY, base_url=SANDBOX_BASE_URL, toolsets=toolsets, export_dir=str(EXPORTS))


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- reading results, whatever their shape ----------------------------------------------------------


def as_rows(value: Any) -> list[Row] | None:
    """A list of objects, or a table ``{"columns": [...], "rows": [[...], ...]}`` read as one; else None."""
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    if isinstance(value, dict) and isinstance(value.get("columns"), list) and isinstance(value.get("rows"), list):
        columns = value["columns"]
        if all(isinstance(row, list) for row in value["rows"]):
            return [dict(zip(columns, row, strict=False)) for row in value["rows"]]
    return None


def items(structured: Row | None, key: str) -> list[Row]:
    """The items under ``key`` (rows of objects or a table), or of a table at the result's top level."""
    if not structured:
        return []
    found = as_rows(structured.get(key)) if key in structured else as_rows(structured)
    return found or []


def record(structured: Row | None) -> Row:
    """The one object a result is about: its ``data`` object if it has one, else the result itself."""
    if not structured:
        return {}
    data = structured.get("data")
    return data if isinstance(data, dict) and as_rows(data) is None else structured


def most_relevant(rows: list[Row], count: int) -> list[Row]:
    """The ``count`` most relevant (relevanceScore 0 is highest), newest first among equals (the list's order)."""
    return sorted(rows, key=lambda row: row.get("relevanceScore", 3) if row.get("relevanceScore") is not None else 3)[
        :count
    ]


# --- one tool call per step, written per target ------------------------------------------------------


@dataclass(frozen=True)
class Step:
    tool: str
    arguments: Row
    fresh: bool = False
    """A write decided on fresh state: a toggle (engage, pause), or a create the reference says to check the
    list for first (add_keyword). The naive bridge sends it blindly; ours may read first."""


class Dialect:
    """How one target wants each step's arguments."""

    def list_mentions(self, start: datetime, sentiment: str | None = None) -> Step:
        raise NotImplementedError

    def get_mentions(self, mentions: list[Row]) -> list[Step]:
        """The calls that read these mentions whole."""
        raise NotImplementedError

    def set_relevance(self, mention: Row, level: Literal["high", "medium", "low"]) -> Step:
        raise NotImplementedError

    def engage(self, mention: Row) -> Step:
        raise NotImplementedError

    def sentiment_breakdown(self, start: datetime, end: datetime) -> Step:
        raise NotImplementedError

    def volume(self, start: datetime, end: datetime, sentiment: str) -> Step:
        raise NotImplementedError

    def export(self, start: datetime, sentiment: str) -> Step:
        raise NotImplementedError

    def add_keyword(self, keyword: str, context: str) -> Step:
        raise NotImplementedError

    def create_feed(self, name: str, keyword: Row) -> Step:
        raise NotImplementedError

    def create_notification(self, name: str, feed: Row, emails: str) -> Step:
        raise NotImplementedError

    def search(self, query: str) -> Step:
        raise NotImplementedError


def _filters(start: datetime, sentiment: str | None) -> Row:
    return {"startDate": iso(start), **({"sentiment": [sentiment]} if sentiment else {})}


def _email(emails: str) -> list[Row]:
    return [{"type": "EMAIL", "frequency": "daily", "emailDestination": {"emails": emails}}]


class Ours(Dialect):
    """Our tools: names instead of ids, lowercase sentiment filters, a target engaged state, sourceIds."""

    def list_mentions(self, start: datetime, sentiment: str | None = None) -> Step:
        return Step("list_mentions", {"filters": _filters(start, sentiment)})

    def get_mentions(self, mentions: list[Row]) -> list[Step]:
        return [Step("get_mention", {"sourceId": [mention["sourceId"] for mention in mentions]})]

    def set_relevance(self, mention: Row, level: Literal["high", "medium", "low"]) -> Step:
        return Step("update_mention", {"sourceId": mention["sourceId"], "relevance": level})

    def engage(self, mention: Row) -> Step:
        return Step("update_mention", {"sourceId": mention["sourceId"], "engaged": True}, fresh=True)

    def sentiment_breakdown(self, start: datetime, end: datetime) -> Step:
        return Step("get_sentiment_breakdown", {"startDate": iso(start), "endDate": iso(end)})

    def volume(self, start: datetime, end: datetime, sentiment: str) -> Step:
        return Step("get_mention_volume", {"startDate": iso(start), "endDate": iso(end), "sentiment": sentiment})

    def export(self, start: datetime, sentiment: str) -> Step:
        return Step("export_mentions", {"filters": _filters(start, sentiment)})

    def add_keyword(self, keyword: str, context: str) -> Step:
        return Step("add_keyword", {"keyword": keyword, "tag": "competitor", "context": context}, fresh=True)

    def create_feed(self, name: str, keyword: Row) -> Step:
        # The id add_keyword just answered (a name works too, at the cost of reading the list to resolve it).
        conditions = [{"field": "Keywords", "values": str(keyword["id"])}]
        return Step("create_feed", {"name": name, "simpleFilters": {"conditions": conditions}})

    def create_notification(self, name: str, feed: Row, emails: str) -> Step:
        return Step("create_notification", {"name": name, "feedId": feed["id"], "destinations": _email(emails)})

    def search(self, query: str) -> Step:
        return Step("run_search", {"query": query})


class Naive(Dialect):
    """The bridge's tools: path parameters, ``query`` and ``body`` exactly as the API reference wants them."""

    RELEVANCE = {"high": 0, "medium": 1, "low": 2}

    def list_mentions(self, start: datetime, sentiment: str | None = None) -> Step:
        return Step("list_mentions", {"body": {"filters": _filters(start, sentiment)}})

    def get_mentions(self, mentions: list[Row]) -> list[Step]:
        return [Step("get_mention", {"sourceId": mention["sourceId"]}) for mention in mentions]

    def set_relevance(self, mention: Row, level: Literal["high", "medium", "low"]) -> Step:
        body = {"action": "relevance", "postId": mention["id"], "timestamp": mention["timestamp"]}
        return Step(
            "update_mention", {"sourceId": mention["sourceId"], "body": {**body, "relevance": self.RELEVANCE[level]}}
        )

    def engage(self, mention: Row) -> Step:
        body = {"action": "engage", "postId": mention["id"], "timestamp": mention["timestamp"]}
        return Step("update_mention", {"sourceId": mention["sourceId"], "body": body}, fresh=True)

    def sentiment_breakdown(self, start: datetime, end: datetime) -> Step:
        return Step("get_sentiment_breakdown", {"query": {"startDate": iso(start), "endDate": iso(end)}})

    def volume(self, start: datetime, end: datetime, sentiment: str) -> Step:
        query = {"startDate": iso(start), "endDate": iso(end), "sentiment": sentiment.upper()}
        return Step("get_mention_volume", {"query": query})

    def export(self, start: datetime, sentiment: str) -> Step:
        return Step("export_mentions", {"body": {"filters": _filters(start, sentiment), "format": "json"}})

    def add_keyword(self, keyword: str, context: str) -> Step:
        return Step("add_keyword", {"body": {"keyword": keyword, "tag": "competitor", "context": context}}, fresh=True)

    def create_feed(self, name: str, keyword: Row) -> Step:
        conditions = [{"field": "Keywords", "values": str(keyword["id"])}]
        return Step(
            "create_feed", {"body": {"name": name, "icon": "BellIcon", "simpleFilters": {"conditions": conditions}}}
        )

    def create_notification(self, name: str, feed: Row, emails: str) -> Step:
        body = {"name": name, "feedId": feed["id"], "destinations": _email(emails)}
        return Step("create_notification", {"body": body})

    def search(self, query: str) -> Step:
        return Step("run_search", {"body": {"query": query}})


# --- the agent -----------------------------------------------------------------------------------------


class WorkflowFailed(Exception):
    """A step's call failed: the scripted agent cannot go on (the benchmark would measure nothing)."""


@dataclass
class Reply:
    tool: str
    arguments: Row
    text: str
    structured: Row | None
    sent: list[str]
    """The upstream operations (``"GET /mentions/{sourceId}"``) this call sent, in order."""


@dataclass
class Agent:
    client: Client
    sandbox: Sandbox
    dialect: Dialect
    now: datetime = NOW
    replies: list[Reply] = field(default_factory=list)
    fresh_writes: int = 0
    wrong_engaged: list[str] = field(default_factory=list)
    """sourceIds the agent engaged that were not engaged right after (a blind toggle that turned one off)."""

    async def do(self, step: Step) -> Reply:
        before = len(self.sandbox.requests)
        result = await self.client.call_tool(step.tool, step.arguments)
        text = "\n".join(block.text for block in result.content if block.type == "text")
        sent = [request.operation for request in self.sandbox.requests[before:]]
        if result.is_error:
            raise WorkflowFailed(f"{step.tool} {step.arguments}: {text[-600:]}")
        reply = Reply(step.tool, step.arguments, text, result.structured_content, sent)
        self.replies.append(reply)
        self.fresh_writes += step.fresh
        return reply

    async def read_whole(self, steps: list[Step]) -> list[Row]:
        """The mentions these reads answered: one record per answer, or the ``data`` list of a read of several."""
        read: list[Row] = []
        for step in steps:
            structured = (await self.do(step)).structured or {}
            data = structured.get("data")
            read += data if isinstance(data, list) else [record(structured)]
        return read

    def meant_engaged(self, source_id: str) -> None:
        """Note a mention the agent has just engaged, if the workspace does not show it engaged now."""
        if not any(m["sourceId"] == source_id and m["engaged"] for m in self.sandbox.mentions):
            self.wrong_engaged.append(source_id)


# --- the workflows ---------------------------------------------------------------------------------------


async def morning_triage(agent: Agent) -> None:
    """List the last 24 hours' mentions, read the three most relevant in full, re-rate two, engage one."""
    d = agent.dialect
    listed = await agent.do(d.list_mentions(agent.now - timedelta(hours=24)))
    top = most_relevant(items(listed.structured, "data"), 3)
    full = await agent.read_whole(d.get_mentions(top))
    await agent.do(d.set_relevance(full[0], "high"))
    await agent.do(d.set_relevance(full[-1], "low"))
    await agent.do(d.engage(full[0]))
    agent.meant_engaged(full[0]["sourceId"])


async def negative_report(agent: Agent) -> None:
    """Last week's negative mentions, sentiment and negative volume over the week, and an export of them."""
    d = agent.dialect
    start = agent.now - timedelta(days=7)
    await agent.do(d.list_mentions(start, "negative"))
    await agent.do(d.sentiment_breakdown(start, agent.now))
    await agent.do(d.volume(start, agent.now, "negative"))
    await agent.do(d.export(start, "negative"))


async def competitor_monitoring(agent: Agent) -> None:
    """Track a new competitor: add the keyword, a feed for it, and a daily email notification of the feed."""
    d = agent.dialect
    keyword = record((await agent.do(d.add_keyword("Quantia", "Quantia, a product analytics competitor"))).structured)
    feed = record((await agent.do(d.create_feed("Quantia mentions", keyword))).structured)
    await agent.do(d.create_notification("Quantia daily digest", feed, "team@acme-analytics.test"))


async def triage_thrice(agent: Agent) -> None:
    """The morning triage three times in ten minutes (run back to back)."""
    for _ in range(3):
        await morning_triage(agent)


async def search_and_read(agent: Agent) -> None:
    """An on-demand search, then two of its results (ones already in the workspace) read in full."""
    d = agent.dialect
    found = await agent.do(d.search("Northwind Metrics"))
    known = [row for row in items(found.structured, "mentions") if row.get("alreadyInWorkspace")]
    await agent.read_whole(d.get_mentions(known[:2]))


@dataclass(frozen=True)
class Task:
    name: str
    workflow: Callable[[Agent], Awaitable[None]]


TASKS = (
    Task("morning triage", morning_triage),
    Task("negative report", negative_report),
    Task("competitor monitoring", competitor_monitoring),
    Task("triage 3x in 10 min", triage_thrice),
    Task("search + read 2", search_and_read),
)


# --- running a task on a fresh workspace --------------------------------------------------------------


SESSION_REQUESTS = frozenset({"GET /auth"})
"""Requests a session sends once for its key, not for a task (the scope that narrows the tool list)."""


@dataclass
class TaskRun:
    task: str
    target: Target
    replies: list[Reply]
    requests: int
    """Upstream requests the task sent (the session's own, once per process, are counted apart, in ``setup``)."""
    setup: list[str]
    """Requests the session sends once, whenever they fall (ours: the ``GET /auth`` scope lookup after the key's
    first successful call)."""
    fresh_writes: int
    wrong_engaged: list[str]
    """sourceIds the agent engaged that were not engaged right after."""


async def _settle(sandbox: Sandbox, quiet: float = 0.25) -> None:
    """Wait until no request has arrived for ``quiet`` seconds (a session's background requests at start)."""
    seen, still = len(sandbox.requests), 0.0
    while still < quiet:
        await anyio.sleep(0.05)
        still = still + 0.05 if len(sandbox.requests) == seen else 0.0
        seen = len(sandbox.requests)


async def our_tool_list(toolsets: tuple[str, ...] | None = ("all",)) -> list[Tool]:
    """Our ``tools/list`` (every toolset, or ``toolsets``; None is the default ones), on a throwaway workspace."""
    server = build_server(our_settings(toolsets), transport=SandboxTransport(new_sandbox()))
    async with Client(server) as client:
        return list((await client.list_tools()).tools)


async def bridge_operations() -> list[Operation]:
    return operations_of(await our_tool_list())


def _session(target: Target, sandbox: Sandbox, operations: list[Operation]) -> AbstractAsyncContextManager[Client]:
    transport = SandboxTransport(sandbox)
    if target == "ours":
        return Client(build_server(our_settings(), transport=transport))
    return Client(build_bridge(operations, base_url=SANDBOX_BASE_URL, api_key=KEY, transport=transport))


async def run_task(task: Task, target: Target, operations: list[Operation]) -> TaskRun:
    """``task`` through ``target`` on a fresh workspace; ``operations`` are the bridge's (``bridge_operations``)."""
    sandbox = new_sandbox()
    async with _session(target, sandbox, operations) as client:
        await client.list_tools()
        agent = Agent(client, sandbox, Ours() if target == "ours" else Naive())
        await task.workflow(agent)
        await _settle(sandbox)
        setup = [request.operation for request in sandbox.requests if request.operation in SESSION_REQUESTS]
        requests = len(sandbox.requests) - len(setup)
    return TaskRun(task.name, target, agent.replies, requests, setup, agent.fresh_writes, agent.wrong_engaged)
