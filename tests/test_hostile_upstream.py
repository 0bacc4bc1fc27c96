"""The MCP server against a real, hostile HTTP upstream on 127.0.0.1 (tests/hostile_upstream.py).

No transport is injected: the server's own network client talks to a loopback socket that answers
with oversized and gzip-bomb bodies, bodies trickled forever, JSON nested 100,000 deep, absurd
rate-limit headers, echoes of the API key, megabyte error messages and absurd header blocks.
Every call must end within its deadline, with the documented code (never INTERNAL_ERROR), without
the key, and without holding the whole hostile body in memory or stalling other calls.

The size tests come first: peak RSS only ever grows, so they measure before anything else in this
file has read a large body (and also reset the kernel's peak-RSS mark where Linux allows it).
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import resource
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp_types import CallToolResult

from octolens_mcp.config import Settings
from octolens_mcp.mcp.server import build_server
from tests.conftest import CANARY_KEY, EXPORT_DIR, SECRETS, error_of
from tests.hostile_upstream import (
    Body,
    Handler,
    HostileUpstream,
    MiB,
    big_feed,
    feed_list,
    gzip_bomb,
    gzipped,
    huge_header,
    json_reply,
    many_headers,
    nested,
    streamed,
    trickle,
)

pytestmark = pytest.mark.anyio

DEADLINE = 5.0
"""The ``timeout`` setting every test uses: an ordinary call's deadline."""
SLACK = 1.5
TEST_CAP = 40.0
"""No test may hang: each runs under this hard cap."""
RSS_GROWTH_LIMIT = 300 * 1000 * 1000
ORG = {"organizationId": "org_hostile0001", "name": "Hostile Inc", "plan": "Pro_v3"}
FEED = {"id": 7, "name": "Launch watch", "icon": "BellIcon", "isDefault": False}
NEW_FEED = {"name": "Launch watch"}
READ_TOOL = ("list_feeds", "GET", None)
WRITE_TOOL = ("create_feed", "POST", NEW_FEED)
RATE_LIMITED_BODY = {"error": {"code": "RATE_LIMITED", "message": "Too many requests", "status": 429}}


@contextlib.asynccontextmanager
async def connect_to(
    upstream: HostileUpstream,
    *,
    max_response_bytes: int = 8 * MiB,
    api_key: str = CANARY_KEY,
    export_dir: str | None = str(EXPORT_DIR),
) -> AsyncIterator[Client]:
    """An MCP session with a server whose real HTTP client points at ``upstream``."""
    settings = Settings(
        api_key=api_key,
        base_url=upstream.base_url,
        toolsets=("all",),
        timeout=DEADLINE,
        max_response_bytes=max_response_bytes,
        cache_ttl=0,
        export_dir=export_dir,
    )
    async with Client(build_server(settings)) as client:
        yield client


@dataclass
class Outcome:
    result: CallToolResult
    seconds: float

    @property
    def code(self) -> str:
        """ "ok", or the error code however the result carries it (read leniently, to report what happened)."""
        if not self.result.is_error:
            return "ok"
        body: Any = None
        text = self.result.content[0].text if self.result.content and self.result.content[0].type == "text" else ""
        with contextlib.suppress(ValueError, IndexError):
            body = json.loads(text.splitlines()[-1])
        if not isinstance(body, dict):
            body = self.result.structured_content or (self.result.meta or {}).get("octolens/error")
        error = body.get("error") if isinstance(body, dict) else None
        return str(error.get("code")) if isinstance(error, dict) else f"unparsable error: {text[:200]!r}"

    def describe(self) -> str:
        text = self.result.content[0].text if self.result.content and self.result.content[0].type == "text" else ""
        return f"{self.code} after {self.seconds:.2f}s: {text[-400:]!r}"


async def invoke(client: Client, name: str, arguments: dict[str, Any] | None = None) -> Outcome:
    """Call ``name``, timing it; the raw result must carry no API key anywhere."""
    started = time.monotonic()
    result = await client.call_tool(name, arguments or {})
    outcome = Outcome(result, time.monotonic() - started)
    dumped = result.model_dump_json(by_alias=True)
    for secret in SECRETS:
        assert secret not in dumped, f"the API key leaked into the {name} result ({outcome.code})"
    return outcome


