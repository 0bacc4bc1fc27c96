"""Runs one tool call: the same steps for every tool, each reading only the operation's declaration.

    parse → execute → validate → clean and redact → shape → present

- **parse**: the arguments against the input model (a refusal names each field; nothing is sent).
- **execute**: the operation's runner, or one request; a cursor list (``CursorPages``) page after page
  (``paging.walk``), each page validated, cleaned and shaped as it comes.
- **validate**: the answer through the output model (``validated``), long lists a piece at a time.
- **clean and redact**: every string of the answer, once (``untrusted.clean_value``, ``redact_value``).
- **shape**: what the declaration says: an export to its file (``ToFile``), the items compacted and
  fitted to the budget (``Items``), a cut list's way to go on (``OffsetResume``).
- **present**: ``results.success`` or ``results.failure``, within the budget in both forms.

A write never enters list code: it has no ``items`` or ``paging``. Nothing here is imported until the
first ``tools/call``: it pulls in every model.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import anyio
from mcp_types import CallToolResult
from pydantic import BaseModel, TypeAdapter, ValidationError

from octolens_mcp.catalog import arguments, names
from octolens_mcp.catalog.inventory import BY_NAME
from octolens_mcp.catalog.models.common import CommaNames, InputModel
from octolens_mcp.catalog.operation import ItemKind, OffsetResume, Operation
from octolens_mcp.config import Settings
from octolens_mcp.http.client import OctolensClient
from octolens_mcp.http.errors import OctolensError
from octolens_mcp.http.wire import ApiResponse, QuotaHeaders, RateLimit
from octolens_mcp.jsontext import json_text, searchable, utf8_size
from octolens_mcp.mcp import budget, exports, paging, results, untrusted
from octolens_mcp.mcp.visibility import Visibility
from octolens_mcp.redaction import redact_value
from octolens_mcp.webhooks import Access

logger = logging.getLogger(__name__)

BASE_TIMEOUT = 30.0
LARGE_BODY = 256 * 1024
"""Answers larger than this (bytes of JSON) are worked on in a worker thread, a piece at a time."""
PIECE_ITEMS = 500
"""Items of a long list validated per call (about 20 ms of GIL each for full mentions)."""
PAGE_RECALL_SECONDS = 600.0
"""How long a page a list result was cut inside is kept for its resume (agents' turns come minutes apart)."""
MAX_NAMED_ERRORS = 200
"""An answer that fails in more places than this is not told place by place."""

Progress = Callable[[float, float | None, str | None], Awaitable[None]]


class CallApi:
    """The ``Api`` an operation sees during one call: the shared client, this call's deadline and progress."""

    def __init__(
        self,
        client: OctolensClient,
        op: Operation,
        progress: Progress | None,
        settings: Settings,
        webhooks: Access | None = None,
    ):
        self._client = client
        self._webhooks = webhooks
        self._report = progress
        request_time = op.timeout * settings.timeout / BASE_TIMEOUT
        # A polling call waits at most the search wait, and keeps its request time for the last answer.
        self._reserve = request_time if op.polls else 0.0
        self._deadline = time.monotonic() + request_time + (settings.search_wait if op.polls else 0.0)
        self._progress = 0
        self.rate_limit: RateLimit | None = None
        self.quota: QuotaHeaders | None = None
        self.cached = False
        self.body_size = 0

    def seconds_left(self) -> float:
        return self._deadline - self._reserve - time.monotonic()

    @property
    def webhooks(self) -> Access | None:
        return self._webhooks

    def known(self, kind: ItemKind, identity: str) -> dict[str, Any]:
        return self._client.facts.known(kind.name, identity)

    def remember(self, op: Operation, structured: dict[str, Any]) -> None:
        """Keep what the answer's items state that never changes (their kind's ``immutable`` fields)."""
        items = op.items
        if items is None or not items.kind.immutable:
            return
        rows = [structured] if items.field is None else structured.get(items.field)
        kind = items.kind
        for row in rows if isinstance(rows, list) else []:
            identity = self._remember_facts(kind, row)
            if identity is not None and kind.recall:
                self._client.facts.keep(kind.name, identity, row)

    def _remember_facts(self, kind: ItemKind, row: Any) -> str | None:
        """Keep ``row``'s immutable facts; its identity, or None when it has none."""
        identity = row.get(kind.identity[0]) if isinstance(row, dict) else None
        if not isinstance(identity, str) or not identity:
            return None
        facts = {name: row[name] for name in kind.immutable if isinstance(row.get(name), str | int)}
        if facts:
            self._client.facts.remember(kind.name, identity, facts)
        return identity

    def keep_page(self, request: str, answer: dict[str, Any]) -> None:
        self._client.facts.keep_page(request, answer)

    def recall_page(self, request: str) -> dict[str, Any] | None:
        page = self._client.facts.recall_page(request, PAGE_RECALL_SECONDS)
        self.cached = self.cached or page is not None
        return page

    def recall(self, kind: ItemKind, identity: str) -> dict[str, Any] | None:
        record = self._client.facts.recall(kind.name, identity, kind.recall) if kind.recall else None
        self.cached = self.cached or record is not None
        return record

    async def call(self, op: Operation, data: dict[str, Any] | None = None, *, fresh: bool = False) -> ApiResponse:
        request = op.request_with(data or {})
        if op.writes:
            self._client.facts.forget(op.changes)
        try:
            response = await self._client.send(
                request,
                write=op.writes,
                deadline=self._deadline,
                on_wait=self._waiting,
                cache=None if fresh else op.cache,
                changes=op.changes,
            )
        except OctolensError as error:
            self.rate_limit = error.rate_limit or self.rate_limit
            raise
        self.rate_limit = response.rate_limit or self.rate_limit
        self.quota = response.quota or self.quota
        if op.items is not None and op.items.answers_one and isinstance(response.body, dict):
            self._remember_facts(op.items.kind, response.body)  # a runner's read of one record counts too
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
    webhooks: Access | None = None,
) -> CallToolResult:
    """``owner``: over HTTP, the hash of the request's key, which keeps its exports apart as resources.
    ``webhooks``: the server's webhook inboxes, for the webhooks toolset."""
    op = BY_NAME[name]
    seen = visibility or Visibility.everything()
    meta: dict[str, Any] = {"octolens/operation": op.operation_id}
    if settings.demo:
        meta["octolens/demo"] = True
    api = CallApi(client, op, progress, settings, webhooks)
    to_file = False
    try:
        given = await _resolved(api, op, arguments.parse(op.input, raw_arguments, input_schema))
        to_file = op.delivery is not None and not op.delivery.inline(given)
        if op.cursor_pages is not None:
            fetch_page = functools.partial(_page, op, api, given, settings)
            structured = await paging.walk(op, api, given, fetch_page, budget_tokens=settings.result_tokens)
        else:
            structured = await _whole(op, api, given, settings, owner, to_file)
        structured = _tabulated(op, given, structured)
    except OctolensError as error:
        if error.code == "RESPONSE_LOST" and op.verify:
            error.extra.setdefault("verify", op.verify)
        _note_budget(meta, api)
        logger.info("%s failed: %s", name, error.code)
        return results.failure(op, error, meta, settings=settings, visibility=seen)
    except Exception:
        _note_budget(meta, api)
        logger.exception("%s failed unexpectedly", name)
        internal = OctolensError("INTERNAL_ERROR", "octolens-mcp failed unexpectedly; the details are in its log.")
        return results.failure(op, internal, meta, settings=settings, visibility=seen)
    _note_budget(meta, api)
    if api.quota is not None and op.reports_quota:
        structured = structured if "quota" in structured else {**structured, "quota": api.quota.as_meta()}
    present = functools.partial(results.success, settings=settings, linked=owner is not None and to_file)
    if api.body_size > LARGE_BODY:  # what is still over the budget is cut off the event loop
        return await anyio.to_thread.run_sync(present, op, structured, meta)
    return present(op, structured, meta)


