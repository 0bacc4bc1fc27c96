"""The declaration of one Octolens operation, from which its MCP tool is derived.

Everything about an operation lives in one ``Operation``: HTTP method and path, required scope,
toolset, tool name, title, description, behaviour facts (annotations), input and output models, how a
call runs, and how its result behaves: where its records are and of what kind (``Items``), how it pages
(``CursorPages``, ``OffsetResume``), whether it goes to a file (``ToFile``), what it may cache or must
drop (``cache``, ``changes``), and which not-found codes its list answers (``lists_ids``).
``catalog.inventory`` lists them all; ``mcp.manifest`` turns each into a tool and ``mcp.call`` runs it,
reading only these declarations.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import quote

from pydantic import BaseModel

from octolens_mcp.catalog.models.common import InputModel, NameOf
from octolens_mcp.catalog.toolsets import Toolset
from octolens_mcp.http.errors import OctolensError, refused
from octolens_mcp.http.wire import ApiResponse, HttpMethod, WireRequest

if TYPE_CHECKING:
    from octolens_mcp.webhooks import Access

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

    def known(self, kind: ItemKind, identity: str) -> dict[str, Any]:
        """The immutable facts (``kind.immutable``) an earlier answer stated about that item; {} if none did."""
        ...

    def recall(self, kind: ItemKind, identity: str) -> dict[str, Any] | None:
        """The whole record of that item an answer stated within ``kind.recall`` seconds; None if none did."""
        ...

    def seconds_left(self) -> float:
        """Seconds the call may still spend; for a polling call (``polls``), what is left of its polling window."""
        ...

    @property
    def webhooks(self) -> Access | None:
        """The server's webhook inboxes for this call's key (the webhooks toolset); None where none are kept."""
        ...


Runner = Callable[[Api, "Operation", Any], Awaitable[Any]]
"""Runs a call whose operation needs more than one request: given the API, its own operation and the arguments."""
Prepare = Callable[[Api, Any], Awaitable[dict[str, Any]]]
"""The request data for the arguments where it is more than ``arguments.wire()`` (a query built from a flag…).

Keyword and feed names are already ids by then: ``catalog.names`` resolves every declared reference first."""


def path_segment(value: object, name: str) -> str:
    """``value`` as exactly one percent-encoded path segment; ``.``/``..`` would leave the route, so they never do."""
    text = str(value)
    if text in {"", ".", ".."} or isinstance(value, bool):
        raise refused(name, "must be a single non-empty path segment other than . and ..")
    return quote(text, safe="")


@dataclass(frozen=True, kw_only=True)
class ItemKind:
    """What a list's items are, and what that means for a result that shows them."""

    name: str
    identity: tuple[str, ...] = ("id",)
    """Fields that name an item across reads (the first usable one wins): a cut list resumes after it."""
    strangers: bool = False
    """Its text is written outside the organisation (posts, authors): the result says so and fences it."""
    recall: float = 0.0
    """Seconds a whole record seen in any result may answer a read of that record alone (``get_mention``
    right after ``list_mentions``), instead of a request; a write whose ``changes`` names the kind drops it."""
    immutable: tuple[str, ...] = ()
    """Fields that never change once stated (a mention's id and timestamp): remembered from every result by
    the item's identity, so a later write needs no read for them (``Api.known``)."""
    compact: Callable[[dict[str, Any], int, str], dict[str, Any]] | None = None
    """The compact form (``detail`` unset or compact): given the item, the body length kept, and how to
    read it whole (for the marker of a cut body)."""


def lean(*internal: str) -> Callable[[dict[str, Any], int, str], dict[str, Any]]:
    """A compact form for reference data: no nulls, empty values or false flags, nor the ``internal`` fields
    (bookkeeping timestamps): what is left out reads as absent, empty or false."""
    dropped = frozenset(internal)

    def compact(record: dict[str, Any], _body_chars: int, _whole: str) -> dict[str, Any]:
        return {
            key: value
            for key, value in record.items()
            if key not in dropped and value is not None and value is not False and value not in ("", [], {})
        }

    return compact


