"""Cached answers and rate budgets as the bytes the shared store keeps, read back strictly.

What comes back from the store is data from the network like any other: a value of the wrong shape
raises ``BadData`` rather than reaching a caller.
"""

from __future__ import annotations

import json
import math
from typing import Any

from octolens_mcp.http.wire import ApiResponse, QuotaHeaders, RateLimit

VERSION = 1


class BadData(ValueError):
    """A stored value this version cannot read."""


def encode_response(response: ApiResponse) -> bytes:
    """``response`` as JSON; raises ``TypeError``/``ValueError`` for a body JSON cannot hold."""
    record = {
        "v": VERSION,
        "status": response.status,
        "body": response.body,
        "headers": response.headers,
        "rateLimit": None if response.rate_limit is None else response.rate_limit.as_meta(),
        "quota": None if response.quota is None else response.quota.as_meta(),
        "retryAfter": response.retry_after,
        "totalCount": response.total_count,
        "size": response.size,
    }
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_response(data: bytes) -> ApiResponse:
    """A cached answer read back, marked ``cached``; raises ``BadData`` for anything else."""
    try:
        record = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadData("an entry is not JSON") from None
    if not isinstance(record, dict) or record.get("v") != VERSION or "body" not in record:
        raise BadData("an entry is not a cached answer")
    status = _count(record.get("status"))
    headers = record.get("headers")
    if status is None or not 200 <= status < 300:
        raise BadData("an entry has no 2xx status")
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise BadData("an entry's headers are not text")
    retry_after = record.get("retryAfter")
    if retry_after is not None and (
        isinstance(retry_after, bool) or not isinstance(retry_after, (int, float)) or not math.isfinite(retry_after)
    ):
        raise BadData("an entry's Retry-After is not a number")
    return ApiResponse(
        status=status,
        body=record["body"],
        headers=headers,
        rate_limit=_rate_limit(record.get("rateLimit")),
        quota=_quota(record.get("quota")),
        retry_after=None if retry_after is None else float(retry_after),
        total_count=_optional_count(record.get("totalCount")),
        size=_count(record.get("size")) or 0,
        cached=True,
    )


def encode_budget(budget: RateLimit) -> bytes:
    """``"<resetAt> <remaining> <limit or ->"``: the leading numbers are what the store compares."""
    if budget.reset_at is None or budget.remaining is None:
        raise ValueError("only a budget with a reset and a remaining count is shared")
    limit = "-" if budget.limit is None else str(budget.limit)
    return f"{budget.reset_at} {budget.remaining} {limit}".encode("ascii")


def decode_budget(data: bytes) -> RateLimit:
    try:
        reset_at, remaining, limit = data.decode("ascii").split(" ")
        return RateLimit(
            limit=None if limit == "-" else _digits(limit), remaining=_digits(remaining), reset_at=_digits(reset_at)
        )
    except (UnicodeDecodeError, ValueError):
        raise BadData("the budget is not '<resetAt> <remaining> <limit>'") from None


def _digits(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 15:
        raise ValueError(text)
    return int(text)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _optional_count(value: Any) -> int | None:
    if value is not None and _count(value) is None:
        raise BadData("an entry's count is not a count")
    return _count(value)


def _fields(value: Any, names: tuple[str, ...]) -> list[int | None] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadData("an entry's budget or quota is not an object")
    return [_optional_count(value.get(name)) for name in names]


def _rate_limit(value: Any) -> RateLimit | None:
    fields = _fields(value, ("limit", "remaining", "resetAt"))
    return None if fields is None else RateLimit(limit=fields[0], remaining=fields[1], reset_at=fields[2])


def _quota(value: Any) -> QuotaHeaders | None:
    fields = _fields(value, ("mentionsRemaining", "searchesRemaining"))
    return None if fields is None else QuotaHeaders(mentions_remaining=fields[0], searches_remaining=fields[1])
