"""Reads that several operations make before they write."""

from __future__ import annotations

from typing import Any

from octolens_mcp.catalog.operation import Api, path_segment
from octolens_mcp.http.errors import OctolensError
from octolens_mcp.http.wire import WireRequest


async def read_mention(api: Api, source_id: str) -> dict[str, Any]:
    """The mention as the API stores it now (its verbatim timestamp, id, engaged flag…), never cached."""
    path = f"/mentions/{path_segment(source_id, 'sourceId')}"
    response = await api.send(WireRequest("GET", path), write=False, fresh=True)
    if not isinstance(response.body, dict):
        raise OctolensError("INVALID_RESPONSE", "GET /mentions/{sourceId} did not answer a mention object.")
    return response.body


async def read_list(api: Api, path: str) -> list[dict[str, Any]]:
    """The ``data`` rows of a bounded list as they are now (never cached: callers decide writes on them)."""
    response = await api.send(WireRequest("GET", path), write=False, fresh=True)
    body = response.body
    rows = body.get("data") if isinstance(body, dict) else body
    if not isinstance(rows, list):
        raise OctolensError("INVALID_RESPONSE", f"GET {path} did not answer a list.")
    return [row for row in rows if isinstance(row, dict)]
