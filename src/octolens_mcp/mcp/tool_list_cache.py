"""``tools/list`` answered from its wire form once the SDK has shaped it, per protocol version and tool list.

The SDK validates and dumps a handler's result on every request: for this server's tools (their input and
output schemas, about 90 KB of JSON) that is a few milliseconds per session, for an answer that changes only
with the key's scope or the toolsets a dynamic session enabled. ``Exposure.tools`` keeps one list per scope
(a new one when toolsets are enabled), so the wire form is kept for that list object and the protocol
version, and a request with parameters (a cursor, ``_meta``) is always served by the SDK.

It is a middleware of the SDK's ``Server.middleware`` list (provisional in SDK 2.x; tests list tools through it).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server import ServerRequestContext
from mcp_types import Tool

CallNext = Callable[[ServerRequestContext[Any, Any]], Awaitable[Any]]

MAX_FORMS = 16
"""Wire forms kept (scopes times protocol versions, and lists a dynamic session replaced)."""


class ToolListCache:
    """Server middleware: a ``tools/list`` without parameters is answered with the wire form kept for its list."""

    def __init__(self, listing: Callable[[ServerRequestContext[Any, Any]], list[Tool]]) -> None:
        self._listing = listing
        self._forms: OrderedDict[tuple[str, int], tuple[list[Tool], dict[str, Any]]] = OrderedDict()

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        if ctx.method != "tools/list" or ctx.params:
            return await call_next(ctx)
        tools = self._listing(ctx)
        key = (ctx.protocol_version, id(tools))
        kept = self._forms.get(key)
        if kept is not None and kept[0] is tools:
            return dict(kept[1])  # the runner copies it too; the lists inside are only read
        result = await call_next(ctx)
        if isinstance(result, dict):
            self._forms[key] = (tools, result)  # the list is held too, so its id names no other while kept
            while len(self._forms) > MAX_FORMS:
                self._forms.popitem(last=False)
        return result
