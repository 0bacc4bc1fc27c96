"""Org-wide global filter lists."""

from __future__ import annotations

from typing import Any

from octolens_mcp.catalog._reads import read_object
from octolens_mcp.catalog.models.common import NoInput
from octolens_mcp.catalog.models.filters import (
    LIST_NAMES,
    FilterListChangeInput,
    FilterValuesAdded,
    FilterValuesRemoved,
    GlobalFilters,
    ReplaceGlobalFiltersInput,
)
from octolens_mcp.catalog.operation import Api, Operation
from octolens_mcp.http.errors import OctolensError


def _stored_form(list_name: str, value: str) -> str:
    value = value.strip()
    if list_name.endswith("Subreddits"):
        value = value.removeprefix("r/").removeprefix("/r/")
        return value.casefold()
    return value


async def _replace(api: Api, op: Operation, args: ReplaceGlobalFiltersInput) -> Any:
    lists = {name: getattr(args, name) for name in LIST_NAMES if getattr(args, name) is not None}
    if not args.confirmRemovals:
        current = await read_object(api, GET)
        removals: dict[str, list[str]] = {}
        for name, values in lists.items():
            kept = {_stored_form(name, v) for v in values}
            stored = current.get(name)
            lost = [v for v in stored if _stored_form(name, str(v)) not in kept] if isinstance(stored, list) else []
            if lost:
                removals[name] = lost
        if removals:
            raise OctolensError(
                "CONFIRMATION_REQUIRED",
                "Replacing these lists would remove existing values; nothing was sent. Confirm with the user, "
                "then repeat with confirmRemovals=true (or use add_global_filter_values to only add).",
                details=[{"path": name, "wouldRemove": lost} for name, lost in removals.items()],
            )
    return (await api.call(op, lists)).body


GET = Operation(
    name="get_global_filters",
    method="GET",
    path="/filters/global",
    scope="read",
    toolset="filters",
    title="Get global filters",
    description="Get the five org-wide lists that drop mentions everywhere (keywords, authors, subreddits, repos).",
    input=NoInput,
    output=GlobalFilters,
    read_only=True,
    destructive=False,
    idempotent=True,
    cache="filters",
)

REPLACE = Operation(
    name="replace_global_filters",
    method="PATCH",
    path="/filters/global",
    scope="write",
    toolset="filters",
    title="Replace global filter lists",
    description=(
        "Replace whole lists ([] empties one; omitted lists unchanged). Refused with CONFIRMATION_REQUIRED if "
        "values would be removed, unless confirmRemovals=true. Prefer add_/remove_global_filter_values."
    ),
    input=ReplaceGlobalFiltersInput,
    output=GlobalFilters,
    read_only=False,
    destructive=True,
    idempotent=True,
    changes=frozenset({"filters"}),
    runner=_replace,
    verify="call get_global_filters and compare",
)

ADD = Operation(
    name="add_global_filter_values",
    method="POST",
    path="/filters/global/add",
    scope="write",
    toolset="filters",
    title="Add global filter values",
    description=(
        "Add values to one list atomically; repeats are no-ops. dropped lists subreddits refused because they are "
        "in the opposite subreddit list."
    ),
    input=FilterListChangeInput,
    output=FilterValuesAdded,
    read_only=False,
    destructive=False,
    idempotent=True,
    changes=frozenset({"filters"}),
    verify="adding again is harmless: repeats are no-ops",
)

REMOVE = Operation(
    name="remove_global_filter_values",
    method="POST",
    path="/filters/global/remove",
    scope="write",
    toolset="filters",
    title="Remove global filter values",
    description="Remove values from one list atomically; absent values are ignored.",
    input=FilterListChangeInput,
    output=FilterValuesRemoved,
    read_only=False,
    destructive=True,
    idempotent=True,
    changes=frozenset({"filters"}),
    verify="removing again is harmless: absent values are ignored",
)

OPERATIONS = (GET, REPLACE, ADD, REMOVE)
