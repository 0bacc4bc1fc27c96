"""The one HTTP client every tool call goes through.

It knows nothing about MCP: it sends a ``WireRequest`` and returns an ``ApiResponse``, or raises
``OctolensError``. Lower-level failures become our codes in ``_send_once`` and ``_status_failure``.
What may be resent is decided here, by one rule: a read is resent on connection failures,
timeouts, unreadable bodies and 502/503/504; a write only when its connection never opened, or
after a 429 (which the API answers without acting). A write whose answer is lost is never resent:
it fails with ``RESPONSE_LOST``. A 429 is waited through when its ``Retry-After`` fits both the
cap and the call's deadline; otherwise it is returned at once with ``retryAfterSeconds``. A 429 that
asks for no wait (none, 0, negative, a date already past) still waits: 1 s, then 2 s, 4 s, ….
A 429's ``Retry-After`` holds the key: until it is over, every other call for it (on every replica,
through the shared budget) fails fast with ``RATE_LIMITED`` without sending, as a spent budget does.

The deadline covers every attempt, reading the body and parsing it. Bodies are bounded (``body``);
headers are parsed once, defensively (``headers``), and arrive on the ``ApiResponse``.

What the client learns — the reference-data cache, the rate budget — belongs to its API key and lives
in the ``store`` it is given (``http.shared``): in this process by default, or in Redis, shared by
every replica, once ``OCTOLENS_REDIS_URL`` is set. Its connections need not be its own: clients of
many keys may send on one ``connection_pool``, since each request carries its client's key itself.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

from octolens_mcp import __version__
from octolens_mcp.config import DEFAULT_MAX_RESPONSE_BYTES
from octolens_mcp.http import wire
from octolens_mcp.http.body import ACCEPT_ENCODING, TooLarge, Unreadable, parse_json, read_body
from octolens_mcp.http.cache import Facts, ReadCache
from octolens_mcp.http.errors import OctolensError, refused
from octolens_mcp.http.metrics import METRICS, UPSTREAM
from octolens_mcp.http.shared import LocalStore, SharedStore, SharedUnavailable, organization_identity
from octolens_mcp.http.shared.protocol import key_hash
from octolens_mcp.http.wire import ApiResponse, RateLimit, WireRequest
from octolens_mcp.redaction import redact_value

if TYPE_CHECKING:
    import httpx2

logger = logging.getLogger(__name__)

USER_AGENT = f"octolens-mcp/{__version__}"
RETRYABLE_READ_STATUSES = frozenset({502, 503, 504})
POOL_CONNECTIONS = 100
"""Connections open to the API at once, for every key together; more calls wait for one (the pool timeout)."""
POOL_KEPT_ALIVE = 32
MAX_URL_LENGTH = 8000
"""Longest request URL sent; beyond it proxies and servers refuse or truncate requests."""
ERROR_BODY_LIMIT = 4 * 1024 * 1024
"""Largest error body read for its envelope; a larger one is reported without it."""
MESSAGE_LIMIT = 1000
"""Characters of an upstream error message passed on to the model."""
DETAILS_LIMIT = 20
"""Entries of an upstream error's ``details`` passed on to the model."""
VALUE_LIMIT = 500
"""Characters of any other upstream error value passed on to the model."""

