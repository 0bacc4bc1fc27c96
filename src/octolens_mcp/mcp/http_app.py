"""The team server: MCP over streamable HTTP at ``/mcp``, stateless, with a key per request.

Every request to ``/mcp`` must bring ``Authorization: Bearer <Octolens API key>``; the key is used for
that request's upstream calls only (``KEY_SCOPE`` carries it to the tool handlers). A request without
one is answered 401 with a JSON body before any MCP processing, unless the operator opted in to the
server's own key. Stateless (the SDK's ``Server.streamable_http_app(stateless_http=True)``): no session
lives between requests, so any replica can answer any request behind a plain load balancer.

The SDK's transport security refuses a ``Host`` or ``Origin`` outside the allow-lists (loopback names
unless configured) and bodies over the size limit. ``GET /healthz`` answers load balancers without
authentication and says nothing about the server. SIGTERM stops accepting connections and lets calls
in flight finish for ``shutdown_grace`` seconds (uvicorn's graceful shutdown).
"""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING, Any

from mcp.server import Server
from mcp.server.transport_security import TransportSecuritySettings
from sse_starlette.sse import AppStatus
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from octolens_mcp.config import Settings
from octolens_mcp.mcp.server import KEY_SCOPE
from octolens_mcp.webhooks.receiver import hub_of
from octolens_mcp.webhooks.receiver import routes as webhook_routes

if TYPE_CHECKING:
    import uvicorn

logger = logging.getLogger(__name__)

MCP_PATH = "/mcp"
LOOPBACK_HOSTS = ("127.0.0.1", "127.0.0.1:*", "localhost", "localhost:*", "[::1]", "[::1]:*")
LOOPBACK_ORIGINS = tuple(f"{scheme}://{host}" for scheme in ("http", "https") for host in LOOPBACK_HOSTS)
MAX_KEY_LENGTH = 512
"""Longest bearer token taken as a key; a longer one is refused (no real key is anywhere near it)."""


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """DNS-rebinding protection: on, with loopback names, unless the deployment names its own (or ``*``)."""
    hosts = list(settings.allowed_hosts or LOOPBACK_HOSTS)
    origins = list(settings.allowed_origins or LOOPBACK_ORIGINS)
    if "*" in hosts:
        # The operator's proxy checks Host; this turns the SDK's Host and Origin checks off together.
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


NO_AUTHORIZATION = ""
"""What ``bearer_key`` answers for a request that brings no Bearer token (no header, another scheme, empty)."""


def bearer_key(scope: Scope) -> str | None:
    """The request's ``Authorization: Bearer`` token; ``NO_AUTHORIZATION`` when it brings none; None when unusable.

    Another scheme (a proxy's own ``Basic`` login) or an empty Bearer (what some clients send with no
    token set) brings no key; a Bearer token that is not one (not printable ASCII, over-long) was meant
    as the caller's own key and is refused.
    """
    for name, value in scope.get("headers", ()):
        if name.lower() != b"authorization":
            continue
        scheme, _, token = bytes(value).decode("latin-1").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return NO_AUTHORIZATION
        # API keys are printable ASCII; anything else could not be sent upstream as a header anyway.
        usable = token.isascii() and token.isprintable() and len(token) <= MAX_KEY_LENGTH
        return token if usable else None
    return NO_AUTHORIZATION


