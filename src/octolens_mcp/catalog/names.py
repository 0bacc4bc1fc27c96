"""Names where the API wants ids: keyword names in filters and analytics, feed names for ``view``.

The API takes ids only (§2.12). Tools also accept names, resolved here from the keyword and feed
lists (for reads the short reference-data cache may serve them; for writes they are read fresh). A name must
match exactly one keyword or feed, case-insensitively; otherwise the call is refused before its own
request, listing the closest candidates.
"""

from __future__ import annotations

import difflib
from typing import Any

from octolens_mcp.catalog._reads import rows_of
from octolens_mcp.catalog.models.common import is_digits
from octolens_mcp.catalog.operation import Api, Operation
from octolens_mcp.http.errors import refusal

_KEYWORD_KEYS = ("keyword", "!keyword")

SHOWN_NAME_CHARS = 80
"""A name refused is repeated in the error up to this length (the agent has the rest)."""


class Names:
    """Resolves names during one call, reading each list at most once."""

    def __init__(self, api: Api, keywords: Operation, feeds: Operation, *, fresh: bool = False) -> None:
        """``fresh``: read the lists now, never from the cache (when the ids go into something written)."""
        self._api = api
        self._lists = {"keyword": keywords, "feed": feeds}
        self._fresh = fresh
        self._rows: dict[str, list[dict[str, Any]]] = {}

    async def keyword_id(self, value: Any, path: str) -> Any:
        return await self._id("keyword", "keyword", value, path)

    async def feed_id(self, value: Any, path: str) -> Any:
        return await self._id("feed", "name", value, path)

    async def keyword_ids(self, values: Any, path: str) -> Any:
        if not isinstance(values, list):
            return values
        return [await self.keyword_id(value, f"{path}[{i}]") for i, value in enumerate(values)]

    async def mention_filters(self, filters: Any, path: str = "filters") -> Any:
        """A §3 filter object with every keyword name replaced by its id (simple and advanced forms)."""
        if not isinstance(filters, dict):
            return filters
        out = dict(filters)
        for key in _KEYWORD_KEYS:
            if key in out:
                out[key] = await self.keyword_ids(out[key], f"{path}.{key}")
        groups = out.get("groups")
        if isinstance(groups, list):
            out["groups"] = [
                {
                    **group,
                    "conditions": [
                        await self.mention_filters(condition, f"{path}.groups[{g}].conditions[{c}]")
                        for c, condition in enumerate(group.get("conditions") or [])
                    ],
                }
                if isinstance(group, dict)
                else group
                for g, group in enumerate(groups)
            ]
        return out

    async def feed_filters(self, filters: Any, path: str) -> Any:
        """A feed filter (§4) whose ``Keywords`` conditions may name keywords: ``"acme,42"`` → ``"17,42"``."""
        if not isinstance(filters, dict):
            return filters
        out = dict(filters)
        if isinstance(out.get("conditions"), list):
            out["conditions"] = [
                await self._feed_condition(c, f"{path}.conditions[{i}]") for i, c in enumerate(out["conditions"])
            ]
        if isinstance(out.get("groups"), list):
            out["groups"] = [
                {
                    **group,
                    "conditions": [
                        await self._feed_condition(c, f"{path}.groups[{g}].conditions[{i}]")
                        for i, c in enumerate(group.get("conditions") or [])
                    ],
                }
                if isinstance(group, dict)
                else group
                for g, group in enumerate(out["groups"])
            ]
        return out

    async def _feed_condition(self, condition: Any, path: str) -> Any:
        if not isinstance(condition, dict) or condition.get("field") != "Keywords":
            return condition
        values = condition.get("values")
        if not isinstance(values, str):
            return condition
        parts = [part.strip() for part in values.split(",") if part.strip()]
        ids = [await self.keyword_id(part, f"{path}.values") for part in parts]
        return {**condition, "values": ",".join(str(i) for i in ids)}

    async def _id(self, kind: str, label: str, value: Any, path: str) -> Any:
        if not isinstance(value, str):
            return value
        if is_digits(value):
            return int(value)
        rows = await self._list(kind)
        wanted = value.strip().casefold()
        hits = [row for row in rows if str(row.get(label, "")).strip().casefold() == wanted]
        if len(hits) == 1 and isinstance(hits[0].get("id"), int):
            return hits[0]["id"]
        names = [str(row.get(label)) for row in rows if row.get(label) is not None]
        close = hits or [row for row in rows if str(row.get(label)) in difflib.get_close_matches(value, names, n=5)]
        candidates = [{"id": row.get("id"), label: row.get(label), **_kind_of(row)} for row in close]
        shown = repr(value if len(value) <= SHOWN_NAME_CHARS else value[:SHOWN_NAME_CHARS] + "…")
        why = f"{len(hits)} {kind}s are named {shown}" if hits else f"no {kind} is named {shown}"
        raise refusal([{"path": path, "message": f"{why}; use an id", "candidates": candidates}])

    async def _list(self, kind: str) -> list[dict[str, Any]]:
        if kind not in self._rows:
            body = (await self._api.call(self._lists[kind], fresh=self._fresh)).body
            self._rows[kind] = rows_of(body) or []
        return self._rows[kind]


def _kind_of(row: dict[str, Any]) -> dict[str, Any]:
    return {"isSubReddit": True} if row.get("isSubReddit") else {}
