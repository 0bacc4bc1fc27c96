"""The one HTTP client every tool call goes through.

It knows nothing about MCP: it sends a ``WireRequest`` and returns an ``ApiResponse``, or raises
``OctolensError``. Lower-level failures become our codes in ``_send_once`` and ``_status_failure``.
What may be resent is decided here, by one rule: a read is resent on connection failures,
timeouts, unreadable bodies and 502/503/504; a write only when its connection never opened, or
after a 429 (which the API answers without acting). A write whose answer is lost is never resent:
it fails with ``RESPONSE_LOST``. A 429 is waited through when its ``Retry-After`` fits both the
cap and the call's deadline; otherwise it is returned at once with ``retryAfterSeconds``.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import anyio

from octolens_mcp import __version__
from octolens_mcp.cache import ReadCache
from octolens_mcp.errors import OctolensError
from octolens_mcp.wire import ApiResponse, RateLimit, WireRequest

if TYPE_CHECKING:
    import httpx2

logger = logging.getLogger(__name__)

USER_AGENT = f"octolens-mcp/{__version__}"
RETRYABLE_READ_STATUSES = frozenset({502, 503, 504})

OnWait = Callable[[float, str], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a call tries before it gives up."""

    max_attempts: int = 4
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    rate_limit_wait_cap: float = 30.0
    """Longest Retry-After this client sleeps through on a 429; a longer one is returned at once."""