async def _resolved(api: CallApi, op: Operation, given: InputModel) -> InputModel:
    """``given`` with the names in its arguments resolved (``catalog.names``): a call given none has none to resolve
    (unless its model holds names in one string of its own, ``CommaNames``)."""
    if not given.model_fields_set and not isinstance(given, CommaNames):
        return given
    return await names.resolve(api, op, given)


async def _whole(
    op: Operation, api: CallApi, given: InputModel, settings: Settings, owner: str | None, to_file: bool
) -> dict[str, Any]:
    """The result of a call that is not a cursor list: one run of the operation, shaped as declared."""
    structured = await _presented(op, api, await op.execute(api, given))
    if to_file:
        await api.progress("writing the export to a file")
        try:
            structured = await exports.to_file(structured, settings.export_dir, owner)
        except OSError as error:
            logger.warning("could not write an export: %s", error)
            raise OctolensError(
                "EXPORT_NOT_WRITTEN", f"The export's file could not be written ({error.strerror or 'an OS error'})."
            ) from None
    if api.body_size > LARGE_BODY:
        return await anyio.to_thread.run_sync(_shape, op, given, structured, settings, to_file)
    return _shape(op, given, structured, settings, to_file)


async def _page(
    op: Operation, api: CallApi, args: InputModel, settings: Settings, data: dict[str, Any]
) -> dict[str, Any]:
    """One page of a cursor list, as the result shows it (its items compacted unless detail=full)."""
    structured = await _presented(op, api, await op.fetch(api, data))
    return _compacted(op, args, structured, settings.body_chars, op.items.field if op.items else None)