def expect_error(outcome: Outcome, *codes: str) -> dict[str, Any]:
    """The error of a failed call whose code is one of ``codes``; it follows conftest's ``error_of`` contract."""
    assert outcome.code in codes, f"expected {' or '.join(codes)}, got {outcome.describe()}"
    body = error_of(outcome.result)
    error: dict[str, Any] = dict(body["error"])
    error["hint"] = body["hint"]
    return error


def expect_ok(outcome: Outcome) -> dict[str, Any]:
    assert outcome.code == "ok", f"expected success, got {outcome.describe()}"
    assert outcome.result.structured_content is not None
    structured: dict[str, Any] = outcome.result.structured_content
    return structured


def expect_lost_write(outcome: Outcome) -> None:
    error = expect_error(outcome, "RESPONSE_LOST")
    assert error["mayHaveLanded"] is True


def within_deadline(outcome: Outcome) -> None:
    assert outcome.seconds < DEADLINE + SLACK, f"took past the deadline: {outcome.describe()}"


def not_internal(outcome: Outcome) -> None:
    assert outcome.code != "INTERNAL_ERROR", outcome.describe()


async def call_tool(client: Client, tool: tuple[str, str, dict[str, Any] | None]) -> Outcome:
    name, _, arguments = tool
    return await invoke(client, name, arguments)


# --- Memory ---------------------------------------------------------------------------------------


def _maxrss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class PeakGrowth:
    """How much the peak RSS grew across a block: ru_maxrss, and (Linux) the resettable VmHWM."""

    maxrss: int = 0
    hwm: int | None = None

    def check(self, what: str) -> None:
        mb = 1000 * 1000
        assert self.maxrss < RSS_GROWTH_LIMIT, f"{what}: peak RSS (ru_maxrss) grew {self.maxrss // mb} MB"
        if self.hwm is not None:
            assert self.hwm < RSS_GROWTH_LIMIT, f"{what}: peak RSS (VmHWM) grew {self.hwm // mb} MB"


@contextlib.contextmanager
def peak_growth() -> Iterator[PeakGrowth]:
    gc.collect()
    growth = PeakGrowth()
    rss_before = _status_kib("VmRSS")
    hwm_reset = False
    if rss_before is not None:
        try:  # "5" resets this process's peak-RSS mark (VmHWM) to its current RSS (and so may lower ru_maxrss)
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")
            hwm_reset = True
        except OSError:
            pass
    before = _maxrss_bytes()
    yield growth
    growth.maxrss = _maxrss_bytes() - before
    hwm = _status_kib("VmHWM")
    if hwm_reset and hwm is not None and rss_before is not None:
        growth.hwm = (hwm - rss_before) * 1024


# --- Size -----------------------------------------------------------------------------------------

SIZE_CASES = [
    pytest.param(READ_TOOL, False, id="read-content-length"),
    pytest.param(READ_TOOL, True, id="read-chunked"),
    pytest.param(WRITE_TOOL, False, id="write-content-length"),
    pytest.param(WRITE_TOOL, True, id="write-chunked"),
]


@pytest.mark.parametrize(("tool", "chunked"), SIZE_CASES)
async def test_40mb_body_over_the_bound_ends_the_read(
    tool: tuple[str, str, dict[str, Any] | None], chunked: bool
) -> None:
    name, method, _ = tool
    body: Body = feed_list(40 * MiB) if method == "GET" else big_feed(40 * MiB)
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route(method, "/feeds", streamed(body, chunked=chunked))
        async with connect_to(upstream, max_response_bytes=8 * MiB) as client:
            with peak_growth() as growth:
                outcome = await call_tool(client, tool)
        assert upstream.hits(method, "/feeds") == 1, "an oversized answer is not worth asking for again"
    if method == "GET":
        expect_error(outcome, "RESPONSE_TOO_LARGE")
    else:
        expect_lost_write(outcome)
    within_deadline(outcome)
    growth.check(f"{name} with a 40 MB body")