@dataclass(frozen=True, kw_only=True)
class Items:
    """Where a result holds records, and of what kind."""

    field: str | None
    """The result's field holding the list; None when the whole result is one record."""
    kind: ItemKind
    whole: Callable[[dict[str, Any], dict[str, Any], int], str | None] | None = None
    """How to read one item whole when this result cut it: given the result, the item and its index (as
    returned), a short instruction naming a tool that returns it; None where none does."""
    compacted: bool = True
    """Items are shown in their kind's compact form unless the call asks for ``detail: "full"``; False where
    the tool exists to read records whole."""
    one_per_request: bool = False
    """Each request of this operation answers one item (the tool gathers several): a runner's read of one,
    for another tool, counts as seen too (its immutable facts are remembered)."""
    table: bool = False
    """Compact results show the items as one table, ``columns`` and ``rows`` (each row the values in column
    order), instead of an object per item repeating every key; ``detail: "full"`` keeps the objects."""

    @property
    def answers_one(self) -> bool:
        """Whether one request's answer is one item, not the list."""
        return self.field is None or self.one_per_request

    def read_whole(self, result: dict[str, Any], item: Any, position: int) -> str | None:
        """How to read ``item`` (at ``position`` in the whole list) whole, per ``whole``; None where none does."""
        return self.whole(result, item, position) if self.whole is not None and isinstance(item, dict) else None


@dataclass(frozen=True)
class CursorPages:
    """Paged by the API's cursor: ``limit`` may ask for up to ``WALK_PAGES`` pages of ``page_max`` items."""

    page_max: int | None
    """The API's largest page; None where the API alone decides (one page per call)."""
    cursor_at: tuple[str, ...] = ("pagination", "nextCursor")
    """Where an answer (after ``shape``) names the next page's cursor."""


@dataclass(frozen=True)
class OffsetResume:
    """One answer holds the whole list; a result cut by the budget goes on with ``tool`` from an offset."""

    tool: str
    arguments: Callable[[Any, dict[str, Any], int], dict[str, Any] | None]
    """The arguments that continue from an offset, given the call's arguments and its result; None when it
    cannot be continued."""
    continues: tuple[str, str] | None = None
    """(result field, argument): the result's own continuation (``watch_mentions``' ``cursor``), which in a cut
    result takes the resume arguments' value, so that following it loses none of what the cut left out."""


Paging = CursorPages | OffsetResume


@dataclass(frozen=True)
class ToFile:
    """The result is written to a file (an export); ``inline`` says when the arguments ask for it inline."""

    inline: Callable[[Any], bool]
    preview: str
    """The field of the file's result holding its first records (of the operation's item kind)."""
    text: str
    """The field of an inline result that holds rows as text (CSV), cut at a whole row."""


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
    items: Items | None = None
    """Where the result's records are; lists are cut at a whole item, compacted and resumed by their kind."""
    paging: Paging | None = None
    delivery: ToFile | None = None
    """Set where the result goes to a file rather than into the model's context."""
    cache: str | None = None
    """A read of reference data kept for the cache period: the group its writes name in ``changes``."""
    changes: frozenset[str] = frozenset()
    """For a write: the cache groups it can change (dropped before and after it)."""
    opt_in: bool = False
    """It spends more than a request (search quota): offered only when its toolset is named, never by default."""
    lists_ids: tuple[str, ...] = ()
    """For a list: the not-found codes whose valid ids it gives (the hint of such an error names it)."""
    resolves: NameOf | None = None
    """For a list: the reference whose names it turns into ids, wherever an input declares one (``catalog.names``)."""
    timeout: float = 30.0
    runner: Runner | None = None
    shape: Callable[[Any], Any] | None = None
    """Normalises the raw JSON body into the output model's shape, where the API has several."""
    verify: str | None = None
    """For a write whose answer was lost: how to check whether it landed."""
    polls: bool = False
    """The call polls a long job; its deadline grows by the configured search wait."""
    reports_quota: bool = False
    """Results carry the search quota headers (mentions and searches left) as ``quota``."""
    prepare: Prepare | None = None
    """Builds the request data from the arguments, where ``arguments.wire()`` is not it."""

    @property
    def untrusted(self) -> bool:
        """Whether the result carries text written outside the organisation."""
        return self.items is not None and self.items.kind.strangers

    @property
    def cursor_pages(self) -> CursorPages | None:
        return self.paging if isinstance(self.paging, CursorPages) else None

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
        if self.shape is None:
            return response.body
        try:
            return self.shape(response.body)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError):
            # A shaper reads whatever the API answered: failing on it is an answer it could not read.
            raise OctolensError(
                "INVALID_RESPONSE",
                "Octolens answered 2xx with a shape this server could not read.",
                extra={"sent": True},
            ) from None
