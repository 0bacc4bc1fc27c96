"""Runs one tool call: validate arguments, execute the operation through the client, shape the result.

A cursor list (``Operation.page_max``) is run page by page instead, within the budget (``walk``).

Nothing here is imported until the first ``tools/call``: it pulls in every model.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from mcp_types import CallToolResult

from octolens_mcp.catalog import arguments
from octolens_mcp.catalog.inventory import BY_NAME
from octolens_mcp.catalog.models.common import InputModel
from octolens_mcp.catalog.operation import Operation
from octolens_mcp.config import Settings
from octolens_mcp.http.client import OctolensClient
from octolens_mcp.http.errors import OctolensError
from octolens_mcp.http.wire import ApiResponse, QuotaHeaders, RateLimit
from octolens_mcp.mcp import exports, output, results, shaping, untrusted, walk
from octolens_mcp.mcp.visibility import Visibility
from octolens_mcp.redaction import redact_value

logger = logging.getLogger(__name__)

BASE_TIMEOUT = 30.0
# Validating a body this large (in bytes of JSON) happens in a worker thread, so other calls keep running.
LARGE_BODY = 256 * 1024

Progress = Callable[[float, float | None, str | None], Awaitable[None]]


class CallApi:
    """The ``Api`` an operation sees during one call: the shared client, this call's deadline and progress."""

    def __init__(self, client: OctolensClient, op: Operation, progress: Progress | None, settings: Settings):
        self._client = client
        self._op = op
        self._report = progress
        budget = op.timeout * settings.timeout / BASE_TIMEOUT + (settings.search_wait if op.polls else 0.0)
        self._deadline = time.monotonic() + budget
        self._search_wait = settings.search_wait
        self._progress = 0
        self.rate_limit: RateLimit | None = None
        self.quota: QuotaHeaders | None = None
        self.cached = False
        self.body_size = 0

    @property
    def search_wait(self) -> float:
        return self._search_wait

    def seconds_left(self) -> float:
        return self._deadline - time.monotonic()

    async def call(self, op: Operation, data: dict[str, Any] | None = None, *, fresh: bool = False) -> ApiResponse:
        request = op.request_with(data or {})
        try:
            response = await self._client.send(
                request, write=op.writes, deadline=self._deadline, on_wait=self._waiting, fresh=fresh
            )
        except OctolensError as error:
            self.rate_limit = error.rate_limit or self.rate_limit
            raise
        self.rate_limit = response.rate_limit or self.rate_limit
        self.quota = response.quota or self.quota
        self.cached = self.cached or response.cached
        self.body_size = max(self.body_size, response.size)
        return response

    async def _waiting(self, seconds: float, reason: str) -> None:
        await self.progress(f"{reason}: retrying in {seconds:.1f}s")

    async def progress(self, message: str) -> None:
        """Sent only when the caller asked for progress (the SDK drops it otherwise)."""
        if self._report is None:
            return
        self._progress += 1
        await self._report(self._progress, None, message)


async def call_tool(
    client: OctolensClient,
    name: str,
    raw_arguments: dict[str, Any] | None,
    input_schema: dict[str, Any],
    progress: Progress | None,
    *,
    settings: Settings,
    visibility: Visibility | None = None,
    owner: str | None = None,
) -> CallToolResult:
    """``owner``: over HTTP, the hash of the request's key, which keeps its exports apart as resources."""
    op = BY_NAME[name]
    seen = visibility or Visibility.everything()
    meta: dict[str, Any] = {"octolens/operation": op.operation_id}
    if settings.demo:
        meta["octolens/demo"] = True
    api = CallApi(client, op, progress, settings)
    try:
        given = arguments.parse(op.input, raw_arguments, input_schema)
        if op.page_max is not None:
            fetch_page = functools.partial(_page, op, api, given, settings=settings)
            structured = await walk.walk(op, api, given, fetch_page, budget_tokens=settings.result_tokens)
        else:
            structured = await _whole(op, api, given, settings, owner)
    except OctolensError as error:
        if error.code == "RESPONSE_LOST" and op.verify:
            error.extra.setdefault("verify", op.verify)
        _note_budget(meta, api)
        logger.info("%s failed: %s", name, error.code)
        return results.failure(op, error, meta, demo=settings.demo, visibility=seen)
    except Exception:
        _note_budget(meta, api)
        logger.exception("%s failed unexpectedly", name)
        internal = OctolensError("INTERNAL_ERROR", "octolens-mcp failed unexpectedly; the details are in its log.")
        return results.failure(op, internal, meta, demo=settings.demo, visibility=seen)
    _note_budget(meta, api)
    if api.quota is not None and op.reports_quota:
        structured.setdefault("quota", api.quota.as_meta())
    return results.success(op, structured, meta, demo=settings.demo, linked=owner is not None and _to_file(given))