class KeyGate:
    """ASGI: a request to ``/mcp`` gets its API key (Bearer, or the opted-in server key) or a 401."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self._app = app
        self._server_key = settings.api_key if settings.http_server_key else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").rstrip("/") != MCP_PATH:
            await self._app(scope, receive, send)
            return
        if isinstance(scope.get(KEY_SCOPE), str):  # an OAuth access token's key (octolens_mcp.oauth)
            await self._app(scope, receive, send)
            return
        key = bearer_key(scope)
        # The server key stands in only for a request that brings no key: one whose Bearer token is broken
        # meant to use its own, and must not be served with another (possibly wider) one.
        if key == NO_AUTHORIZATION:
            key = self._server_key
        if not key:
            await _unauthorized(scope, receive, send)
            return
        # Registered for redaction by the guard (http_guard), once the request is let through: a refused
        # one sends nothing anywhere, and registering a new key costs milliseconds a flood must not buy.
        await self._app({**scope, KEY_SCOPE: key}, receive, send)


async def _unauthorized(scope: Scope, receive: Receive, send: Send) -> None:
    body = {
        "error": {
            "code": "UNAUTHORIZED",
            "message": "Send your Octolens API key as 'Authorization: Bearer <key>' "
            "(create one in Octolens under Settings -> API).",
        }
    }
    response = JSONResponse(body, status_code=401, headers={"WWW-Authenticate": 'Bearer realm="octolens-mcp"'})
    await response(scope, receive, send)


def build_http_app(server: Server[Any], settings: Settings) -> ASGIApp:
    """The ASGI app: ``/mcp`` (keyed, stateless MCP, the SDK's own app), ``/healthz``, ``/readyz``, ``/metrics``,
    and OAuth when on.

    ``observability.AccessLog`` logs each request; the OAuth gate (when on) turns its tokens into their keys;
    ``http_guard.Guard`` refuses floods and bad tokens before any work.
    """
    # sse-starlette ends every open event stream as soon as uvicorn starts shutting down, which would cut
    # the calls in flight; their streams end with their answers, and uvicorn's grace period bounds them.
    AppStatus.disable_automatic_graceful_drain()  # type: ignore[no-untyped-call]
    from octolens_mcp.mcp import observability
    from octolens_mcp.mcp.http_guard import Guard

    oauth = None
    if settings.oauth_secret is not None:  # OAuth sign-in: its routes, and its gate before the key's
        from octolens_mcp.mcp.server import whoami
        from octolens_mcp.oauth import OAuth

        oauth = OAuth(settings, whoami(server))
    hub = hub_of(server)
    app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        max_request_body_size=settings.max_request_bytes,
        transport_security=transport_security(settings),
        host=settings.host,
        custom_starlette_routes=[
            Route("/healthz", endpoint=observability.healthz, methods=["GET", "HEAD"]),
            Route("/readyz", endpoint=observability.Readiness(settings.redis_url).endpoint, methods=["GET", "HEAD"]),
            Route("/metrics", endpoint=observability.metrics, methods=["GET"]),
            *(oauth.routes() if oauth else []),
            *(webhook_routes(hub) if hub is not None else []),
        ],
    )
    from octolens_mcp.mcp.http_front import front

    keyed: ASGIApp = KeyGate(Guard(app, settings), settings)
    if oauth is not None:
        keyed = oauth.gate(keyed)
    return observability.AccessLog(front(keyed, settings, LOOPBACK_ORIGINS))


def uvicorn_config(server: Server[Any], settings: Settings) -> uvicorn.Config:
    import uvicorn

    from octolens_mcp.mcp.http_connections import protocol

    connections, backlog = protocol(settings.http_header_timeout, settings.http_max_connections)
    return uvicorn.Config(
        build_http_app(server, settings),
        host=settings.host,
        port=settings.port,
        log_config=None,  # records go through the root logger, to stderr
        access_log=False,
        server_header=False,
        # Forwarded headers are believed from the operator's proxies only (none unless named).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies or ()),
        lifespan="on",
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace)),
        http=connections,
        backlog=backlog,
    )


def serve_http(server: Server[Any], settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM; then finish the calls in flight within ``shutdown_grace`` seconds."""
    import uvicorn

    config = uvicorn_config(server, settings)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again under the handlers it
    # found: with these, that ends here and the process exits 0 after a clean shutdown.
    for received in (signal.SIGINT, signal.SIGTERM):
        signal.signal(received, _stopped)
    print(f"octolens-mcp: MCP at http://{_display(settings.host)}:{settings.port}{MCP_PATH}", file=sys.stderr)
    hub = hub_of(server)
    if hub is not None:
        hub.announce_secret()
    uvicorn.Server(config).run()


def _stopped(_signal: int, _frame: FrameType | None) -> None:
    logger.info("stopped by signal %d", _signal)


def _display(host: str) -> str:
    return f"[{host}]" if ":" in host else host