async def _presented(op: Operation, api: CallApi, raw: Any) -> dict[str, Any]:
    """The answer validated, cleaned and redacted: once, before anything is cut.

    Clean before redacting (invisible characters inside a key would hide it) and both before cutting (a key
    cut in half would no longer match).
    """
    if api.body_size > LARGE_BODY:  # tens of megabytes take seconds: off the event loop, in short steps
        structured = await anyio.to_thread.run_sync(_present, op, raw, True, abandon_on_cancel=True)
    else:
        structured = _present(op, raw, False)
    api.remember(op, structured)
    return structured


def _present(op: Operation, raw: Any, large: bool) -> dict[str, Any]:
    structured = validated_in_pieces(op, raw) if large else validated(op, raw)
    # One JSON text for both searches, while cleaning changes nothing; a large answer's is searched in pieces.
    written = searchable(structured) if large else untrusted.searchable_json(structured)
    cleaned = untrusted.clean_value(structured, written)
    redacted: dict[str, Any] = redact_value(cleaned, written if cleaned is structured else None)
    return redacted


def _shape(
    op: Operation, args: InputModel, structured: dict[str, Any], settings: Settings, to_file: bool
) -> dict[str, Any]:
    """The declared items compacted (unless detail=full) and fitted to the budget, cut at a whole item."""
    items = op.items
    if items is None:
        return structured
    field = op.delivery.preview if to_file and op.delivery is not None else items.field
    if op.delivery is not None and isinstance(structured.get(op.delivery.text), str):
        return _fit_text(structured, op.delivery.text, settings.result_tokens)
    offset = _offset(op, args)
    if field is not None and offset and isinstance(structured.get(field), list):
        structured = {**structured, field: structured[field][offset:]}
    structured = _compacted(op, args, structured, settings.body_chars, field, offset)
    if field is None:
        return structured
    text = json_text(structured)
    if utf8_size(untrusted.fenced(text) if op.untrusted else text) <= budget.available(settings.result_tokens):
        return structured  # no more bytes than the budget has tokens: surely within it
    measure = budget.Measure(fenced=op.untrusted)
    structured = budget.fit_shell(structured, field, settings.result_tokens, measure)

    def hint(row: dict[str, Any], index: int) -> str | None:
        return items.read_whole(structured, row, offset + index)

    out, kept = budget.fit_items(structured, field, settings.result_tokens, measure, hint)
    if kept is not None and isinstance(op.paging, OffsetResume):
        more = op.paging.arguments(args, out, offset + kept)
        if more is not None:
            out["truncated"] = {**out["truncated"], "resume": {"tool": op.paging.tool, "arguments": more}}
            if op.paging.continues is not None:
                field_of_result, argument = op.paging.continues
                out[field_of_result] = more[argument]
    return out


def _offset(op: Operation, args: InputModel) -> int:
    """Where an offset-resumed list starts (its tool's ``offset`` argument)."""
    if not isinstance(op.paging, OffsetResume):
        return 0
    offset = getattr(args, "offset", None)
    return offset if isinstance(offset, int) else 0


def _compacted(
    op: Operation, args: InputModel, structured: dict[str, Any], body_chars: int, field: str | None, offset: int = 0
) -> dict[str, Any]:
    """A list's items in their kind's compact form, unless the call asked for detail=full (a record alone is whole)."""
    items = op.items
    compact = items.kind.compact if items is not None else None
    if items is None or compact is None or field is None or not items.compacted:
        return structured
    if getattr(args, "detail", None) == "full":
        return structured

    def whole(row: dict[str, Any], index: int) -> str:
        return items.read_whole(structured, row, offset + index) or "detail=full returns it whole"

    rows = structured.get(field)
    if not isinstance(rows, list):
        return structured
    shown = [compact(row, body_chars, whole(row, i)) if isinstance(row, dict) else row for i, row in enumerate(rows)]
    return {**structured, field: shown}


def _tabulated(op: Operation, args: InputModel, structured: dict[str, Any]) -> dict[str, Any]:
    """A compact list declared as a table: its items become ``columns`` and ``rows``, where the list was."""
    items = op.items
    if items is None or not items.table or items.field is None or getattr(args, "detail", None) == "full":
        return structured
    records = structured.get(items.field)
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        return structured
    columns = list(dict.fromkeys(key for record in records for key in record))
    out: dict[str, Any] = {}
    for key, value in structured.items():
        if key == items.field:
            out["columns"] = columns
            out["rows"] = [[record.get(column) for column in columns] for record in records]
        else:
            out[key] = value
    return out