async def _whole(
    op: Operation, api: CallApi, given: InputModel, settings: Settings, owner: str | None = None
) -> dict[str, Any]:
    """The result of a call that is not a cursor walk: one run of the operation, shaped to the budget."""
    args, resume = shaping.resume_from(given, op.name)
    structured = await _presented(op, api, await _execute(op, op.execute(api, args)))
    if _to_file(args):
        await api.progress("writing the export to a file")
        try:
            structured = await exports.to_file(structured, settings.export_dir, owner)
        except OSError as error:
            logger.warning("could not write an export: %s", error)
            raise OctolensError(
                "EXPORT_NOT_WRITTEN", f"The export's file could not be written ({error.strerror or 'an OS error'})."
            ) from None
    if api.body_size > LARGE_BODY:
        return await anyio.to_thread.run_sync(_shape, op, args, structured, resume, settings)
    return _shape(op, args, structured, resume, settings)


def _to_file(args: InputModel) -> bool:
    """Whether the call writes its result to a file (an export not asked for inline)."""
    return "output" in type(args).model_fields and getattr(args, "output", None) != "result"


async def _page(
    op: Operation, api: CallApi, args: InputModel, data: dict[str, Any], *, settings: Settings
) -> dict[str, Any]:
    """One page of a cursor walk, as the result shows it."""
    structured = await _presented(op, api, await _execute(op, op.fetch(api, data)))
    return _compacted(args, structured, settings)


async def _presented(op: Operation, api: CallApi, raw: Any) -> dict[str, Any]:
    """The answer validated, cleaned and redacted.

    Clean and redact before anything is cut: a key with invisible characters inside, or cut in half by a
    body limit, would no longer match the redaction.
    """
    if api.body_size > LARGE_BODY:  # tens of megabytes take seconds: off the event loop, in short steps
        return await anyio.to_thread.run_sync(_present, op, raw, True, abandon_on_cancel=True)
    return _present(op, raw, False)


def _present(op: Operation, raw: Any, large: bool) -> dict[str, Any]:
    structured = output.validated_in_pieces(op, raw) if large else output.validated(op, raw)
    if op.untrusted:
        structured = untrusted.clean_fields(structured)
    redacted: dict[str, Any] = redact_value(structured)
    return redacted


def _compacted(args: InputModel, structured: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Mentions compacted unless the call asked for detail=full."""
    if "detail" in type(args).model_fields and getattr(args, "detail", None) != "full":
        return shaping.compact_mentions(structured, settings.body_chars)
    return structured


def _shape(
    op: Operation, args: InputModel, structured: dict[str, Any], resume: shaping.Resume | None, settings: Settings
) -> dict[str, Any]:
    """Compact (unless detail=full) and fit within the result budget, cut at a whole item."""
    fields = type(args).model_fields
    structured = _compacted(args, structured, settings)
    if isinstance(structured.get("csv"), str):
        text, kept, omitted = shaping.fit_csv(structured["csv"], settings.result_tokens)
        if omitted:
            structured = {**structured, "csv": text, "truncated": shaping.csv_truncation(kept, omitted)}
        return structured
    offset = getattr(args, "offset", None) or 0
    out = shaping.fit(
        structured,
        budget_tokens=settings.result_tokens,
        resume=resume,
        tool=op.name,
        cursor_list="cursor" in fields,
        limit=getattr(args, "limit", None),
        fenced=op.untrusted,
        offset=offset,
    )
    cut = out.get("truncated")
    if op.resume_with and isinstance(cut, dict) and cut["omitted"] and isinstance(out.get("searchId"), str):
        more = {"searchId": out["searchId"], "offset": offset + cut["returned"]}
        out["truncated"] = {**cut, "resume": {"tool": op.resume_with, "arguments": more}}
    return out


async def _execute(op: Operation, run: Awaitable[Any]) -> Any:
    """Run the operation; a read whose answer a runner or shaper could not take apart is INVALID_RESPONSE."""
    try:
        return await run
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        if op.writes:
            raise
        logger.warning("%s could not read the answer's shape", op.name, exc_info=True)
        raise OctolensError(
            "INVALID_RESPONSE", "Octolens answered 2xx with a shape this server could not read.", extra={"sent": True}
        ) from None


def _note_budget(meta: dict[str, Any], api: CallApi) -> None:
    if api.rate_limit is not None:
        meta["octolens/rateLimit"] = api.rate_limit.as_meta()
    if api.quota is not None:
        meta["octolens/searchQuota"] = api.quota.as_meta()
    if api.cached:
        meta["octolens/cached"] = True
