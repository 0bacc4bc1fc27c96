"""The declaration of one Octolens operation, from which its MCP tool is derived.

Everything about an operation lives in one ``Operation``: HTTP method and path, required scope,
toolset, tool name, title, description, behaviour facts (annotations), input and output models,
and how a call runs. ``catalog`` lists them all; ``binding`` turns each into a tool.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import quote

from pydantic import BaseModel

from octolens_mcp.catalog.models.common import InputModel
from octolens_mcp.catalog.toolsets import Toolset
from octolens_mcp.http.errors import refused
from octolens_mcp.http.wire import ApiResponse, HttpMethod, WireRequest

Scope = Literal["read", "write", "admin"]
_PATH_PARAM = re.compile(r"{(\w+)}")


class Api(Protocol):
    """What a running operation may do: call operations (through the one client) and report progress."""

    async def call(self, op: Operation, data: dict[str, Any] | None = None, *, fresh: bool = False) -> ApiResponse:
        """Call ``op`` with ``data`` (path fields fill its path, the rest is its query or body).

        Method, path and whether it writes come from the declaration. ``fresh`` bypasses the
        reference-data cache: for reads that decide whether or what to write.
        """
        ...

    async def progress(self, message: str) -> None:
        """Tell the caller what a long call is waiting for (a no-op unless it asked for progress)."""
        ...

    @property
    def search_wait(self) -> float:
        """How long run_search polls a running search before handing its id back."""
        ...


Runner = Callable[[Api, "Operation", Any], Awaitable[Any]]
"""Runs a call whose operation needs more than one request: given the API, its own operation and the arguments."""
Prepare = Callable[[Api, Any], Awaitable[dict[str, Any]]]
"""The request data for the arguments where it is more than ``arguments.wire()`` (names resolved to ids…)."""


def path_segment(value: object, name: str) -> str:
    """``value`` as exactly one percent-encoded path segment; ``.``/``..`` would leave the route, so they never do."""
    text = str(value)
    if text in {"", ".", ".."} or isinstance(value, bool):
        raise refused(name, "must be a single non-empty path segment other than . and ..")
    return quote(text, safe="")


@dataclass(frozen=True, kw_only=True)
class Operation:
    """One Octolens REST operation and the MCP tool that exposes it."""

    name: str
    method: HttpMethod
    path: str
    scope: Scope
    toolset: Toolset
    title: str
    description: str
    input: type[InputModel]
    output: type[BaseModel]
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool = False
    """True where the call reaches outside the workspace: public platforms, real deliveries, post content."""
    untrusted: bool = False
    """True where the result carries text written by third parties (mention content)."""
    timeout: float = 30.0
    runner: Runner | None = None
    shape: Callable[[Any], Any] | None = None
    """Normalises the raw JSON body into the output model's shape, where the API has several."""
    verify: str | None = None
    """For a write whose answer was lost: how to check whether it landed."""
    polls: bool = False
    """The call polls a long job; its deadline grows by the configured search wait."""
    resume_with: str | None = None
    """For a result cut by the budget without a cursor: the tool that returns the rest (it takes ``offset``)."""
    reports_quota: bool = False
    """Results carry the search quota headers (mentions and searches left) as ``quota``."""
    prepare: Prepare | None = None
    """Builds the request data from the arguments, where ``arguments.wire()`` is not it."""
    page_max: int | None = None
    """A cursor list: the API's largest page. The tool's ``limit`` may ask for up to ``WALK_PAGES`` of them,
    fetched page after page (each request asks for at most this many)."""

    @property
    def operation_id(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def writes(self) -> bool:
        """Not read-only: such a call is never resent once it may have reached the API."""
        return not self.read_only

    def request_with(self, data: dict[str, Any]) -> WireRequest:
        """The request for ``data``: path fields fill the path, each one encoded segment; the rest is query or body."""
        data = dict(data)
        path = self.path
        for name in _PATH_PARAM.findall(self.path):
            path = path.replace("{" + name + "}", path_segment(data.pop(name), name))
        if self.method == "GET":
            return WireRequest(self.method, path, query=data or None)
        return WireRequest(self.method, path, body=data or None)

    async def execute(self, api: Api, arguments: InputModel) -> Any:
        if self.runner is not None:
            return await self.runner(api, self, arguments)
        return await self.fetch(api, await self.request_data(api, arguments))

    async def request_data(self, api: Api, arguments: InputModel) -> dict[str, Any]:
        """What the arguments send: path fields, then query or body."""
        return await self.prepare(api, arguments) if self.prepare is not None else arguments.wire()

    async def fetch(self, api: Api, data: dict[str, Any]) -> Any:
        """One request with ``data``; its answer in the output model's shape."""
        response = await api.call(self, data)
        return self.shape(response.body) if self.shape is not None else response.body