OnWait = Callable[[float, str], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a call tries before it gives up."""

    max_attempts: int = 4
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    rate_limit_wait_cap: float = 30.0
    """Longest Retry-After this client sleeps through on a 429; a longer one is returned at once."""
    rate_limit_backoff_base: float = 1.0
    """The first wait after a 429 that states no usable wait; it doubles with each retry, up to backoff_cap."""


def connection_pool(base_url: str, transport: httpx2.AsyncBaseTransport | None = None) -> httpx2.AsyncClient:
    """An HTTP client for the API at ``base_url`` that holds no key: every request brings its own.

    So clients of any number of keys may share it, and its connections. It keeps no cookies, which
    would carry what one key's answers set into every other key's requests; and follows no redirects.
    """
    from http.cookiejar import CookieJar, DefaultCookiePolicy

    import httpx2

    return httpx2.AsyncClient(
        base_url=base_url.rstrip("/"),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": ACCEPT_ENCODING},
        cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),
        limits=httpx2.Limits(max_connections=POOL_CONNECTIONS, max_keepalive_connections=POOL_KEPT_ALIVE),
        transport=transport,
        follow_redirects=False,
    )


class OctolensClient:
    """Async client for the Octolens REST API v2, bound to one API key."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        transport: httpx2.AsyncBaseTransport | None = None,
        http: httpx2.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        cache_ttl: float = 300.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        store: SharedStore | None = None,
    ) -> None:
        """``store`` holds what the client learns for its key; None keeps it to this client alone.

        ``http`` is a ``connection_pool`` for ``base_url`` shared with other clients: this one sends on
        it and leaves closing it to its owner. Without it the client opens its own (on ``transport``)
        on first use, and ``aclose`` closes it.
        """
        if http is not None and transport is not None:
            raise ValueError("pass a transport or a shared connection pool, not both")
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._transport = transport
        self._http = http
        self._owns_http = http is None
        self.retry = retry or RetryPolicy()
        self._store = store if store is not None else LocalStore()
        binding = self._store.bind(api_key)
        self._local = binding.local
        self._shared = binding.shared
        # The rate budget is the organization's: the key's own until ``join_organization`` learns which.
        self._budget_local = binding.local
        self._budget_shared = binding.shared
        self.organization: str | None = None
        self._budget_label = "key-" + key_hash(api_key)[:12]
        self.cache = ReadCache(cache_ttl, binding.local, binding.shared)
        self.facts = Facts()
        """What answers stated that cannot change (``ItemKind.immutable``), so writes need not read it again."""
        self.max_response_bytes = max_response_bytes
        self.answered = False
        """Whether the latest answer for this key was 2xx (from the cache too): the key works."""
        self.rejected = False
        """Whether the latest answer for this key was 401: Octolens refuses it."""

    def join_organization(self, organization: str) -> None:
        """Share the rate budget, and any 429's hold, with every key of ``organization`` (``GET /auth``'s id).

        The budget this key knew so far is carried over when it holds back longer than the organization's.
        """
        if self.organization == organization:
            return
        known = self._budget_local.rate_limit
        binding = self._store.bind(organization_identity(organization))
        self._budget_local, self._budget_shared = binding.local, binding.shared
        self.organization = organization
        self._budget_label = "org-" + key_hash(organization_identity(organization))[:12]
        if _blocks(known):
            self.rate_limit = _longer_hold(self.rate_limit, known)

    @property
    def rate_limit(self) -> RateLimit | None:
        """The latest budget any answer in this process stated for the key's organization (the key's own until
        it is known); used to fail fast once it is known to be spent."""
        return self._budget_local.rate_limit

    @rate_limit.setter
    def rate_limit(self, budget: RateLimit | None) -> None:
        self._budget_local.rate_limit = budget
        if budget is not None and budget.remaining is not None:
            METRICS.set("octolens_budget_remaining", budget.remaining, organisation=self._budget_label)

    async def aclose(self) -> None:
        """Close the connections this client opened itself; a shared pool is its owner's to close."""
        if self._owns_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    def _client(self) -> httpx2.AsyncClient:
        if self._http is None:
            self._http = connection_pool(self._base_url, self._transport)
        return self._http

    def _authorization(self) -> httpx2.Headers:
        """This client's key, sent with each request (every attempt builds its request anew)."""
        import httpx2

        # Made before the arguments are encoded: a key that cannot be sent is no argument's fault.
        return httpx2.Headers({"Authorization": f"Bearer {self._api_key}"})

    async def send(
        self,
        request: WireRequest,
        *,
        write: bool,
        deadline: float,
        on_wait: OnWait | None = None,
        cache: str | None = None,
        changes: frozenset[str] = frozenset(),
    ) -> ApiResponse:
        """Send ``request`` before ``deadline`` (a ``time.monotonic()`` value), retrying only what is safe.

        ``cache``: the group a read of reference data is kept under (None: not kept, or a read that decides a
        write and must see the current state). ``changes``: the groups a write may change.
        """
        if write:
            await self.cache.invalidate(changes, deadline)
            try:
                response = await self._with_retries(request, write, deadline, on_wait)
            finally:
                await self.cache.invalidate(changes, deadline)
        elif cache is not None and self.cache.enabled:
            fetch = lambda: self._with_retries(request, False, deadline, on_wait)  # noqa: E731
            response = await self.cache.read(cache, request, fetch, deadline)
        else:
            response = await self._with_retries(request, write, deadline, on_wait)
        self.answered, self.rejected = True, False
        return response

    async def _with_retries(
        self, request: WireRequest, write: bool, deadline: float, on_wait: OnWait | None
    ) -> ApiResponse:
        attempt = 0
        waited_out_429 = False
        while True:
            attempt += 1
            if not waited_out_429:
                # After waiting out its own 429 a call resends as the API asked: the hold it set is for the others.
                await self._fail_fast_if_budget_spent(deadline)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timeout_error(write)
            # A read keeps half its remaining time for another attempt; a write gets it all.
            last = write or attempt >= self.retry.max_attempts
            try:
                response = await self._send_once(request, write=write, timeout=remaining if last else remaining / 2)
            except _Failure as failure:
                await self._share_budget(failure.budget, deadline)
                wait = _wait_before_retry(failure, attempt, self.retry)
                if (
                    not failure.retry
                    or attempt >= self.retry.max_attempts
                    or (failure.error.status == 429 and wait > self.retry.rate_limit_wait_cap)
                    or time.monotonic() + wait >= deadline
                ):
                    raise failure.error from None
                logger.info("retrying %s %s in %.2fs after %s", request.method, request.path, wait, failure.error.code)
                if on_wait is not None:
                    await on_wait(wait, failure.error.code)
                await anyio.sleep(wait)
                waited_out_429 = failure.error.status == 429
            else:
                await self._share_budget(response.rate_limit, deadline)
                return response

    async def _fail_fast_if_budget_spent(self, deadline: float) -> None:
        """Refuse to send while the budget this process, or any replica, last saw is spent."""
        _refuse_if_spent(self.rate_limit)
        if self._budget_shared is not None:
            try:
                shared = await self._budget_shared.budget(deadline=deadline)
            except SharedUnavailable:
                return
            _refuse_if_spent(shared)

    async def _share_budget(self, budget: RateLimit | None, deadline: float) -> None:
        """Tell every replica the budget an answer stated (this process already knows it)."""
        if self._budget_shared is not None and budget is not None:
            with contextlib.suppress(SharedUnavailable):
                await self._budget_shared.record_budget(budget, deadline=deadline)

    def _build(self, request: WireRequest, timeout: float, trace: _SendTrace) -> httpx2.Request:
        import httpx2

        authorization = self._authorization()
        try:
            built = self._client().build_request(
                request.method,
                request.path,
                params=_query_params(request.query),
                json=request.body,
                headers=authorization,
                extensions={"trace": trace},
                # The pool wait ends before the call's deadline, so a write that never left is told apart.
                timeout=httpx2.Timeout(timeout, connect=min(timeout, 10.0), pool=timeout * 0.9),
            )
        except (ValueError, httpx2.InvalidURL) as exc:  # NaN in JSON, text that cannot be encoded, a bad URL
            raise refused("(arguments)", f"cannot be sent: {type(exc).__name__}") from None
        if len(str(built.url)) > MAX_URL_LENGTH:
            longest = max((request.query or {"(url)": ""}).items(), key=lambda item: len(str(item[1])))[0]
            raise refused(longest, f"too long: the request URL would exceed {MAX_URL_LENGTH} characters")
        return built

    async def _send_once(self, request: WireRequest, *, write: bool, timeout: float) -> ApiResponse:
        import httpx2

        client = self._client()
        trace = _SendTrace()
        http_request = self._build(request, timeout, trace)
        METRICS.add("octolens_upstream_requests_total")
        try:
            with anyio.fail_after(timeout):
                response = await client.send(http_request, stream=True)
                try:
                    return await self._answer(response, write=write)
                finally:
                    await response.aclose()
        except (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout) as exc:
            # The connection never opened (or no pooled one freed up), so nothing reached the API: safe to
            # resend even a write.
            if not isinstance(exc, httpx2.PoolTimeout):
                UPSTREAM.unreachable()
            raise _Failure(_unreachable(busy=isinstance(exc, httpx2.PoolTimeout)), retry=True) from None
        except (TimeoutError, httpx2.TransportError) as exc:  # httpx's timeouts are transport errors too
            if trace.never_sent:  # the deadline (or a broken socket) came while the connection was opening
                UPSTREAM.unreachable()
                raise _Failure(_unreachable(busy=False), retry=True) from None
            timed_out = isinstance(exc, TimeoutError | httpx2.TimeoutException)
            lost = _timeout_error(write) if timed_out else _connection_lost(write)
            raise _Failure(lost, retry=not write) from None

    async def _answer(self, response: httpx2.Response, *, write: bool) -> ApiResponse:
        lowered = {key.lower(): value for key, value in response.headers.items()}
        budget = wire.rate_limit(lowered)
        status = response.status_code
        encoding = lowered.get("content-encoding", "")
        UPSTREAM.answered()
        if status == 401:
            self.answered, self.rejected = False, True
        if not 200 <= status < 300:
            failure = await _status_failure(response, lowered, encoding, budget, write=write)
            failure.budget = budget
            if status == 429:
                METRICS.add("octolens_upstream_429_total")
                # Every later call for this key (on every replica) fails fast until the wait it asked for is over.
                failure.budget = _held(budget, wire.retry_after(lowered.get("retry-after")))
                self.rate_limit = _longer_hold(self.rate_limit, failure.budget)
            elif budget is not None:
                self.rate_limit = budget
            raise failure
        if budget is not None or _blocks(self.rate_limit):
            # A request served proves no hold stands, whatever the answer states about the budget.
            self.rate_limit = budget
        declared = wire.count(lowered.get("content-length"))
        try:
            if declared is not None and encoding in {"", "identity"} and declared > self.max_response_bytes:
                raise TooLarge
            data = await read_body(*_raw(response, encoding), self.max_response_bytes)
            body: Any
            if "json" in lowered.get("content-type", "json"):
                body = await parse_json(data)
            else:
                body = data.decode("utf-8", errors="replace")
        except TooLarge:
            raise _Failure(_too_large(write, self.max_response_bytes), retry=False, budget=budget) from None
        except Unreadable as exc:
            raise _Failure(_unreadable_success(write, str(exc)), retry=not write, budget=budget) from None
        return ApiResponse(
            status=status,
            body=body,
            headers=lowered,
            rate_limit=budget,
            quota=wire.quota(lowered),
            retry_after=wire.retry_after(lowered.get("retry-after")),
            total_count=wire.count(lowered.get("x-total-count")),
            size=len(data),
        )


class _Failure(Exception):
    """One failed attempt: the error to report, whether it may be resent, after how long, and the budget stated."""

    def __init__(
        self, error: OctolensError, *, retry: bool, wait: float | None = None, budget: RateLimit | None = None
    ) -> None:
        super().__init__(error.code)
        self.error = error
        self.retry = retry
        self.wait = wait
        self.budget = budget


def _blocks(budget: RateLimit | None) -> bool:
    """Whether ``budget`` is spent (or a 429's hold) until a reset still to come."""
    return (
        budget is not None
        and budget.remaining == 0
        and budget.reset_at is not None
        and budget.reset_at - time.time() > 0
    )


def _held(stated: RateLimit | None, retry_after: float | None) -> RateLimit | None:
    """The budget a 429 leaves: spent until its ``Retry-After`` is over, or as stated when that says longer."""
    if retry_after is None or retry_after <= 0 or retry_after >= wire.WINDOW_SECONDS:
        # No wait asked for (the retry's own back-off applies), or nonsense clamped to the hour: never a hold.
        return stated
    until = math.ceil(time.time() + retry_after)
    if stated is not None and stated.remaining == 0 and stated.reset_at is not None and stated.reset_at >= until:
        return stated
    return RateLimit(limit=stated.limit if stated is not None else None, remaining=0, reset_at=until)


def _longer_hold(known: RateLimit | None, held: RateLimit | None) -> RateLimit | None:
    """Of the budget known and the one a 429 left, the one that holds the key back longer."""
    if held is None:
        return known
    if known is not None and _blocks(known) and (held.reset_at is None or (known.reset_at or 0) >= held.reset_at):
        return known
    return held


def _refuse_if_spent(budget: RateLimit | None) -> None:
    if budget is None or budget.remaining is None or budget.remaining > 0 or budget.reset_at is None:
        return
    wait = budget.reset_at - time.time()
    if wait > 0:
        raise OctolensError(
            "RATE_LIMITED",
            "Octolens rate-limited this key (its hourly budget is spent, or a 429 asked to wait); no request was sent.",
            status=429,
            retry_after=float(int(wait) + 1),
            extra={"resetAt": budget.reset_at, "sent": False},
        )


def _query_params(query: dict[str, Any] | None) -> list[tuple[str, str | int | float | bool | None]] | None:
    if not query:
        return None
    params: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in query.items():
        for item in value if isinstance(value, list) else [value]:
            params.append((key, ("true" if item else "false") if isinstance(item, bool) else str(item)))
    return params


class _SendTrace:
    """How far one attempt got, from the HTTP stack's trace events (the ``trace`` request extension).

    A transport that sends no events (a test's in-process one) leaves ``never_sent`` False: then a
    failed write may have landed, as before.
    """

    def __init__(self) -> None:
        self._traced = False
        self._sending = False

    async def __call__(self, event: str, info: dict[str, Any]) -> None:
        self._traced = True
        if event.endswith(".send_request_headers.started"):
            self._sending = True

    @property
    def never_sent(self) -> bool:
        """The connection was still being opened: no byte of the request left."""
        return self._traced and not self._sending


def _unreachable(*, busy: bool) -> OctolensError:
    reason = (
        "No connection to the Octolens API became free in time" if busy else "Could not connect to the Octolens API"
    )
    return OctolensError("UPSTREAM_UNREACHABLE", f"{reason}; nothing was sent.")


def _timeout_error(write: bool) -> OctolensError:
    if write:
        return _response_lost("no complete answer arrived before the deadline")
    return OctolensError("UPSTREAM_TIMEOUT", "The Octolens API did not answer before the deadline.")


def _connection_lost(write: bool) -> OctolensError:
    if write:
        return _response_lost("the connection broke after the request was sent")
    return OctolensError("CONNECTION_LOST", "The connection to the Octolens API broke before the answer arrived.")


def _unreadable_success(write: bool, why: str) -> OctolensError:
    if write:
        return _response_lost(f"the API answered 2xx but {why}", landed=True)
    return OctolensError("INVALID_RESPONSE", f"The Octolens API answered 2xx but {why}.", extra={"sent": True})


def _too_large(write: bool, limit: int) -> OctolensError:
    what = f"larger than {limit} bytes (OCTOLENS_MAX_RESPONSE_BYTES)"
    if write:
        return _response_lost(f"the API answered 2xx with a body {what}", landed=True)
    return OctolensError(
        "RESPONSE_TOO_LARGE", f"The answer was {what}; nothing more was read.", extra={"limitBytes": limit}
    )


def _response_lost(why: str, **extra: Any) -> OctolensError:
    return OctolensError(
        "RESPONSE_LOST",
        f"The write was sent but its answer was lost ({why}); it may have landed.",
        extra={"mayHaveLanded": True, **extra},
    )


async def _status_failure(
    response: httpx2.Response, lowered: dict[str, str], encoding: str, budget: RateLimit | None, *, write: bool
) -> _Failure:
    status = response.status_code
    retry_after = wire.retry_after(lowered.get("retry-after"))
    envelope = await _envelope(response, encoding)
    if status == 429:
        # The API refused the request without acting on it, so even a write may be resent.
        code = _text(envelope.get("code"), 100) if envelope else "RATE_LIMITED"
        message = _text(envelope.get("message"), MESSAGE_LIMIT) if envelope else "Rate limited by the Octolens API."
        error = OctolensError(code, message, status=429, retry_after=retry_after, rate_limit=budget)
        return _Failure(error, retry=True, wait=retry_after)
    if write and status >= 500:
        upstream = {"upstreamStatus": status, "upstreamCode": _text(envelope.get("code"), 100) if envelope else None}
        error = _response_lost(f"the API or a proxy answered HTTP {status}", **upstream)
        error.rate_limit = budget
        return _Failure(error, retry=False)
    if envelope is not None:
        error = OctolensError(
            _text(envelope.get("code"), 100),
            _text(envelope.get("message") or "", MESSAGE_LIMIT),
            status=envelope.get("status") if isinstance(envelope.get("status"), int) else status,
            details=_details(envelope.get("details")),
            extra={
                **{
                    key[:100]: _value(value)
                    for key, value in list(envelope.items())[:20]
                    if key not in {"code", "message", "status", "details"}
                },
                **_left_out(envelope.get("details")),
            },
            retry_after=retry_after,
            rate_limit=budget,
        )
    else:
        error = OctolensError(
            "UPSTREAM_ERROR",
            f"The Octolens API answered HTTP {status} without its error envelope.",
            status=status,
            rate_limit=budget,
        )
    return _Failure(error, retry=not write and status in RETRYABLE_READ_STATUSES)


async def _envelope(response: httpx2.Response, encoding: str) -> dict[str, Any] | None:
    try:
        parsed = await parse_json(await read_body(*_raw(response, encoding), ERROR_BODY_LIMIT))
    except (TooLarge, Unreadable):
        return None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict) and isinstance(error.get("code"), str):
        # Redact before any text is cut: a key cut in half would no longer match.
        redacted: dict[str, Any] = redact_value(error)
        return redacted
    return None


def _raw(response: httpx2.Response, encoding: str) -> tuple[AsyncIterator[bytes], str]:
    """The body's raw chunks and their Content-Encoding; a body already in memory (a mock transport's) as is."""
    if response.is_stream_consumed:
        return _once(response.content), ""
    return response.aiter_raw(), encoding


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _text(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[:limit] + "… [truncated]"


def _value(value: Any) -> Any:
    """An upstream value, kept only when it is small: long text is cut, large structures are summarised."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return _text(value, VALUE_LIMIT)
    return _text(value, VALUE_LIMIT) if not isinstance(value, (dict, list)) else _small(value)


def _small(value: dict[str, Any] | list[Any]) -> Any:
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return value if len(text) <= VALUE_LIMIT else _text(text, VALUE_LIMIT)


def _details(raw: Any) -> list[dict[str, Any]] | None:
    if not isinstance(raw, list):
        return None
    details: list[dict[str, Any]] = []
    for item in raw[:DETAILS_LIMIT]:
        if isinstance(item, dict):
            details.append({str(k)[:100]: _value(v) for k, v in list(item.items())[:10]})
        else:
            details.append({"message": _text(item, VALUE_LIMIT)})
    return details


def _left_out(raw: Any) -> dict[str, int]:
    if isinstance(raw, list) and len(raw) > DETAILS_LIMIT:
        return {"detailsLeftOut": len(raw) - DETAILS_LIMIT}
    return {}


def _wait_before_retry(failure: _Failure, attempt: int, policy: RetryPolicy) -> float:
    if failure.error.status != 429:
        return _backoff(attempt, policy)
    if failure.wait is not None and failure.wait >= 1:
        return failure.wait
    # "Retry-After: 0" (or none, or a date already past) is still "slow down": resending at once would
    # spend every attempt within milliseconds, and the budget with them.
    return min(policy.backoff_cap, policy.rate_limit_backoff_base * 2.0 ** (attempt - 1))


def _backoff(attempt: int, policy: RetryPolicy) -> float:
    ceiling = min(policy.backoff_cap, policy.backoff_base * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)
