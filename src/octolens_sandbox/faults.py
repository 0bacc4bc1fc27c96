"""Scripted misbehaviour for tests: a sandbox that can be slow, fail, drop connections or garble bodies.

``FaultySandbox`` is the sandbox plus a list of ``Fault``s; ``--demo`` uses the plain ``Sandbox``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio

from octolens_sandbox.app import ConnectionDropped, Sandbox, error_response
from octolens_sandbox.http import ApiError, Response

FaultKind = Literal[
    "latency",  # wait ``seconds`` before handling
    "status",  # answer ``status`` with raw ``body`` and ``headers``; the request is not handled
    "rate_limit",  # answer 429 RATE_LIMITED with Retry-After ``retry_after``; not handled
    "refuse",  # the connection is refused: nothing reaches the app (raised by the transport)
    "connect_timeout",  # the connection does not open in time: nothing reaches the app
    "pool_timeout",  # no pooled connection frees up in time: nothing reaches the app
    "reset",  # the connection drops before the request is handled
    "drop_after",  # the request is handled, then the connection drops before the answer
    "truncate",  # handled; the 2xx body is cut in half
    "invalid_json",  # handled; the 2xx body is not JSON
    "slow_after",  # handled; then wait ``seconds`` before answering
]
REFUSAL_KINDS = {"refuse", "connect_timeout", "pool_timeout"}
AFTER_KINDS = {"drop_after", "truncate", "invalid_json", "slow_after"}


@dataclass
class Fault:
    """A scripted misbehaviour for requests matching ``route`` (``"POST /feeds"``; None = any)."""

    kind: FaultKind
    route: str | None = None
    times: int = 1
    status: int = 500
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    retry_after: int = 1
    skip: int = 0
    """How many matching requests pass untouched before the fault applies."""


class FaultySandbox(Sandbox):
    """The sandbox, misbehaving as its ``faults`` script says."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.faults: list[Fault] = []
        self.refused = 0
        """Connections failed by a ``refuse`` or timeout fault before they reached the app."""

    def take_fault(self, method: str, path: str, kinds: set[str]) -> Fault | None:
        template = self._template(method, path)
        for fault in self.faults:
            if fault.kind in kinds and fault.times > 0 and fault.route in (None, f"{method} {template}"):
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.times -= 1
                return fault
        return None

    def refusal(self, method: str, path: str) -> str | None:
        fault = self.take_fault(method, path, REFUSAL_KINDS)
        if fault is None:
            return None
        self.refused += 1
        return fault.kind

    async def _serve(
        self, method: str, path: str, query: list[tuple[str, str]], headers: dict[str, str], raw: bytes
    ) -> Response:
        if (fault := self.take_fault(method, path, {"latency"})) is not None:
            try:
                await anyio.sleep(fault.seconds)
            except anyio.get_cancelled_exc_class():
                self.cancelled += 1
                raise
        if (fault := self.take_fault(method, path, {"status", "rate_limit", "reset"})) is not None:
            if fault.kind == "reset":
                raise ConnectionDropped
            if fault.kind == "rate_limit":
                error = ApiError(
                    429, "RATE_LIMITED", "Rate limit exceeded", headers={"Retry-After": str(fault.retry_after)}
                )
                return error_response(error)
            return Response(
                status=fault.status, text=fault.body, headers={"Content-Type": "text/html", **fault.headers}
            )
        response = await super()._serve(method, path, query, headers, raw)
        if (fault := self.take_fault(method, path, AFTER_KINDS)) is not None and 200 <= response.status < 300:
            if fault.kind == "drop_after":
                raise ConnectionDropped
            if fault.kind == "slow_after":
                await anyio.sleep(fault.seconds)
            body = response.text if response.text is not None else json.dumps(response.body)
            text = body[: len(body) // 2] if fault.kind == "truncate" else "<<not json>>"
            return Response(
                status=response.status, text=text, headers={**response.headers, "Content-Type": "application/json"}
            )
        return response
