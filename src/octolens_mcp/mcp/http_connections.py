"""Connections the team server keeps: a deadline for request headers, and a cap that drops the idle first.

uvicorn (h11) times out a keep-alive connection between requests, but not one that never completes its
headers: a slowloris client sending a byte at a time, or a connection that sends nothing, would be held
forever. ``GuardedH11Protocol`` closes any connection whose request headers are not complete within
``header_timeout`` seconds of it opening, or of it starting its next request.

At most ``max_connections`` connections are held (kept below the process's open-file limit, which is
raised to its hard limit at start): one more closes the connection idle longest (no request in flight),
or, when every one is busy, is closed itself. So junk connections can neither exhaust the file limit
nor keep a load balancer's ``/healthz`` out. On SIGTERM an open event stream is closed at once instead
of holding shutdown for the whole grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from octolens_mcp.http.metrics import METRICS
from octolens_mcp.mcp.request_note import note_of

logger = logging.getLogger(__name__)

STREAM_PATH = "/mcp"
MAX_BACKLOG = 2048
"""uvicorn's default listen backlog, the largest used."""
IN_FLIGHT_BATCHES = 3
"""Accept batches a flood can hold open beyond the cap: accepted and not yet handed to the protocol (two turns
of the loop), or closed by the cap and not yet released (one turn)."""
FILE_RESERVE = 64
"""Open files kept free of connections: Redis, the upstream pool, exports, the log."""


class GuardedH11Protocol(H11Protocol):
    header_timeout: float = 10.0
    max_connections: int = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._idle_since = 0.0

    def _awaiting_headers(self) -> bool:
        """No request in flight: before the first, or between two."""
        return self.cycle is None or self.cycle.response_complete

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._idle_since = self.loop.time()
        self._arm()
        if len(self.connections) > self.max_connections:
            self._make_room()

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers() and self._header_deadline is None:
            self._arm()  # the next request has begun: its headers get their own deadline
        super().data_received(data)
        if not self._awaiting_headers():
            self._disarm()

    def on_response_complete(self) -> None:
        self._idle_since = self.loop.time()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        """On SIGTERM: an open event stream (``GET /mcp``, ``subscriptions/listen``) carries no call, so it is
        closed at once; a request in flight is let finish (uvicorn's grace), and an idle connection is closed."""
        if self._awaiting_headers():  # idle, or never made a request (no scope yet)
            super().shutdown()
            return
        note = note_of(self.scope)
        get_stream = self.scope.get("method") == "GET" and str(self.scope.get("path", "")).rstrip("/") == STREAM_PATH
        if note is not None and (note.listening or get_stream):
            if self.conn.our_state is h11.SEND_BODY:
                # The stream ends as a stream does (its last chunk), so the client reads an end, not an error.
                with contextlib.suppress(h11.LocalProtocolError):
                    self.transport.write(self.conn.send(h11.EndOfMessage()) or b"")
            self.transport.close()
            return
        super().shutdown()

    def _arm(self) -> None:
        self._disarm()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self._awaiting_headers() and not self.transport.is_closing():
            METRICS.add("octolens_http_refused_total", reason="header_timeout")
            self.transport.close()

    def _make_room(self) -> None:
        idle = [
            other
            for other in self.connections
            if other is not self and isinstance(other, GuardedH11Protocol) and other._awaiting_headers()
        ]
        if idle:
            oldest = min(idle, key=lambda other: other._idle_since)
            METRICS.add("octolens_http_refused_total", reason="connection_cap_idle_closed")
            oldest.transport.close()
        else:
            METRICS.add("octolens_http_refused_total", reason="connection_cap")
            self.transport.close()


def protocol(header_timeout: float, max_connections: int) -> tuple[type[GuardedH11Protocol], int]:
    """The protocol class uvicorn serves with, and its listen backlog, for these limits.

    The event loop accepts up to ``backlog`` connections at a time before any of them is handed to the
    protocol (which then closes the idle longest beyond the cap), and a connection the cap closes keeps its
    file until a later turn of the loop: under a flood, ``IN_FLIGHT_BATCHES`` batches are open beyond the
    cap (measured: 144 files held under a limit of 160 when one batch was reserved). The cap plus these
    stays below the open-file limit, so accepting never fails for want of a file and the loop never pauses
    accepting (which would leave ``/healthz`` unanswered for a second).
    """
    room = open_file_room()
    batch = min(MAX_BACKLOG, max(8, room // (4 * IN_FLIGHT_BATCHES)))
    cap = max(1, min(max_connections, room - IN_FLIGHT_BATCHES * batch))
    served = type(
        "ServedH11Protocol", (GuardedH11Protocol,), {"header_timeout": header_timeout, "max_connections": cap}
    )
    return served, batch


def open_file_room() -> int:
    """Connections the open-file limit leaves room for, once its soft limit is raised to the hard one."""
    if sys.platform == "win32":
        return 1 << 20
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            logger.debug("could not raise the open-file limit to %d", hard)
    if soft == resource.RLIM_INFINITY:
        return 1 << 20
    return max(16, soft - FILE_RESERVE)
