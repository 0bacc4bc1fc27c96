"""Runs one tool call: validate arguments, execute the operation through the client, shape the result.

Nothing here is imported until the first ``tools/call``: it pulls in every model.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult
from pydantic import ValidationError

from octolens_mcp import arguments, results
from octolens_mcp.catalog import BY_NAME
from octolens_mcp.client import OctolensClient
from octolens_mcp.errors import OctolensError
from octolens_mcp.operation import Operation
from octolens_mcp.wire import ApiResponse, RateLimit, WireRequest

logger = logging.getLogger(__name__)

BASE_TIMEOUT = 30.0


class CallApi:
    """The ``Api`` an operation sees during one call: the shared client, this call's deadline and progress."""

    def __init__(self, client: OctolensClient, op: Operation, ctx: Context | None, *, scale: float, search_wait: float):
        self._client = client
        self._op = op
        self._ctx = ctx
        budget = op.timeout * scale + (search_wait if op.name == "run_search" else 0.0)
        self._deadline = time.monotonic() + budget
        self._search_wait = search_wait
        self._progress = 0
        self.rate_limit: RateLimit | None = None
        self.cached = False

    @property
    def search_wait(self) -> float:
        return self._search_wait

    async def send(self, request: WireRequest, *, write: bool | None = None) -> ApiResponse:
        writes = self._op.writes if write is None else write
        try:
            response = await self._client.send(request, write=writes, deadline=self._deadline, on_wait=self._waiting)
        finally:
            self.rate_limit = self._client.rate_limit
        self.cached = self.cached or response.cached
        return response

    async def _waiting(self, seconds: float, reason: str) -> None:
        await self.progress(f"{reason}: retrying in {seconds:.1f}s")

    async def progress(self, message: str) -> None:
        """Sent only when the caller asked for progress (the SDK drops it otherwise)."""
        if self._ctx is None:
            return
        self._progress += 1
        try:
            await self._ctx.report_progress(self._progress, None, message)
        except ValueError:  # called outside an MCP request (MCPServer.call_tool used directly)
            return


async def call_tool(
    client: OctolensClient,
    name: str,
    raw_arguments: dict[str, Any],
    input_schema: dict[str, Any],
    ctx: Context | None,
    *,
    demo: bool,
    timeout: float,
    search_wait: float,
) -> CallToolResult:
    op = BY_NAME[name]
    meta: dict[str, Any] = {"octolens/operation": op.operation_id}
    if demo:
        meta["octolens/demo"] = True
    api = CallApi(client, op, ctx, scale=timeout / BASE_TIMEOUT, search_wait=search_wait)
    try:
        args = arguments.parse(op.input, raw_arguments, input_schema)
        raw = await op.execute(api, args)
        structured = _validate_output(op, raw)
    except OctolensError as error:
        if error.code == "RESPONSE_LOST" and op.verify:
            error.extra.setdefault("verify", op.verify)
        _note_budget(meta, api)
        logger.info("%s failed: %s", name, error.code)
        return results.failure(op, error, meta, demo=demo)
    except Exception:
        _note_budget(meta, api)
        logger.exception("%s failed unexpectedly", name)
        internal = OctolensError("INTERNAL_ERROR", "octolens-mcp failed unexpectedly; the details are in its log.")
        return results.failure(op, internal, meta, demo=demo)
    _note_budget(meta, api)
    return results.success(op, structured, meta, demo=demo)


def _note_budget(meta: dict[str, Any], api: CallApi) -> None:
    if api.rate_limit is not None:
        meta["octolens/rateLimit"] = api.rate_limit.as_meta()
    if api.cached:
        meta["octolens/cached"] = True


def _validate_output(op: Operation, raw: Any) -> dict[str, Any]:
    try:
        model = op.output.model_validate(raw)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "(body)" for e in exc.errors()})
        raise OctolensError(
            "INVALID_RESPONSE",
            f"Octolens answered 2xx with an unexpected shape (at {', '.join(fields[:5])}).",
            extra={"landed": op.writes},
        ) from None
    structured: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return structured