def _fit_text(structured: dict[str, Any], field: str, budget_tokens: int) -> dict[str, Any]:
    """Rows of text (an inline CSV export) cut at a whole row."""
    text, kept, omitted = budget.fit_csv(structured[field], budget_tokens)
    if not omitted:
        return structured
    cut = budget.truncation(kept, omitted, budget_tokens)
    return {**structured, field: text, "truncated": {**cut, "reason": cut["reason"] + "; narrow the filters"}}


def _note_budget(meta: dict[str, Any], api: CallApi) -> None:
    if api.rate_limit is not None:
        meta["octolens/rateLimit"] = api.rate_limit.as_meta()
    if api.quota is not None:
        meta["octolens/searchQuota"] = api.quota.as_meta()
    if api.cached:
        meta["octolens/cached"] = True


# --- validate ------------------------------------------------------------------------------------
# pydantic validates and dumps in one call that holds the GIL throughout: about 1.7 s for a 50,000-row
# export, during which no other call on the server moves, even in a worker thread. So a large answer's
# long top-level lists are validated and dumped a few hundred items per call, with the rest of the answer
# (validated with those lists empty) around them: the same result, in short calls.


def validated(op: Operation, raw: Any) -> dict[str, Any]:
    """``raw`` read through the output model; an answer that does not fit is INVALID_RESPONSE (a write's: landed)."""
    if raw is None and op.writes:
        raw = {}  # an empty 2xx answer to a write: it landed, and there is nothing more to say
    try:
        model = op.output.model_validate(raw)
    except (ValidationError, RecursionError) as exc:
        where = _where(exc)
        if op.writes:
            # The API answered 2xx, so the write landed: report it with what came back, never as a failure
            # that invites a second write.
            logger.warning("%s landed but its answer had an unexpected shape (%s)", op.name, where)
            return {"landed": True, "unexpectedShape": where, "response": raw}
        raise _unreadable(where) from None
    structured: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return structured


def validated_in_pieces(op: Operation, raw: Any) -> dict[str, Any]:
    """What ``validated`` gives, with each long top-level list validated ``PIECE_ITEMS`` at a time."""
    if op.writes or not isinstance(raw, dict):
        return validated(op, raw)
    fields = op.output.model_fields
    long = [name for name, field in fields.items() if field.alias in (None, name) and _long_list(raw.get(name))]
    if not long:
        return validated(op, raw)
    # The rest of the answer, then each long list a piece at a time; an error names the place where it is
    # (reading it whole again would list every bad item: 200,000 of them hold the GIL for seconds).
    structured = validated(op, {**raw, **{name: [] for name in long}})
    for name in long:
        adapter = _adapter(op.output, name)
        items: list[Any] = raw[name]
        dumped: list[Any] = []
        for start in range(0, len(items), PIECE_ITEMS):
            try:
                piece = adapter.validate_python(items[start : start + PIECE_ITEMS])
            except (ValidationError, RecursionError) as exc:
                raise _unreadable(_where(exc, name, start)) from None
            dumped += adapter.dump_python(piece, mode="json", by_alias=True, exclude_unset=True)
        structured[name] = dumped
    return structured


def _long_list(value: Any) -> bool:
    return isinstance(value, list) and len(value) > PIECE_ITEMS


@functools.cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    field = model.model_fields[name]
    annotation: Any = field.annotation
    return TypeAdapter(Annotated[annotation, *field.metadata] if field.metadata else annotation)


def _unreadable(where: str) -> OctolensError:
    return OctolensError(
        "INVALID_RESPONSE", f"Octolens answered 2xx with an unexpected shape ({where}).", extra={"sent": True}
    )


def _where(exc: Exception, field: str | None = None, offset: int = 0) -> str:
    """The first places an answer (or, with ``field``, a piece of that list from ``offset``) does not fit."""
    if not isinstance(exc, ValidationError):
        return "nested too deeply"
    if exc.error_count() > MAX_NAMED_ERRORS:  # listing 200,000 errors holds the GIL for a second
        return f"at {exc.error_count()} places"
    places: set[str] = set()
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        loc = list(error["loc"])
        if field is not None:
            loc = [field, loc[0] + offset if loc and isinstance(loc[0], int) else loc[0], *loc[1:]] if loc else [field]
        places.add(".".join(str(part) for part in loc) or "(body)")
    return "at " + ", ".join(sorted(places)[:5])
