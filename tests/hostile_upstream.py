"""A real HTTP/1.1 server on 127.0.0.1 that answers like a hostile or broken Octolens API.

It speaks raw HTTP over asyncio streams, so a test controls every byte: status line, headers
(thousands of them, or one of a megabyte), Content-Length or chunked framing, gzip, and bodies
trickled a byte at a time. It runs in a background thread with its own event loop, so the MCP
server under test (on the test's loop) reads from it over a real socket, and a body the test
streams is never held whole in memory: it is produced piece by piece as it is sent.

Everything is bounded: the server listens on loopback only, on an ephemeral port; it accepts at
most ``MAX_CONNECTIONS`` connections, answers one request per connection (``Connection: close``),
gives each connection at most ``CONNECTION_LIFETIME`` seconds and lives at most ``SERVER_LIFETIME``.
Leaving the ``with`` block stops it, cancels whatever it is still sending, and joins its thread.

    with HostileUpstream() as upstream:
        upstream.route("GET", "/feeds", streamed(feed_list(40 * MiB)))
        settings = Settings(base_url=upstream.base_url, ...)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus
from typing import Any

API_PREFIX = "/api/v2"
MiB = 1 << 20

MAX_CONNECTIONS = 400
"""Connections accepted over the server's life; later ones are closed unanswered."""
CONNECTION_LIFETIME = 20.0
"""Seconds one connection may last, trickles included."""
SERVER_LIFETIME = 120.0
"""Seconds the server runs if nobody stops it."""
MAX_HEAD_BYTES = 64 * 1024
"""Largest request line plus headers read."""
MAX_REQUEST_BODY = 1 * MiB
"""Largest request body read."""
STARTUP_TIMEOUT = 5.0
SHUTDOWN_TIMEOUT = 10.0

Headers = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    """The path without its query, as sent (``/api/v2/feeds``)."""
    query: str
    headers: dict[str, str]
    """Lower-cased names; a repeated name keeps its last value."""
    body: bytes


@dataclass(frozen=True)
class Body:
    """A response body produced piece by piece, so the server never holds it whole."""

    length: int
    pieces: Callable[[], Iterator[bytes]]

    @classmethod
    def of(cls, pieces: Callable[[], Iterator[bytes]]) -> Body:
        return cls(sum(len(piece) for piece in pieces()), pieces)

    @classmethod
    def fixed(cls, data: bytes) -> Body:
        return cls(len(data), lambda: iter((data,)))