class OctolensClient:
    """Async client for the Octolens REST API v2, bound to one API key."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        transport: httpx2.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        cache_ttl: float = 30.0,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._transport = transport
        self._http: httpx2.AsyncClient | None = None
        self.retry = retry or RetryPolicy()
        self.cache = ReadCache(cache_ttl)
        self.rate_limit: RateLimit | None = None

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _client(self) -> httpx2.AsyncClient:
        if self._http is None:
            import httpx2

            self._http = httpx2.AsyncClient(
                base_url=self._base_url,
                headers={
                    "Authorization": f"Bearer {self._api_key}",
                    "User-Agent": USER_AGENT,
                    "Accept": "application/json",
                },
                transport=self._transport,
                follow_redirects=False,
            )
        return self._http

    async def send(
        self, request: WireRequest, *, write: bool, deadline: float, on_wait: OnWait | None = None
    ) -> ApiResponse:
        """Send ``request`` before ``deadline`` (a ``time.monotonic()`` value), retrying only what is safe."""
        if write:
            self.cache.invalidate_for(request)
        elif self.cache.cacheable(request):
            return await self.cache.read(request, lambda: self._with_retries(request, False, deadline, on_wait))
        return await self._with_retries(request, write, deadline, on_wait)

    async def _with_retries(
        self, request: WireRequest, write: bool, deadline: float, on_wait: OnWait | None
    ) -> ApiResponse:
        attempt = 0
        while True:
            attempt += 1
            self._fail_fast_if_budget_spent()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timeout_error(write)
            # A read keeps half its remaining time for another attempt; a write gets it all.
            last = write or attempt >= self.retry.max_attempts
            try:
                return await self._send_once(request, write=write, timeout=remaining if last else remaining / 2)
            except _Failure as failure:
                wait = failure.wait if failure.wait is not None else _backoff(attempt, self.retry)
                if (
                    not failure.retry
                    or attempt >= self.retry.max_attempts
                    or wait > self.retry.rate_limit_wait_cap
                    or time.monotonic() + wait >= deadline
                ):
                    raise failure.error from None
                logger.info("retrying %s %s in %.2fs after %s", request.method, request.path, wait, failure.error.code)
                if on_wait is not None:
                    await on_wait(wait, failure.error.code)
                await anyio.sleep(wait)

    def _fail_fast_if_budget_spent(self) -> None:
        budget = self.rate_limit
        if budget is None or budget.remaining is None or budget.remaining > 0 or budget.reset_at is None:
            return
        wait = budget.reset_at - time.time()
        if wait > 0:
            raise OctolensError(
                "RATE_LIMITED",
                "The organization's hourly request budget is spent; no request was sent.",
                status=429,
                retry_after=float(int(wait) + 1),
                extra={"resetAt": budget.reset_at, "sent": False},
            )

    async def _send_once(self, request: WireRequest, *, write: bool, timeout: float) -> ApiResponse:
        import httpx2

        client = self._client()
        http_request = client.build_request(
            request.method,
            request.path,
            params=_query_params(request.query),
            json=request.body,
            timeout=httpx2.Timeout(timeout, connect=min(timeout, 10.0)),
        )
        try:
            with anyio.fail_after(timeout):
                response = await client.send(http_request)
        except httpx2.ConnectError:
            # The connection never opened, so nothing reached the API: safe to resend even a write.
            error = OctolensError("UPSTREAM_UNREACHABLE", "Could not connect to the Octolens API; nothing was sent.")
            raise _Failure(error, retry=True) from None
        except (TimeoutError, httpx2.TimeoutException):
            raise _Failure(_timeout_error(write), retry=not write) from None
        except httpx2.TransportError:
            raise _Failure(_connection_lost(write), retry=not write) from None

        self._note_rate_limit(response.headers)
        if 200 <= response.status_code < 300:
            return self._success(response, write=write)
        raise _status_failure(response, write=write)

    def _success(self, response: httpx2.Response, *, write: bool) -> ApiResponse:
        headers = {key.lower(): value for key, value in response.headers.items()}
        text = response.text
        if "json" in headers.get("content-type", "json"):
            try:
                body: Any = json.loads(text) if text else None
            except ValueError:
                raise _Failure(_unreadable_success(write), retry=not write) from None
        else:
            body = text
        return ApiResponse(status=response.status_code, body=body, headers=headers, rate_limit=self.rate_limit)

    def _note_rate_limit(self, headers: httpx2.Headers) -> None:
        limit = _as_int(headers.get("x-ratelimit-limit"))
        remaining = _as_int(headers.get("x-ratelimit-remaining"))
        reset_at = _as_int(headers.get("x-ratelimit-reset"))
        if limit is not None or remaining is not None or reset_at is not None:
            self.rate_limit = RateLimit(limit=limit, remaining=remaining, reset_at=reset_at)


class _Failure(Exception):
    """One failed attempt: the error to report, whether it may be resent, and after how long."""

    def __init__(self, error: OctolensError, *, retry: bool, wait: float | None = None) -> None:
        super().__init__(error.code)
        self.error = error
        self.retry = retry
        self.wait = wait


def _query_params(query: dict[str, Any] | None) -> list[tuple[str, str | int | float | bool | None]] | None:
    if not query:
        return None
    params: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in query.items():
        for item in value if isinstance(value, list) else [value]:
            params.append((key, ("true" if item else "false") if isinstance(item, bool) else str(item)))
    return params


def _timeout_error(write: bool) -> OctolensError:
    if write:
        return _response_lost("no answer arrived before the deadline")
    return OctolensError("UPSTREAM_TIMEOUT", "The Octolens API did not answer before the deadline.")


def _connection_lost(write: bool) -> OctolensError:
    if write:
        return _response_lost("the connection broke after the request was sent")
    return OctolensError("CONNECTION_LOST", "The connection to the Octolens API broke before the answer arrived.")


def _unreadable_success(write: bool) -> OctolensError:
    if write:
        return _response_lost("the API answered 2xx but its body was unreadable")
    return OctolensError("INVALID_RESPONSE", "The Octolens API answered 2xx with a body that is not valid JSON.")


def _response_lost(why: str, **extra: Any) -> OctolensError:
    return OctolensError(
        "RESPONSE_LOST",
        f"The write was sent but its answer was lost ({why}); it may have landed.",
        extra={"mayHaveLanded": True, **extra},
    )


def _status_failure(response: httpx2.Response, *, write: bool) -> _Failure:
    status = response.status_code
    retry_after = _retry_after(response.headers)
    envelope = _envelope(response)
    if status == 429:
        # The API refused the request without acting on it, so even a write may be resent.
        code = str(envelope.get("code")) if envelope else "RATE_LIMITED"
        message = str(envelope.get("message")) if envelope else "Rate limited by the Octolens API."
        error = OctolensError(code, message, status=429, retry_after=retry_after)
        return _Failure(error, retry=True, wait=retry_after)
    if write and status >= 500:
        upstream = {"upstreamStatus": status, "upstreamCode": envelope.get("code") if envelope else None}
        return _Failure(_response_lost(f"the API or a proxy answered HTTP {status}", **upstream), retry=False)
    if envelope is not None:
        error = OctolensError(
            str(envelope.get("code")),
            str(envelope.get("message") or ""),
            status=_as_int(envelope.get("status")) or status,
            details=envelope.get("details") if isinstance(envelope.get("details"), list) else None,
            extra={k: v for k, v in envelope.items() if k not in {"code", "message", "status", "details"}},
            retry_after=retry_after,
        )
    else:
        error = OctolensError(
            "UPSTREAM_ERROR", f"The Octolens API answered HTTP {status} without its error envelope.", status=status
        )
    return _Failure(error, retry=not write and status in RETRYABLE_READ_STATUSES)


def _envelope(response: httpx2.Response) -> dict[str, Any] | None:
    try:
        parsed = json.loads(response.text)
    except ValueError:
        return None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict) and isinstance(error.get("code"), str):
        return error
    return None


def _retry_after(headers: httpx2.Headers) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _backoff(attempt: int, policy: RetryPolicy) -> float:
    ceiling = min(policy.backoff_cap, policy.backoff_base * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)
