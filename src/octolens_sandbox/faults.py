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
    # Transforms of a handled 2xx answer (every matching one applies, in list order; see ``transform``):
    "mutate_strings",  # every string value (and, with ``keys``, every key) gets ``text`` (``mode``)
    "add_field",  # an unknown field ``name``: ``value`` in every object (``everywhere``) or at top level
    "grow_lists",  # every outermost list gets ``count`` more items: copies of ``item``, or of its first
    "raw_body",  # the answer's body is replaced by the literal ``body`` (sent as application/json)
]
REFUSAL_KINDS = {"refuse", "connect_timeout", "pool_timeout"}
AFTER_KINDS = {"drop_after", "truncate", "invalid_json", "slow_after"}
TRANSFORM_KINDS = {"mutate_strings", "add_field", "grow_lists", "raw_body"}
FIRST_ITEM = object()
"""``Fault.item`` default: ``grow_lists`` copies each list's own first item."""


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
    text: str = ""
    """``mutate_strings``: what each string gets."""
    mode: Literal["append", "replace"] = "append"
    """``mutate_strings``: ``text`` is appended to each string, or replaces it."""
    keys: bool = False
    """``mutate_strings``: object keys get ``text`` too (appended, whatever ``mode``)."""
    per_kind: bool = False
    """``mutate_strings``: only the first string of each kind (its key path, list positions ignored) changes."""
    limit: int | None = None
    """``mutate_strings``: at most this many strings change, the first ones in document order."""
    name: str = "x_unknown"
    """``add_field``: the unknown field's name."""
    value: Any = None
    """``add_field``: the unknown field's value (any JSON; a float NaN or Infinity is sent bare)."""
    everywhere: bool = False
    """``add_field``: every object at any depth gets the field, not only the top-level one."""
    count: int = 0
    """``grow_lists``: how many items each list gains."""
    item: Any = FIRST_ITEM
    """``grow_lists``: the item added; by default a copy of the list's first item (empty lists stay empty)."""


class FaultySandbox(Sandbox):
    """The sandbox, misbehaving as its ``faults`` script says."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.faults: list[Fault] = []
        self.refused = 0
        """Connections failed by a ``refuse`` or timeout fault before they reached the app."""

    def take_fault(self, method: str, path: str, kinds: set[str]) -> Fault | None:
        """The first fault of ``kinds`` due for this request, spending one of its ``times``."""
        due = self._due(method, path, kinds, first=True)
        return due[0] if due else None

    def transforms(self, method: str, path: str) -> list[Fault]:
        """Every transform fault due for this request, in list order, each spending one of its ``times``."""
        return self._due(method, path, TRANSFORM_KINDS, first=False)

    def _due(self, method: str, path: str, kinds: set[str], *, first: bool) -> list[Fault]:
        template = self._template(method, path)
        due: list[Fault] = []
        for fault in self.faults:
            if fault.kind in kinds and fault.times > 0 and fault.route in (None, f"{method} {template}"):
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.times -= 1
                due.append(fault)
                if first:
                    break
        return due

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
        if 200 <= response.status < 300:
            for fault in self.transforms(method, path):
                response = transform(fault, response)
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


# --- transforms of a 2xx answer --------------------------------------------------------------------


def transform(fault: Fault, response: Response) -> Response:
    """``response`` as ``fault`` rewrites it; generic: it knows JSON, not routes or tools.

    A text (non-JSON) answer such as a CSV export is one string to ``mutate_strings``; other transforms
    leave it as it is.
    """
    headers = dict(response.headers)
    if fault.kind == "raw_body":
        headers.pop("Content-Type", None)
        return Response(
            status=response.status, text=fault.body, headers={**headers, "Content-Type": "application/json"}
        )
    if response.text is not None:
        if fault.kind != "mutate_strings":
            return response
        text = _mutated(fault, response.text, [fault.limit])
        return Response(status=response.status, text=text, headers=headers)
    if fault.kind == "mutate_strings":
        body = _mutate(fault, response.body, (), set(), [fault.limit])
    elif fault.kind == "add_field":
        body = _add_field(fault, response.body, top=True)
    else:
        body = _grow(fault, response.body)
    return Response(status=response.status, body=body, headers=headers)


def _mutated(fault: Fault, text: str, left: list[int | None]) -> str:
    if left[0] is not None:
        if left[0] <= 0:
            return text
        left[0] -= 1
    return fault.text if fault.mode == "replace" else text + fault.text


def _mutate(fault: Fault, value: Any, kind: tuple[str, ...], seen: set[tuple[str, ...]], left: list[int | None]) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            new_key = key + fault.text if fault.keys else key
            out[new_key] = _mutate(fault, item, (*kind, key), seen, left)
        return out
    if isinstance(value, list):
        return [_mutate(fault, item, (*kind, "*"), seen, left) for item in value]
    if isinstance(value, str):
        if fault.per_kind:
            if kind in seen:
                return value
            seen.add(kind)
        return _mutated(fault, value, left)
    return value


def _add_field(fault: Fault, value: Any, *, top: bool) -> Any:
    if isinstance(value, dict):
        out = {key: _add_field(fault, item, top=False) if fault.everywhere else item for key, item in value.items()}
        if top or fault.everywhere:
            out[fault.name] = fault.value
        return out
    if isinstance(value, list) and fault.everywhere:
        return [_add_field(fault, item, top=False) for item in value]
    return value


def _grow(fault: Fault, value: Any) -> Any:
    """Every outermost list grown by ``count`` items (the lists inside the items added are left as they are)."""
    if isinstance(value, dict):
        return {key: _grow(fault, item) for key, item in value.items()}
    if isinstance(value, list):
        if fault.item is FIRST_ITEM:
            return value + value[:1] * fault.count if value else value
        return value + [fault.item] * fault.count
    return value