@pytest.mark.parametrize("tool", [pytest.param(READ_TOOL, id="read"), pytest.param(WRITE_TOOL, id="write")])
async def test_gzip_bomb_ends_the_read(tool: tuple[str, str, dict[str, Any] | None]) -> None:
    name, method, _ = tool
    if method == "GET":
        bomb = gzip_bomb(b'{"data":[', b"]}", 512 * MiB)
    else:
        bomb = gzip_bomb(b'{"id":1,"name":"Launch watch"', b"}", 512 * MiB)
    assert len(bomb) < 2 * MiB
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route(method, "/feeds", gzipped(bomb))
        async with connect_to(upstream, max_response_bytes=8 * MiB) as client:
            with peak_growth() as growth:
                outcome = await call_tool(client, tool)
    if method == "GET":
        expect_error(outcome, "RESPONSE_TOO_LARGE")
    else:
        expect_lost_write(outcome)
    within_deadline(outcome)
    growth.check(f"{name} with a gzip body inflating to 512 MiB")


# --- Deadline -------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [pytest.param(False, id="content-length"), pytest.param(True, id="chunked")])
async def test_body_trickled_forever_ends_at_the_deadline(chunked: bool) -> None:
    """Headers at once, then one byte every 0.2 s forever: the deadline covers reading the body."""
    outcomes: dict[str, Outcome] = {}
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("GET", "/feeds", trickle(chunked=chunked))
        upstream.route("POST", "/feeds", trickle(chunked=chunked, start=b'{"id":1,'))
        async with connect_to(upstream) as client:

            async def run(tool: tuple[str, str, dict[str, Any] | None]) -> None:
                outcomes[tool[0]] = await call_tool(client, tool)

            async with anyio.create_task_group() as group:  # the read and the write run side by side
                group.start_soon(run, READ_TOOL)
                group.start_soon(run, WRITE_TOOL)
        assert upstream.hits("POST", "/feeds") == 1, "a write whose answer was lost is never resent"
    expect_error(outcomes["list_feeds"], "UPSTREAM_TIMEOUT")
    expect_lost_write(outcomes["create_feed"])
    within_deadline(outcomes["list_feeds"])
    within_deadline(outcomes["create_feed"])


def _mention_row(index: int) -> dict[str, Any]:
    return {"id": index, "sourceId": f"reddit_t3_{index}", "source": "reddit", "body": "a post " * 60, "rank": index}


async def test_a_large_answer_keeps_every_item_and_names_the_one_that_does_not_fit() -> None:
    # Large answers are validated a few hundred items at a time (so the event loop keeps moving): the result
    # must be the same, additive fields and all, and a bad item must still be named by its place.
    rows = [_mention_row(index) for index in range(1200)]
    rows[3]["keywords"] = None
    good = json.dumps({"data": rows}).encode()
    bad = json.dumps({"data": [*rows[:1100], "not a mention", *rows[1101:]]}).encode()
    assert len(good) > 256 * 1024
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("POST", "/mentions/export", json_reply(200, good))
        async with connect_to(upstream) as client:
            arguments = {"limit": 1200, "output": "result", "detail": "full"}
            whole = expect_ok(await invoke(client, "export_mentions", arguments))
            upstream.route("POST", "/mentions/export", json_reply(200, bad))
            broken = await invoke(client, "export_mentions", arguments)
    cut = whole["truncated"]
    assert cut["returned"] + cut["omitted"] == 1200
    assert (
        whole["data"]
        == [{**row, "keywords": None} if index == 3 else row for index, row in enumerate(rows)][: cut["returned"]]
    )
    assert "data.1100" in expect_error(broken, "INVALID_RESPONSE")["message"]


async def test_a_large_answer_is_cleaned_and_redacted_to_its_last_item(tmp_path: Path) -> None:
    rows = [_mention_row(index) for index in range(1200)]
    rows[900]["body"] = "look\u200b here \u202eevil"
    rows[1150]["author"] = f"echo {CANARY_KEY}"
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("POST", "/mentions/export", json_reply(200, json.dumps({"data": rows}).encode()))
        async with connect_to(upstream, export_dir=str(tmp_path)) as client:
            exported = expect_ok(await invoke(client, "export_mentions", {"limit": 1200}))
    written = json.loads(await anyio.Path(exported["path"]).read_text(encoding="utf-8"))["data"]
    assert len(written) == 1200
    assert "\u200b" not in written[900]["body"] and "\u202e" not in written[900]["body"]
    assert written[1150]["author"] == "echo ak_***"


