"""Helpers shared by the sandbox's route handlers."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from octolens_sandbox.http import ApiError, Request, validation

if TYPE_CHECKING:
    from octolens_sandbox.app import Sandbox

Route = tuple[str, str, str, Callable[..., Any]]
"""One route: method, path template, the scope it needs, and its handler."""

TIMESTAMP_PATTERN = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?"


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row without the sandbox's private fields (those starting with _)."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


def encode_cursor(offset: int, kind: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "k": kind}).encode()).decode().rstrip("=")


def decode_cursor(cursor: Any, kind: str) -> int:
    if not isinstance(cursor, str) or not cursor:
        raise validation("cursor", "expected the nextCursor string of a previous page")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data["k"] != kind or not isinstance(data["o"], int) or data["o"] < 0:
            raise ValueError
        return int(data["o"])
    except (ValueError, KeyError, TypeError):
        raise validation("cursor", "invalid or foreign cursor") from None


def page(rows: list[Any], offset: int, limit: int, kind: str) -> tuple[list[Any], str | None]:
    chunk = rows[offset : offset + limit]
    next_offset = offset + limit
    return chunk, encode_cursor(next_offset, kind) if next_offset < len(rows) else None


def query_int(request: Request, name: str, *, default: int | None, lo: int, hi: int) -> int | None:
    raw = request.arg(name)
    if raw is None:
        return default
    if not raw.lstrip("-").isdigit():
        raise validation(name, "expected an integer")
    value = int(raw)
    if not lo <= value <= hi:
        raise validation(name, f"must be between {lo} and {hi}")
    return value


def query_bool(request: Request, name: str) -> bool | None:
    raw = request.arg(name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise validation(name, "expected true or false")
    return raw == "true"


def only_query(request: Request, allowed: set[str]) -> None:
    for key, _ in request.query:
        if key not in allowed:
            raise validation(key, "unknown query parameter")


def no_body(request: Request) -> None:
    if request.body not in (None, {}):
        raise validation("(body)", "this operation takes no body")


def path_int(request: Request, name: str, code: str, what: str) -> int:
    raw = request.params[name]
    if not raw.isdigit():
        raise ApiError(404, code, f"{what} {raw} not found")
    return int(raw)


def usage(sb: Sandbox) -> dict[str, Any]:
    result: dict[str, Any] = {
        "plan": sb.plan,
        "mentions": {"count": sb.mentions_used, "limit": sb.mention_quota, "resetAt": sb.timestamp()},
        "keywords": {"count": sum(1 for k in sb.keywords.values() if not k["paused"]), "limit": sb.keyword_limit},
    }
    if sb.agents_plan:
        result["searches"] = {
            "used": sb.searches_used,
            "limit": sb.search_limit,
            "remaining": max(0, sb.search_limit - sb.searches_used),
        }
    return result


def upgrade_required(message: str) -> ApiError:
    return ApiError(
        403,
        "UPGRADE_REQUIRED",
        message,
        upgradeUrl="https://app.octolens.com/me/upgrade?src=agents",
        upgradeCommand="octolens upgrade",
    )
