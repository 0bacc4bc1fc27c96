"""Reads that runners make before they write: always fresh, never from the reference-data cache."""

from __future__ import annotations

from typing import Any

from octolens_mcp.catalog.operation import Api, Operation
from octolens_mcp.http.errors import OctolensError


async def read_object(api: Api, op: Operation, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The object ``op`` answers now."""
    body = (await api.call(op, data, fresh=True)).body
    if not isinstance(body, dict):
        raise OctolensError("INVALID_RESPONSE", f"{op.operation_id} did not answer an object.", extra={"sent": True})
    return body


async def read_rows(api: Api, op: Operation) -> list[dict[str, Any]]:
    """The ``data`` rows of the bounded list ``op`` answers now."""
    body = (await api.call(op, fresh=True)).body
    rows = body.get("data") if isinstance(body, dict) else body
    if not isinstance(rows, list):
        raise OctolensError("INVALID_RESPONSE", f"{op.operation_id} did not answer a list.", extra={"sent": True})
    return [row for row in rows if isinstance(row, dict)]