@contextlib.contextmanager
def unanswered_port() -> Iterator[int]:
    """A port whose listener's accept queue is full: the kernel drops new SYNs, so a connect never opens."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        fillers = [socket.socket() for _ in range(8)]
        try:
            for filler in fillers:
                filler.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    filler.connect(("127.0.0.1", port))
            time.sleep(0.3)
            yield port
        finally:
            for filler in fillers:
                filler.close()


async def test_a_write_whose_connection_never_opened_in_time_was_not_sent() -> None:
    # The call's deadline comes while the connection is still opening: no byte left, so it is not a lost write.
    with anyio.fail_after(TEST_CAP), unanswered_port() as port:
        settings = Settings(
            api_key=CANARY_KEY, base_url=f"http://127.0.0.1:{port}/api/v2", toolsets=("all",), timeout=2.0
        )
        async with Client(build_server(settings)) as client:
            outcome = await call_tool(client, WRITE_TOOL)
    error = expect_error(outcome, "UPSTREAM_UNREACHABLE")
    assert "nothing was sent" in error["message"] and "mayHaveLanded" not in error
    assert outcome.seconds < 2.0 + SLACK


# --- Not stalling others --------------------------------------------------------------------------

PROBE_INTERVAL = 0.1
MAX_PROBES = 60


async def test_large_body_does_not_stall_a_concurrent_call() -> None:
    """While list_feeds reads and parses 40 MB (under the bound), get_org calls keep answering in < 1 s.

    get_org is probed every 0.1 s from the moment the big body starts, until list_feeds is done and at
    least one probe started after the last byte was sent (the parse). Each probe's latency counts from
    when it was due, not when the test's task got to run it: the test shares the server's event loop,
    so a loop blocked by the parse delays the probe's start too. The body's last row is malformed, so
    list_feeds ends with a small INVALID_RESPONSE only after reading and validating everything, and
    the MCP client never has to validate a 40 MB result on this same loop.
    """
    lags: list[float] = []
    big: list[Outcome] = []
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("GET", "/feeds", streamed(feed_list(40 * MiB, malformed_last=True), mark="feeds"))
        upstream.route("GET", "/org", json_reply(200, ORG))
        async with connect_to(upstream, max_response_bytes=64 * MiB) as client:

            async def read_big() -> None:
                big.append(await invoke(client, "list_feeds"))

            async with anyio.create_task_group() as group:
                group.start_soon(read_big)
                for _ in range(2000):  # at most ~10 s
                    if "feeds:body-start" in upstream.marks or big:
                        break
                    await anyio.sleep(0.005)
                due = upstream.marks.get("feeds:body-start", time.monotonic())
                for _ in range(MAX_PROBES):
                    end = upstream.marks.get("feeds:body-end")
                    if big and end is not None and due > end:
                        break
                    await anyio.sleep(max(0.0, due - time.monotonic()))
                    probe = await invoke(client, "get_org")
                    finished = time.monotonic()
                    lags.append(finished - due)
                    expect_ok(probe)
                    due = max(due + PROBE_INTERVAL, finished)
        assert upstream.hits("GET", "/feeds") == 1
    assert big, "list_feeds did not finish"
    expect_error(big[0], "INVALID_RESPONSE")
    within_deadline(big[0])
    assert len(lags) >= 2, f"too few probes ran while the body was read: {lags}"
    assert max(lags) < 1.0, f"get_org was delayed while list_feeds read 40 MB: lags {[round(x, 2) for x in lags]}"


# --- Nesting --------------------------------------------------------------------------------------

DEPTH = 100_000


@pytest.mark.parametrize("kind", ["array", "object"])
@pytest.mark.parametrize("tool", [pytest.param(READ_TOOL, id="read"), pytest.param(WRITE_TOOL, id="write")])
async def test_2xx_body_nested_100k_deep(tool: tuple[str, str, dict[str, Any] | None], kind: str) -> None:
    _, method, _ = tool
    body = b'{"data":' + nested(DEPTH, kind=kind) + b"}" if method == "GET" else nested(DEPTH, kind=kind)
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route(method, "/feeds", json_reply(200, body))
        async with connect_to(upstream) as client:
            outcome = await call_tool(client, tool)
    not_internal(outcome)
    if method == "GET":
        expect_error(outcome, "INVALID_RESPONSE")
    else:
        expect_lost_write(outcome)
    within_deadline(outcome)


ERROR_NESTINGS = [
    pytest.param(nested(DEPTH, kind="array"), id="array"),
    pytest.param(nested(DEPTH, kind="object"), id="object"),
    pytest.param(
        b'{"error":{"code":"VALIDATION_ERROR","message":"Bad","status":400,"details":['
        + nested(DEPTH, kind="object")
        + b"]}}",
        id="inside-envelope-details",
    ),
]


@pytest.mark.parametrize("body", ERROR_NESTINGS)
async def test_error_body_nested_100k_deep(body: bytes) -> None:
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("GET", "/feeds", json_reply(400, body))
        async with connect_to(upstream) as client:
            outcome = await invoke(client, "list_feeds")
    not_internal(outcome)
    error = expect_error(outcome, outcome.code)  # any error code but INTERNAL_ERROR, in the usual shape
    assert error["status"] == 400
    within_deadline(outcome)


# --- Rate-limit headers ---------------------------------------------------------------------------

TEN_YEARS = 10 * 365 * 24 * 3600


def _budget(limit: str | None, remaining: str, reset: str) -> tuple[tuple[str, str], ...]:
    headers = [("X-RateLimit-Remaining", remaining), ("X-RateLimit-Reset", reset)]
    return tuple(headers if limit is None else [("X-RateLimit-Limit", limit), *headers])


def _rate_limit_cases() -> list[Any]:
    years = str(int(time.time()) + TEN_YEARS)
    return [
        pytest.param(_budget("500", "0", "9" * 400), id="reset-400-digits"),
        pytest.param(_budget(None, "0", "9" * 5000), id="reset-5000-digits"),
        pytest.param(_budget("500", "0", years), id="reset-in-ten-years"),
        pytest.param(_budget("-500", "-5", "-1"), id="negative"),
        pytest.param(_budget("nan", "NaN", "nan"), id="nan"),
        pytest.param(_budget("inf", "0", "inf"), id="inf"),
        pytest.param(_budget("1e400", "9" * 400, "1e308"), id="huge-floats"),
    ]


def check_rate_limit_meta(outcome: Outcome) -> None:
    budget = (outcome.result.meta or {}).get("octolens/rateLimit")
    if budget is None:
        return
    assert isinstance(budget, dict), budget
    for key in ("limit", "remaining"):
        value = budget.get(key)
        assert value is None or (type(value) is int and value >= 0), f"{key}={value!r}"
    reset = budget.get("resetAt")
    assert reset is None or (
        isinstance(reset, int | float)
        and not isinstance(reset, bool)
        and math.isfinite(reset)
        and 0 <= reset <= time.time() + 3700
    ), f"resetAt={str(reset)[:60]!r}"


@pytest.mark.parametrize("headers", _rate_limit_cases())
async def test_absurd_rate_limit_headers_do_not_lock_the_api_away(headers: tuple[tuple[str, str], ...]) -> None:
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("GET", "/org", json_reply(200, ORG, headers))
        async with connect_to(upstream) as client:
            first = await invoke(client, "get_org")
            upstream.route("GET", "/org", json_reply(200, ORG))
            following = await invoke(client, "get_org")
        reached = upstream.hits("GET", "/org")
    not_internal(first)
    assert expect_ok(first)["organizationId"] == ORG["organizationId"]
    check_rate_limit_meta(first)
    assert expect_ok(following)["organizationId"] == ORG["organizationId"], "the next call must reach the API"
    check_rate_limit_meta(following)
    assert reached == 2


RETRY_AFTER_CASES = [
    pytest.param("1e308", True, id="1e308"),
    pytest.param("9" * 400, True, id="400-digits"),
    pytest.param("Fri, 31 Dec 9999 23:59:59 GMT", True, id="year-9999"),
    pytest.param("inf", False, id="inf"),  # not a number of seconds, like nan: it may state no wait
    pytest.param("nan", False, id="nan"),
    pytest.param("-1", False, id="negative"),
]


@pytest.mark.parametrize(("retry_after", "must_state_wait"), RETRY_AFTER_CASES)
async def test_429_with_absurd_retry_after(retry_after: str, must_state_wait: bool) -> None:
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("GET", "/org", json_reply(429, RATE_LIMITED_BODY, (("Retry-After", retry_after),)))
        async with connect_to(upstream) as client:
            first = await invoke(client, "get_org")
            upstream.route("GET", "/org", json_reply(200, ORG))
            following = await invoke(client, "get_org")
    not_internal(first)
    error = expect_error(first, "RATE_LIMITED")
    within_deadline(first)
    wait = error.get("retryAfterSeconds")
    if must_state_wait:
        assert wait is not None, f"an absurd Retry-After {retry_after[:40]!r} must become a finite wait"
    assert wait is None or (
        isinstance(wait, int | float) and not isinstance(wait, bool) and math.isfinite(wait) and 0 <= wait <= 3600
    ), f"retryAfterSeconds={str(wait)[:60]!r}"
    assert expect_ok(following)["organizationId"] == ORG["organizationId"], "the next call must reach the API"
    check_rate_limit_meta(following)


# --- The key echoed back --------------------------------------------------------------------------


def assert_key_absent(outcome: Outcome) -> None:
    dumped = outcome.result.model_dump_json(by_alias=True)
    assert CANARY_KEY not in dumped
    assert CANARY_KEY not in json.dumps(outcome.result.meta or {})
    for block in outcome.result.content:
        assert block.type != "text" or CANARY_KEY not in block.text


async def test_error_echoing_the_key_never_shows_it() -> None:
    envelope = {
        "error": {
            "code": "VALIDATION_ERROR",
            "message": f"Invalid request for key {CANARY_KEY}",
            "status": 400,
            "details": [
                {"path": "authorization", "message": f"Bearer {CANARY_KEY} is not allowed here"},
                {"path": "key", "message": "echo", "received": CANARY_KEY},
            ],
            "requestKey": CANARY_KEY,
        }
    }
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("GET", "/feeds", json_reply(400, envelope))
        async with connect_to(upstream) as client:
            outcome = await invoke(client, "list_feeds")
    assert_key_absent(outcome)
    error = expect_error(outcome, "VALIDATION_ERROR")
    assert error["status"] == 400


async def test_success_echoing_the_key_never_shows_it() -> None:
    org = {**ORG, "name": CANARY_KEY, "apiKey": CANARY_KEY, "request": {"authorization": f"Bearer {CANARY_KEY}"}}
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("GET", "/org", json_reply(200, org))
        async with connect_to(upstream) as client:
            outcome = await invoke(client, "get_org")
    assert_key_absent(outcome)
    not_internal(outcome)


async def test_a_key_holding_characters_json_escapes_is_still_redacted() -> None:
    # A quote or a backslash reads differently in a result's JSON text than in its string.
    key = 'ak_live"quoted\\slashed_0123456789'
    org = {**ORG, "name": f"hello {key}", "nested": [{"echo": key}], key: "as a field name"}
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("GET", "/org", json_reply(200, org))
        async with connect_to(upstream, api_key=key) as client:
            outcome = await invoke(client, "get_org")
    shown = outcome.result.model_dump_json(by_alias=True)
    assert key not in shown and json.dumps(key)[1:-1] not in shown
    assert expect_ok(outcome)["name"] == "hello ak_***"


# --- Caps -----------------------------------------------------------------------------------------


async def test_megabyte_error_message_and_many_details_are_capped() -> None:
    message = "The request was refused because " + "x" * MiB
    envelope = {
        "error": {
            "code": "VALIDATION_ERROR",
            "message": message,
            "status": 400,
            "details": [{"path": f"field{i}", "message": "Invalid value"} for i in range(10_000)],
        }
    }
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("GET", "/feeds", json_reply(400, envelope))
        async with connect_to(upstream) as client:
            outcome = await invoke(client, "list_feeds")
    error = expect_error(outcome, "VALIDATION_ERROR")
    shown = error["message"]
    assert isinstance(shown, str)
    assert len(shown) <= 1000 + 20, f"the message reached the model at {len(shown)} characters"
    assert shown.startswith(message[:100]), "the cap keeps the start of the message"
    assert "…" in shown[-20:] or "..." in shown[-20:], f"no ellipsis marker: {shown[-40:]!r}"
    details = error.get("details")
    assert isinstance(details, list) and 0 < len(details) <= 20, f"{len(details or [])} details reached the model"


# --- Absurd headers -------------------------------------------------------------------------------

READ_HEADER_CODES = ("UPSTREAM_ERROR", "CONNECTION_LOST", "INVALID_RESPONSE")


def _absurd_header_routes() -> list[Any]:
    return [
        pytest.param(many_headers(10_000, body=ORG), id="10000-headers"),
        pytest.param(huge_header(MiB, body=ORG), id="1mb-header-value"),
    ]


@pytest.mark.parametrize("route", _absurd_header_routes())
async def test_absurd_headers_on_a_read(route: Handler) -> None:
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("GET", "/org", route)
        async with connect_to(upstream) as client:
            outcome = await invoke(client, "get_org")
    not_internal(outcome)
    expect_error(outcome, *READ_HEADER_CODES)
    within_deadline(outcome)


@pytest.mark.parametrize("route", _absurd_header_routes())
async def test_absurd_headers_on_a_write(route: Handler) -> None:
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("POST", "/feeds", route)
        async with connect_to(upstream) as client:
            outcome = await call_tool(client, WRITE_TOOL)
        assert upstream.hits("POST", "/feeds") == 1, "a write whose answer was lost is never resent"
    not_internal(outcome)
    expect_lost_write(outcome)
    within_deadline(outcome)


# --- Text as sent ---------------------------------------------------------------------------------

SURROGATE_CASES = [
    # (the escaped text in the JSON answer, what the agent reads)
    ("launch \\ud83d\\ude80 day", "launch \U0001f680 day"),  # an emoji: a pair, one character
    ("lone \\ud800 high", "lone \ufffd high"),
    ("lone \\udc00 low", "lone \ufffd low"),
    ("high then high \\ud800\\ud83d\\ude80", "high then high \ufffd\U0001f680"),
    ("low then low \\ud83d\\ude80\\ude80", "low then low \U0001f680\ufffd"),
    # An escaped backslash before "ud800" makes it text, and the low escape after it is alone.
    ("text \\\\ud800\\udc00", "text \\ud800\ufffd"),
]


@pytest.mark.parametrize(
    ("escaped", "read"), SURROGATE_CASES, ids=[case[1].encode("unicode_escape").decode() for case in SURROGATE_CASES]
)
async def test_lone_surrogates_become_replacement_characters_and_pairs_stay_whole(escaped: str, read: str) -> None:
    body = b'{"organizationId": "org_1", "name": "' + escaped.encode() + b'", "plan": "Pro_v3"}'
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("GET", "/org", json_reply(200, body))
        async with connect_to(upstream) as client:
            outcome = await invoke(client, "get_org")
    assert expect_ok(outcome)["name"] == read


RAW_TEXT_CASES = [
    # (the answer's bytes, what the agent reads as the name)
    ('{"organizationId": "org_1", "name": "lone \xed\xa0\x80 high"}'.encode("latin-1"), "lone \ufffd\ufffd\ufffd high"),
    ('{"organizationId": "org_1", "name": "cut \xf0\x9f"}'.encode("latin-1"), "cut \ufffd"),
    ('{"organizationId": "org_1", "name": "wide \ud800 text"}'.encode("utf-16", "surrogatepass"), "wide \ufffd text"),
    ('{"organizationId": "org_1", "name": "marked \U0001f680"}'.encode("utf-8-sig"), "marked \U0001f680"),
]


@pytest.mark.parametrize(("body", "read"), RAW_TEXT_CASES, ids=["utf8-surrogate", "utf8-cut", "utf16-surrogate", "bom"])
async def test_undecodable_bytes_become_replacement_characters(body: bytes, read: str) -> None:
    with anyio.fail_after(TEST_CAP), HostileUpstream() as upstream:
        upstream.route("GET", "/org", json_reply(200, body))
        async with connect_to(upstream) as client:
            outcome = await invoke(client, "get_org")
    name = expect_ok(outcome)["name"]
    assert name == read
    name.encode("utf-8")  # what a stdio or HTTP transport must be able to write