class Reply:
    """How a route answers one request: raw writes onto the connection, each one drained."""

    def __init__(self, upstream: HostileUpstream, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._upstream = upstream
        self._reader = reader
        self._writer = writer

    @property
    def peer_gone(self) -> bool:
        """True once the client closed its side: a trickle stops there."""
        return self._reader.at_eof() or self._writer.is_closing()

    def mark(self, event: str) -> None:
        """Record ``event`` with the current ``time.monotonic()``, for the test to read."""
        self._upstream.marks[event] = time.monotonic()

    async def raw(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()

    async def head(
        self,
        status: int,
        headers: Headers = (),
        *,
        length: int | None = None,
        chunked: bool = False,
        content_type: str | None = "application/json",
    ) -> None:
        lines = [f"HTTP/1.1 {status} {_reason(status)}"]
        if content_type is not None:
            lines.append(f"Content-Type: {content_type}")
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        elif length is not None:
            lines.append(f"Content-Length: {length}")
        lines.append("Connection: close")
        lines.extend(f"{name}: {value}" for name, value in headers)
        await self.raw(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    async def chunk(self, data: bytes) -> None:
        """One chunk of a chunked body (an empty ``data`` is skipped: it would end the body)."""
        if data:
            await self.raw(b"%x\r\n%s\r\n" % (len(data), data))

    async def end_chunks(self) -> None:
        await self.raw(b"0\r\n\r\n")


Handler = Callable[[Request, Reply], Awaitable[None]]


class HostileUpstream:
    """The server; ``route`` (callable from any thread) says how each ``(method, path)`` answers."""

    def __init__(self) -> None:
        self.port = 0
        self.marks: dict[str, float] = {}
        """Events the routes recorded, with their ``time.monotonic()`` (shared by all threads)."""
        self._hits: Counter[tuple[str, str]] = Counter()
        self._routes: dict[tuple[str, str], Handler] = {}
        self._accepted = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="hostile-upstream", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    def route(self, method: str, path: str, handler: Handler) -> None:
        """Answer ``method`` ``path`` (relative to /api/v2) with ``handler`` from now on."""
        self._routes[(method.upper(), API_PREFIX + path)] = handler

    def hits(self, method: str, path: str) -> int:
        """How many requests for ``method`` ``path`` (relative to /api/v2) arrived."""
        return self._hits[(method.upper(), API_PREFIX + path)]

    def __enter__(self) -> HostileUpstream:
        self._thread.start()
        if not self._ready.wait(STARTUP_TIMEOUT) or self._failure is not None or not self.port:
            self._stop()
            raise RuntimeError("the hostile upstream did not start") from self._failure
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop()

    def _stop(self) -> None:
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stopping.set)
        if self._thread.is_alive():
            self._thread.join(SHUTDOWN_TIMEOUT)
        if self._thread.is_alive():
            raise RuntimeError("the hostile upstream did not stop")

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to the test thread by __enter__
            self._failure = exc
        finally:
            self._ready.set()
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0, limit=MAX_HEAD_BYTES)
        try:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), SERVER_LIFETIME)
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._accepted += 1
        try:
            if self._accepted <= MAX_CONNECTIONS:
                async with asyncio.timeout(CONNECTION_LIFETIME):
                    await self._answer(reader, writer)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass  # the client went away, sent nonsense, or the connection outlived its bound
        finally:
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()
            if task is not None:
                self._tasks.discard(task)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *header_lines = head.split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        if length < 0 or length > MAX_REQUEST_BODY:
            return
        body = await reader.readexactly(length)
        path, _, query = target.partition("?")
        request = Request(method.upper(), path, query, headers, body)
        self._hits[(request.method, request.path)] += 1
        handler = self._routes.get((request.method, request.path), _not_found)
        await handler(request, Reply(self, reader, writer))


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


async def _not_found(request: Request, reply: Reply) -> None:
    await json_reply(404, {"error": {"code": "NOT_FOUND", "message": "No such route", "status": 404}})(request, reply)


# --- Routes ---------------------------------------------------------------------------------------


