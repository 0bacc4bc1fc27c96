"""An answer validated against its operation's output model and dumped as the result's JSON.

pydantic validates and dumps in one call that holds the GIL throughout: about 1.7 s for a 50,000-row
export, during which no other call on the server moves, even with the work in a worker thread. So a
large answer's long top-level lists are validated and dumped a few hundred items per call, with the
rest of the answer (validated with those lists empty) around them: the same result, in short calls.
"""

from __future__ import annotations

import functools
import logging
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from octolens_mcp.catalog.operation import Operation
from octolens_mcp.http.errors import OctolensError

logger = logging.getLogger(__name__)

PIECE_ITEMS = 500
"""Items of a long list validated per call (about 20 ms of GIL each for full mentions)."""


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
        raise OctolensError(
            "INVALID_RESPONSE", f"Octolens answered 2xx with an unexpected shape ({where}).", extra={"sent": True}
        ) from None
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
    try:
        structured = validated(op, {**raw, **{name: [] for name in long}})
    except OctolensError:
        return validated(op, raw)  # read whole again, so the error names every place that does not fit
    for name in long:
        adapter = _adapter(op.output, name)
        items: list[Any] = raw[name]
        dumped: list[Any] = []
        for start in range(0, len(items), PIECE_ITEMS):
            try:
                piece = adapter.validate_python(items[start : start + PIECE_ITEMS])
            except (ValidationError, RecursionError):
                return validated(op, raw)  # read whole again, so the error names the item's place
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


def _where(exc: Exception) -> str:
    if not isinstance(exc, ValidationError):
        return "nested too deeply"
    fields = sorted({".".join(str(p) for p in e["loc"]) or "(body)" for e in exc.errors()})
    return "at " + ", ".join(fields[:5])
