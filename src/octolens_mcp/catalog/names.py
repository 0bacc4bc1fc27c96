"""Names where the API wants ids: every keyword or feed reference an input declares, resolved before the call.

The API takes ids only (§2.12). Tools also take a keyword's or feed's exact name wherever an id is taken:
each input field declared with a ``NameOf`` (``KeywordRef``, ``FeedRef``), at any depth of the arguments,
and the comma-separated string a model's ``comma_names()`` declares (a feed's ``Keywords`` condition).
``resolve`` is the one place they become ids, for every tool, before its call runs. The names are looked
up in the list operation that declares ``resolves=`` that reference: for a read the short reference-data
cache may serve it; for a write it is read fresh. A name must match exactly one item, case-insensitively;
otherwise the call is refused before its own request, naming the field and listing the closest candidates.
"""

from __future__ import annotations

import difflib
import functools
import types
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel

from octolens_mcp.catalog._reads import rows_of
from octolens_mcp.catalog.models.common import CommaNames, NameOf, is_digits
from octolens_mcp.catalog.operation import Api, Operation
from octolens_mcp.http.errors import refusal

M = TypeVar("M", bound=BaseModel)

CANDIDATES = 5
"""A name refused lists this many candidates: the closest names, else the first listed."""
SHOWN_NAME_CHARS = 80
"""A name refused is repeated in the error up to this length (the agent has the rest)."""


async def resolve(api: Api, op: Operation, given: M) -> M:
    """``given`` with every declared keyword or feed name replaced by its id (fresh lists when ``op`` writes)."""
    return await Names(api, fresh=op.writes).model(given, "")


class Names:
    """Resolves names during one call, reading each list at most once."""

    def __init__(self, api: Api, *, fresh: bool = False) -> None:
        """``fresh``: read the lists now, never from the cache (when the ids go into something written)."""
        self._api = api
        self._fresh = fresh
        self._rows: dict[NameOf, list[dict[str, Any]]] = {}

    async def model(self, model: M, path: str) -> M:
        """``model`` with its declared references resolved, and those of the models inside it."""
        updates: dict[str, Any] = {}
        for name, field in type(model).model_fields.items():
            if name not in model.model_fields_set:
                continue
            value = getattr(model, name)
            where = f"{path}.{field.alias or name}" if path else field.alias or name
            ref = _declared(type(model), name)
            new = await (self._ids(ref, value, where) if ref is not None else self._within(value, where))
            if new != value:
                updates[name] = new
        declared = model.comma_names() if isinstance(model, CommaNames) else None
        if declared is not None and isinstance(getattr(model, declared[0], None), str):
            name, ref = declared
            parts = [part.strip() for part in getattr(model, name).split(",") if part.strip()]
            ids = [await self._id(ref, part, f"{path}.{name}") for part in parts]
            updates[name] = ",".join(str(i) for i in ids)
        return model.model_copy(update=updates) if updates else model

    async def id_of(self, ref: NameOf, value: int | str, path: str) -> int:
        """The id ``value`` names (an id stands for itself), for a tool that resolves one reference itself."""
        found = await self._id(ref, value, path)
        if not isinstance(found, int):
            raise refusal([{"path": path, "message": f"no {ref.kind} is named {value!r}; use an id"}])
        return found

    async def _within(self, value: Any, path: str) -> Any:
        if isinstance(value, BaseModel):
            return await self.model(value, path)
        if isinstance(value, list):
            return [await self._within(item, f"{path}[{i}]") for i, item in enumerate(value)]
        return value

    async def _ids(self, ref: NameOf, value: Any, path: str) -> Any:
        if isinstance(value, list):
            return [await self._id(ref, item, f"{path}[{i}]") for i, item in enumerate(value)]
        return await self._id(ref, value, path)

    async def _id(self, ref: NameOf, value: Any, path: str) -> Any:
        if not isinstance(value, str):
            return value
        if is_digits(value):
            return int(value)
        label = ref.label
        rows = await self._list(ref)
        wanted = value.strip().casefold()
        hits = [row for row in rows if str(row.get(label, "")).strip().casefold() == wanted]
        if len(hits) == 1 and isinstance(hits[0].get("id"), int):
            return hits[0]["id"]
        names = [str(row.get(label)).strip().casefold() for row in rows if row.get(label) is not None]
        similar = difflib.get_close_matches(wanted, names, n=CANDIDATES)
        close = hits or [row for row in rows if str(row.get(label)).strip().casefold() in similar] or rows[:CANDIDATES]
        candidates = [{"id": row.get("id"), label: row.get(label), **_kind_of(row)} for row in close]
        shown = repr(value if len(value) <= SHOWN_NAME_CHARS else value[:SHOWN_NAME_CHARS] + "…")
        why = f"{len(hits)} {ref.kind}s are named {shown}" if hits else f"no {ref.kind} is named {shown}"
        raise refusal([{"path": path, "message": f"{why}; use an id", "candidates": candidates}])

    async def _list(self, ref: NameOf) -> list[dict[str, Any]]:
        if ref not in self._rows:
            body = (await self._api.call(_list_of(ref), fresh=self._fresh)).body
            self._rows[ref] = rows_of(body) or []
        return self._rows[ref]


def _list_of(ref: NameOf) -> Operation:
    """The list operation that declares it resolves ``ref`` (``Operation.resolves``)."""
    from octolens_mcp.catalog.inventory import OPERATIONS  # it imports every area, and they import this module

    return next(op for op in OPERATIONS if op.resolves == ref)


@functools.cache
def _declared(model: type[BaseModel], name: str) -> NameOf | None:
    """The reference a field declares, on itself or on its items (``list[KeywordRef]``), if any."""
    field = model.model_fields[name]
    found = next((item for item in field.metadata if isinstance(item, NameOf)), None)
    return found or _in_annotation(field.annotation)


def _in_annotation(annotation: Any) -> NameOf | None:
    origin = get_origin(annotation)
    if origin is Annotated:
        found = next((item for item in annotation.__metadata__ if isinstance(item, NameOf)), None)
        return found or _in_annotation(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list):
        return next((ref for arg in get_args(annotation) if (ref := _in_annotation(arg)) is not None), None)
    return None


def _kind_of(row: dict[str, Any]) -> dict[str, Any]:
    return {"isSubReddit": True} if row.get("isSubReddit") else {}