def json_reply(
    status: int, body: Any, headers: Headers = (), *, content_type: str | None = "application/json"
) -> Handler:
    """A whole answer at once; ``body`` is JSON-encoded unless it is already bytes."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()

    async def handler(request: Request, reply: Reply) -> None:
        await reply.head(status, headers, length=len(data), content_type=content_type)
        await reply.raw(data)

    return handler


def streamed(body: Body, *, status: int = 200, chunked: bool = False, headers: Headers = (), mark: str = "") -> Handler:
    """``body`` sent piece by piece (Content-Length or chunked); marks ``{mark}:body-start`` and ``:body-end``."""

    async def handler(request: Request, reply: Reply) -> None:
        await reply.head(status, headers, length=None if chunked else body.length, chunked=chunked)
        if mark:
            reply.mark(f"{mark}:body-start")
        for piece in body.pieces():
            await (reply.chunk(piece) if chunked else reply.raw(piece))
        if chunked:
            await reply.end_chunks()
        if mark:
            reply.mark(f"{mark}:body-end")

    return handler


def trickle(
    *, chunked: bool, status: int = 200, start: bytes = b'{"data":[', interval: float = 0.2, declared: int = MiB
) -> Handler:
    """Headers at once, then a body that never ends: one byte every ``interval`` (until the peer leaves).

    With Content-Length the answer declares ``declared`` bytes it will never finish sending.
    """

    async def handler(request: Request, reply: Reply) -> None:
        await reply.head(status, length=None if chunked else declared, chunked=chunked)
        await (reply.chunk(start) if chunked else reply.raw(start))
        while not reply.peer_gone:  # ended by the peer, or by CONNECTION_LIFETIME
            await asyncio.sleep(interval)
            await (reply.chunk(b" ") if chunked else reply.raw(b" "))

    return handler


def gzipped(data: bytes, *, status: int = 200, headers: Headers = ()) -> Handler:
    """``data`` (already gzip-compressed) sent with ``Content-Encoding: gzip``."""
    return json_reply(status, data, (("Content-Encoding", "gzip"), *headers))


def many_headers(count: int, *, status: int = 200, body: Any = None) -> Handler:
    """An answer with ``count`` extra headers."""
    junk = [(f"X-Junk-{i}", f"value-{i}") for i in range(count)]
    return json_reply(status, {} if body is None else body, junk)


def huge_header(size: int, *, status: int = 200, body: Any = None) -> Handler:
    """An answer with one header whose value is ``size`` bytes long."""
    return json_reply(status, {} if body is None else body, (("X-Junk", "a" * size),))


# --- Bodies ---------------------------------------------------------------------------------------


def repeated(prefix: bytes, items: Callable[[], Iterator[bytes]], suffix: bytes, *, per_piece: int = 32) -> Body:
    """``prefix`` + the items joined by commas + ``suffix``, sent ``per_piece`` items at a time."""

    def pieces() -> Iterator[bytes]:
        yield prefix
        batch: list[bytes] = []
        first = True
        for item in items():
            batch.append(item if first else b"," + item)
            first = False
            if len(batch) == per_piece:
                yield b"".join(batch)
                batch = []
        if batch:
            yield b"".join(batch)
        yield suffix

    return Body.of(pieces)


FEED_BYTES = 2048
"""Size of one feed row in ``feed_list``: ~20,000 rows make 40 MB, each to be parsed and validated."""


def _feed(feed_id: int) -> bytes:
    head = b'{"id":%d,"icon":"BellIcon","isDefault":false,"name":"' % feed_id
    return head + b"f" * (FEED_BYTES - len(head) - 2) + b'"}'


def feed_list(total: int, *, malformed_last: bool = False) -> Body:
    """A valid ``GET /feeds`` answer of about ``total`` bytes (``{"data":[feed, …]}``).

    ``malformed_last`` ends the list with a row whose id is not a number: the whole body must still be
    read, parsed and validated before the answer is known to be of the wrong shape.
    """
    count = max(1, total // (FEED_BYTES + 1))

    def items() -> Iterator[bytes]:
        for i in range(count):
            yield _feed(10_000_000 + i)
        if malformed_last:
            yield b'{"id":"not-a-number"}'

    return repeated(b'{"data":[', items, b"]}")


def big_feed(total: int) -> Body:
    """A ``POST /feeds`` answer (one feed) of about ``total`` bytes, padded with an extra field."""
    note = b'"' + b"n" * (FEED_BYTES - 2) + b'"'
    count = max(1, total // (len(note) + 1))

    def items() -> Iterator[bytes]:
        for _ in range(count):
            yield note

    return repeated(b'{"id":1,"name":"Launch watch","notes":[', items, b"]}")


@cache
def gzip_bomb(prefix: bytes, suffix: bytes, inflated: int) -> bytes:
    """A gzip stream (~1000x smaller) inflating to ``prefix`` + ``inflated`` spaces + ``suffix``: valid JSON.

    Built without compressing ``inflated`` bytes: one MiB of spaces is deflated once, ending in a full
    flush (byte-aligned, no reference back before it), and that segment is repeated.
    """
    step = MiB
    assert inflated % step == 0
    spaces = b" " * step

    def deflate(data: bytes, final: bool) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)

    crc = zlib.crc32(prefix)
    for _ in range(inflated // step):
        crc = zlib.crc32(spaces, crc)
    crc = zlib.crc32(suffix, crc)
    size = len(prefix) + inflated + len(suffix)
    stream = deflate(prefix, False) + deflate(spaces, False) * (inflated // step) + deflate(suffix, True)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + stream + crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")


def nested(depth: int, *, kind: str) -> bytes:
    """JSON nested ``depth`` deep: ``[[[…]]]`` (kind "array") or ``{"a":{"a":…}}`` (kind "object")."""
    if kind == "array":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth
