"""The sandbox Octolens API: an ASGI app over an in-memory workspace, strict the way the real API is.

It authenticates keys and checks their scope per operation, spends an hourly request budget with
``X-RateLimit-*`` headers (429 + ``Retry-After`` when spent), answers every error in the v2 envelope,
and logs every request it receives. Misbehaviour for tests (latency, 5xx, dropped connections, …)
lives in ``faults.FaultySandbox``, outside the demo's path.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any, Literal, cast

from octolens_sandbox import seed
from octolens_sandbox.http import ApiError, Request, Response

Handler = Callable[["Sandbox", Request], Response]
Scope = Literal["read", "write", "admin"]
SCOPE_RANK = {"read": 0, "write": 1, "admin": 2}
BASE_PATH = "/api/v2"


class ConnectionDropped(Exception):
    """Raised by the app to make the transport report a broken connection."""


@dataclass(frozen=True)
class LoggedRequest:
    """A request as it reached the app."""

    method: str
    template: str
    path: str
    query: list[tuple[str, str]]
    body: Any

    @property
    def operation(self) -> str:
        """``"METHOD /template"``, as operations are named in octolens-operations.json."""
        return f"{self.method} {self.template}"


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    scope: Scope
    handler: Handler
    pattern: re.Pattern[str]


def _route(method: str, template: str, scope: Scope, handler: Handler) -> Route:
    regex = "^" + re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", template) + "$"
    return Route(method, template, scope, handler, re.compile(regex))


class Sandbox:
    """One demo workspace and the ASGI app serving it.

    ``organization_id`` names the workspace (``GET /org`` and ``GET /auth`` answer it); sandboxes standing
    for different workspaces in one test need different ones. ``profile`` picks the seeded workspace
    (``seed.PROFILES``): ``demo`` (the default) or ``realistic`` (a working team's month, for benchmarks);
    ``mention_count`` overrides the profile's. ``clock`` is the time the rate-limit window and written
    timestamps read; with ``now`` and ``seed_value`` fixed, a run is reproducible.
    """

    def __init__(
        self,
        *,
        keys: dict[str, Scope] | None = None,
        plan: str = "Pro_v3",
        seed_value: int = 7,
        profile: Literal["demo", "realistic"] = "demo",
        mention_count: int | None = None,
        rate_limit: int = 500,
        now: datetime | None = None,
        clock: Callable[[], float] = time.time,
        organization_id: str | None = None,
    ) -> None:
        self.keys: dict[str, Scope] = dict(
            keys or {"ak_demo_read": "read", "ak_demo_write": "write", "ak_demo_admin": "admin"}
        )
        self.clock = clock
        self.now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
        rng = random.Random(seed_value)
        self.rng = rng
        self.plan: str | None = plan
        self.plan_active = True
        self.org: dict[str, Any] | None = seed.organization(self.now, plan)
        if organization_id is not None and self.org is not None:
            self.org["organizationId"] = organization_id  # another workspace: its own rate budget upstream of us
        shape = seed.PROFILES[profile]
        keyword_rows = seed.keywords(self.now, shape)
        self.keywords: dict[int, dict[str, Any]] = {row["id"]: row for row in keyword_rows}
        count = shape.mention_count if mention_count is None else mention_count
        self.mentions: list[dict[str, Any]] = seed.mentions(self.now, rng, keyword_rows, count, shape)
        self.suggestions: dict[int, dict[str, Any]] = {row["id"]: row for row in seed.suggestions(self.now)}
        self.feeds: dict[int, dict[str, Any]] = {row["id"]: row for row in seed.feeds(self.now, shape)}
        self.notifications: dict[int, dict[str, Any]] = {row["id"]: row for row in seed.notifications(self.now)}
        self.feedback: dict[tuple[str, str], dict[str, Any]] = {}
        self.searches: dict[str, dict[str, Any]] = {}
        self.company: dict[str, Any] | None = seed.company()
        self.members: dict[str, dict[str, Any]] = {row["id"]: row for row in seed.members(self.now)}
        self.invitations: dict[str, dict[str, Any]] = {row["id"]: row for row in seed.invitations(self.now)}
        self.inviter_present = True
        self.global_filters: dict[str, list[str]] | None = seed.global_filters()
        self.slack_connected = True
        self.slack_channels = seed.slack_channels()
        self.tags = sorted(set(seed.STANDARD_TAGS) | {t for m in self.mentions for t in m["tags"]})
        self.keyword_limit = 25
        self.keyword_limit_status = 400
        self.mention_quota = 10_000
        self.mentions_used = 4_210
        self.search_limit = 50
        self.searches_used = 3
        self.search_polls_needed = 0
        """How many polls a new search stays ``running`` for; 0 answers 200 at once. A first request's ``waitMs``
        covers one poll per ``search_retry_after`` seconds (at least 1) of it."""
        self.search_retry_after = 2
        self.wizard_grammar: Literal["mention", "feed"] = "mention"
        self.openapi: dict[str, Any] | None = None
        """The document ``GET /openapi.json`` serves (public, no key); None answers 404."""
        self.rate_limit = rate_limit
        self._window = -1
        self._used = 0
        self.requests: list[LoggedRequest] = []
        """Every request that reached the app, in order."""
        self.loopback_webhooks = False
        """Test mode: webhook destinations on loopback are accepted (Octolens refuses them)."""
        self.deliveries: list[Any] = []
        """Every webhook delivery made (``webhooks.Delivery``), with the receiver's answer."""
        self.cancelled = 0
        """Requests whose handling was cancelled because the client went away."""
        self._next_id: dict[str, int] = {
            "keyword": 100,
            "feed": 100,
            "notification": 100,
            "feedback": 300,
            "suggestion": 500,
        }
        from octolens_sandbox.routes import ROUTES

        self.routes = [
            _route(method, template, cast(Scope, scope), handler) for method, template, scope, handler in ROUTES
        ]

    # --- helpers for handlers ------------------------------------------------------------------

    def next_id(self, kind: str) -> int:
        self._next_id[kind] += 1
        return self._next_id[kind]

    def token_hex(self, size: int) -> str:
        """A random id part of ``size`` bytes, drawn from the workspace's seeded generator (reproducible runs)."""
        return f"{self.rng.getrandbits(8 * size):0{2 * size}x}"

    def timestamp(self) -> str:
        return seed.iso(datetime.fromtimestamp(self.clock(), UTC))

    async def add_mention(self, transport: Any = None, **fields: Any) -> dict[str, Any]:
        """Collect a new mention (now, unless ``_moment`` says when), and deliver it to the feeds' webhooks as
        Octolens does; ``transport`` replaces the network for those POSTs."""
        from octolens_sandbox import webhooks

        moment = fields.pop("_moment", None) or datetime.fromtimestamp(self.clock(), UTC)
        index = len(self.mentions)
        mention: dict[str, Any] = {
            "id": 1_900_000 + index,
            "sourceId": f"reddit_t3_new{index:05d}",
            "url": f"https://example.reddit.test/post/new{index}",
            "title": "A new post",
            "body": "Has anyone tried Acme Analytics for dashboards?",
            "source": "reddit",
            "timestamp": seed.rest_timestamp(moment),
            "author": "new_author",
            "authorName": "New Author",
            "authorAvatar": None,
            "authorUrl": "https://example.reddit.test/u/new_author",
            "authorFollowers": 42,
            "relevance": "relevant",
            "relevanceComment": "Asks about the tracked product.",
            "sentiment": "Neutral",
            "language": "english",
            "tags": ["buy_intent"],
            "keywords": [{"id": k["id"], "keyword": k["keyword"]} for k in list(self.keywords.values())[:1]],
            "engaged": False,
            "relevanceScore": 0,
            **fields,
            "_moment": moment,
        }
        self.mentions.insert(0, mention)
        self.deliveries += await webhooks.deliver(webhooks.targets(self, mention), transport)
        return mention

    @property
    def agents_plan(self) -> bool:
        return self.plan == "Agents"

    def count(self, operation: str | None = None) -> int:
        """How many requests reached the app, for one operation (``"POST /feeds"``) or in all."""
        return sum(1 for r in self.requests if operation is None or r.operation == operation)

    # --- rate limit ----------------------------------------------------------------------------

    def _window_reset(self) -> int:
        return (int(self.clock()) // 3600 + 1) * 3600

    def _spend(self) -> bool:
        window = int(self.clock()) // 3600
        if window != self._window:
            self._window, self._used = window, 0
        if self._used >= self.rate_limit:
            return False
        self._used += 1
        return True

    def rate_headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(0, self.rate_limit - self._used)),
            "X-RateLimit-Reset": str(self._window_reset()),
        }

    def _template(self, method: str, path: str) -> str:
        for route in self.routes:
            if route.method == method and route.pattern.match(path):
                return route.template
        return path

    # --- ASGI ----------------------------------------------------------------------------------

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw_path: str = scope["path"]
        path = raw_path[len(BASE_PATH) :] if raw_path.startswith(BASE_PATH) else raw_path
        method: str = scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = _parse_query(scope.get("query_string", b"").decode("latin-1"))
        response = await self._handle(method, path, query, headers, b"".join(chunks))
        await _send(send, response)

    async def _handle(
        self, method: str, path: str, query: list[tuple[str, str]], headers: dict[str, str], raw: bytes
    ) -> Response:
        try:
            logged_body = json.loads(raw) if raw else None
        except ValueError:
            logged_body = raw.decode("utf-8", "replace")
        self.requests.append(LoggedRequest(method, self._template(method, path), path, query, logged_body))
        response = await self._serve(method, path, query, headers, raw)
        # The answer's time by the workspace's clock, as the real API's Date header: a skewed clock shows here.
        response.headers.setdefault("Date", formatdate(self.clock(), usegmt=True))
        return response

    async def _serve(
        self, method: str, path: str, query: list[tuple[str, str]], headers: dict[str, str], raw: bytes
    ) -> Response:
        """The answer to one logged request (``FaultySandbox`` wraps this to misbehave)."""
        try:
            response = self._dispatch(method, path, query, headers, raw)
        except ApiError as error:
            response = error_response(error)
            if error.status == 429:
                return response
        if 200 <= response.status < 300:
            response.headers.update(self.rate_headers())
        return response

    def refusal(self, method: str, path: str) -> str | None:
        """How the connection for this request fails before it reaches the app (a fault kind); never, here."""
        return None

    def _dispatch(
        self, method: str, path: str, query: list[tuple[str, str]], headers: dict[str, str], raw: bytes
    ) -> Response:
        if method == "GET" and path == "/openapi.json":
            if self.openapi is None:
                raise ApiError(404, "NOT_FOUND", "No OpenAPI document here")
            return Response(body=self.openapi)
        auth = headers.get("authorization", "")
        key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if key not in self.keys:
            raise ApiError(401, "UNAUTHORIZED", "Missing, invalid, expired or revoked API key")
        if not self._spend():
            wait = max(1, self._window_reset() - int(self.clock()))
            raise ApiError(
                429, "RATE_LIMITED", "Rate limit exceeded: 500 requests per hour", headers={"Retry-After": str(wait)}
            )
        if not self.plan_active:
            raise ApiError(403, "FORBIDDEN", "Your plan has no API access; upgrade to continue")
        for route in self.routes:
            match = route.pattern.match(path)
            if match is None or route.method != method:
                continue
            granted = self.keys[key]
            if SCOPE_RANK[granted] < SCOPE_RANK[route.scope]:
                raise ApiError(
                    403, "FORBIDDEN", f"This API key has '{granted}' scope; this operation needs '{route.scope}'"
                )
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                raise ApiError(
                    400,
                    "VALIDATION_ERROR",
                    "Malformed JSON body",
                    details=[{"path": "(body)", "message": "invalid JSON"}],
                ) from None
            request = Request(method, path, query, body, params=match.groupdict(), scope=granted)
            return route.handler(self, request)
        raise ApiError(404, "NOT_FOUND", f"No route {method} {path}")


def _parse_query(text: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(text, keep_blank_values=True)


def error_response(error: ApiError) -> Response:
    return Response(status=error.status, body=error.body(), headers=dict(error.headers))


async def _send(send: Any, response: Response) -> None:
    if response.text is not None:
        payload = response.text.encode()
        content_type = response.headers.pop("Content-Type", "text/plain; charset=utf-8")
    else:
        payload = json.dumps(response.body).encode()
        content_type = "application/json"
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(payload)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in response.headers.items() if k.lower() != "content-type"]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
