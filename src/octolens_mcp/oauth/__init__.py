"""The team server as its own OAuth 2.1 authorization server (the MCP authorization spec), on ``OCTOLENS_OAUTH_SECRET``.

Built on the SDK's ``mcp.server.auth``: its handlers answer ``/authorize``, ``/token``, ``/register`` (RFC
7591) and ``/revoke`` and the metadata documents (RFC 8414, RFC 9728); ``provider.OctolensProvider`` keeps
the records; ``consent.ConsentPage`` turns the person's Octolens API key into a grant; ``cimd`` serves
clients identified by a Client ID Metadata Document. ``OAuth.gate`` wraps the ``/mcp`` app:

- a Bearer token with this server's prefix (``olmcp_``) is looked up, and the request runs with the key of
  its grant, if it is unexpired, unrevoked and issued for this server's resource (else 401);
- any other Bearer token is taken as an Octolens key, unless ``OCTOLENS_BEARER_API_KEYS`` is off (then 401);
- every 401 from ``/mcp`` carries ``WWW-Authenticate: Bearer resource_metadata="…"`` so a client can start
  the flow.

The token endpoint also refuses a ``resource`` (RFC 8707) other than this server's ``/mcp``, before the
SDK's handler reads the request, since the handler does not pass the token request's ``resource`` on.

Every OAuth endpoint is rate limited per client address before any work, and answers ``503`` while the store
is unreachable (``guard``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from mcp.server.auth.routes import cors_middleware, create_auth_routes
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from mcp.shared.auth import OAuthMetadata, ProtectedResourceMetadata
from pydantic import AnyHttpUrl, BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from octolens_mcp.config import Settings
from octolens_mcp.mcp.http_app import MCP_PATH, NO_AUTHORIZATION, bearer_key
from octolens_mcp.mcp.server import KEY_SCOPE
from octolens_mcp.oauth.cimd import ClientDocuments, is_document_client_id
from octolens_mcp.oauth.consent import ConsentPage, KeyCheck
from octolens_mcp.oauth.guard import Limits, WhenUnreachable, log_unreachable, too_many, unavailable
from octolens_mcp.oauth.provider import CONSENT_PATH, TOKEN_PREFIX, OctolensProvider, same_resource
from octolens_mcp.oauth.store import Sealer, Store, StoreUnavailable, open_store
from octolens_mcp.redaction import protect

MAX_TOKEN_FORM = 64 * 1024
TOKEN_PATH = "/token"
REVOCATION_PATH = "/revoke"
AUTHORIZATION_PATH = "/authorize"
REGISTRATION_PATH = "/register"
"""Where the SDK's ``create_auth_routes`` serves its endpoints."""
LIMITED_PATHS = frozenset({AUTHORIZATION_PATH, TOKEN_PATH, REGISTRATION_PATH, REVOCATION_PATH, CONSENT_PATH})
"""The endpoints that do work (the store, Octolens): rate limited per client address."""
PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource"
AUTHORIZATION_SERVER_PATH = "/.well-known/oauth-authorization-server"


class OAuth:
    """The OAuth routes and the ``/mcp`` gate for one server."""

    def __init__(
        self,
        settings: Settings,
        check_key: KeyCheck,
        *,
        store: Store | None = None,
        documents: ClientDocuments | None = None,
    ) -> None:
        assert settings.oauth_secret is not None and settings.public_url is not None  # config.check made sure
        self.issuer = settings.public_url.rstrip("/")
        self.resource = self.issuer + MCP_PATH
        self.resource_metadata_url = self.issuer + PROTECTED_RESOURCE_PATH + MCP_PATH
        self.accept_api_keys = settings.bearer_api_keys
        self.server_key = settings.http_server_key
        sealer = Sealer(settings.oauth_secret)
        self.store = store if store is not None else open_store(settings.redis_url, settings.oauth_dir)
        self.provider = OctolensProvider(
            self.store,
            sealer,
            issuer=self.issuer,
            resource=self.resource,
            access_ttl=settings.oauth_token_ttl,
            documents=documents or ClientDocuments(),
        )
        self.limits = Limits(settings)
        self.consent = ConsentPage(self.provider, check_key, sealer.csrf_key, self.limits)

    # --- routes ----------------------------------------------------------------------------------------

    def metadata(self) -> OAuthMetadata:
        return OAuthMetadata.model_validate(
            {
                "issuer": self.issuer,
                "authorization_endpoint": self.issuer + AUTHORIZATION_PATH,
                "token_endpoint": self.issuer + TOKEN_PATH,
                "registration_endpoint": self.issuer + REGISTRATION_PATH,
                "revocation_endpoint": self.issuer + REVOCATION_PATH,
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
                "revocation_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
                "client_id_metadata_document_supported": True,
                "authorization_response_iss_parameter_supported": True,
                "service_documentation": "https://github.com/octolens-mcp/octolens-mcp/blob/main/docs/oauth.md",
            }
        )

    def resource_metadata(self) -> ProtectedResourceMetadata:
        return ProtectedResourceMetadata.model_validate(
            {
                "resource": self.resource,
                "authorization_servers": [self.issuer],
                "bearer_methods_supported": ["header"],
                "resource_name": "Octolens",
            }
        )

    def routes(self) -> list[Route]:
        """``/authorize``, ``/token``, ``/register``, ``/revoke``, the consent page and both metadata documents."""
        sdk = create_auth_routes(
            self.provider,
            AnyHttpUrl(self.issuer),
            client_registration_options=ClientRegistrationOptions(enabled=True),
            revocation_options=RevocationOptions(enabled=True),
        )
        # The SDK's metadata route is replaced by one that also advertises Client ID Metadata Documents
        # and public clients (token_endpoint_auth_method "none"), and keeps the issuer exactly as configured.
        # Its other endpoints answer 503 while the store is unreachable, instead of 500.
        endpoints = [
            Route(route.path, endpoint=WhenUnreachable(route.endpoint), methods=route.methods)
            for route in sdk
            if route.path != AUTHORIZATION_SERVER_PATH
        ]
        about_server = cors_middleware(_document(self.metadata()), ["GET", "OPTIONS"])
        about_resource = cors_middleware(_document(self.resource_metadata()), ["GET", "OPTIONS"])
        return [
            Route(AUTHORIZATION_SERVER_PATH, endpoint=about_server, methods=["GET", "OPTIONS"]),
            # RFC 9728 §3.1: the path-suffixed URL; the bare one for clients that try it first.
            Route(PROTECTED_RESOURCE_PATH + MCP_PATH, endpoint=about_resource, methods=["GET", "OPTIONS"]),
            Route(PROTECTED_RESOURCE_PATH, endpoint=about_resource, methods=["GET", "OPTIONS"]),
            Route(CONSENT_PATH, endpoint=self.consent.handle, methods=["GET", "POST"]),
            *endpoints,
        ]

    # --- the gate --------------------------------------------------------------------------------------

    def gate(self, app: ASGIApp) -> ASGIApp:
        return _Gate(app, self)

    def challenge(self, error: str | None = None) -> str:
        extra = f', error="{error}"' if error else ""
        return f'Bearer resource_metadata="{self.resource_metadata_url}"{extra}'

    async def aclose(self) -> None:
        await self.store.aclose()


def _document(model: BaseModel) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint answering ``model`` as JSON (a metadata document), cacheable for an hour."""
    body = model.model_dump(mode="json", exclude_none=True)

    async def endpoint(_request: Request) -> Response:
        return JSONResponse(body, headers={"Cache-Control": "public, max-age=3600"})

    return endpoint


class _Gate:
    def __init__(self, app: ASGIApp, oauth: OAuth) -> None:
        self._app = app
        self._oauth = oauth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            try:
                await self._app(scope, receive, send)
            finally:
                await self._oauth.aclose()
            return
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path = scope.get("path", "").rstrip("/")
        method = scope.get("method")
        if path in LIMITED_PATHS and method != "OPTIONS":
            wait = self._oauth.limits.request(scope)
            if wait:
                refusal = self._oauth.consent.too_many(wait) if path == CONSENT_PATH else too_many(wait)
                await refusal(scope, receive, send)
                return
        if path in (TOKEN_PATH, REVOCATION_PATH) and method == "POST":
            await self._form(path, scope, receive, send)
            return
        if path == AUTHORIZATION_PATH and method in ("GET", "POST"):
            await self._authorize(scope, receive, send)
            return
        if path != MCP_PATH:
            await self._app(scope, receive, send)
            return
        token = bearer_key(scope)
        if token and token.startswith(TOKEN_PREFIX):
            try:
                grant = await self._oauth.provider.grant_for(token)
            except StoreUnavailable as exc:
                log_unreachable(exc, scope)
                body = {"error": {"code": "UNAVAILABLE", "message": "Sign-in records are unreachable; try again."}}
                await JSONResponse(body, status_code=503, headers={"Retry-After": "5"})(scope, receive, send)
                return
            if grant is None:
                message = "The access token is invalid, expired or revoked; sign in again."
                await self._refuse(scope, receive, send, message, invalid=True)
                return
            protect(grant.key, pinned=False)
            await self._app({**scope, KEY_SCOPE: grant.key}, receive, self._challenging(send))
            return
        if token and not self._oauth.accept_api_keys:
            message = "This server accepts OAuth access tokens only; sign in."
            await self._refuse(scope, receive, send, message, invalid=True)
            return
        if token == NO_AUTHORIZATION and not self._oauth.server_key:
            message = "Sign in with OAuth, or send your Octolens API key as 'Authorization: Bearer <key>'."
            await self._refuse(scope, receive, send, message, invalid=False)
            return
        await self._app(scope, receive, self._challenging(send))

    def _challenging(self, send: Send) -> Send:
        """``send`` adding the ``resource_metadata`` challenge to any 401 the app behind answers."""
        challenge = self._oauth.challenge().encode()

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 401:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"www-authenticate"]
                message = {**message, "headers": [*headers, (b"www-authenticate", challenge)]}
            await send(message)

        return sending

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, message: str, *, invalid: bool) -> None:
        """401 with the challenge; ``invalid``: a token was sent and is refused (RFC 6750 ``invalid_token``)."""
        body = {"error": {"code": "UNAUTHORIZED", "message": message}}
        challenge = self._oauth.challenge("invalid_token" if invalid else None)
        await JSONResponse(body, status_code=401, headers={"WWW-Authenticate": challenge})(scope, receive, send)

    async def _form(self, path: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Reads a token or revocation request's form before the SDK's handler does (then hands it the same).

        A token request naming another resource (RFC 8707) is refused here. A revocation request from a public
        client carries no ``client_secret``, which the SDK's revocation handler requires as a field: an empty
        one is added (the client authenticator ignores it for ``token_endpoint_auth_method`` ``none``).
        """
        body = await _read_form(scope, receive, send)
        if body is None:
            return
        form = dict(parse_qsl(body.decode("latin-1")))
        resource = form.get("resource")
        if path == REVOCATION_PATH and "client_secret" not in form:
            body += b"&client_secret="
        if path == TOKEN_PATH and resource is not None and not same_resource(resource, self._oauth.resource):
            error = {"error": "invalid_target", "error_description": f"tokens are issued for {self._oauth.resource}"}
            headers = {"Cache-Control": "no-store"}
            await JSONResponse(error, status_code=400, headers=headers)(scope, receive, send)
            return
        await self._app(scope, _replaying(body, receive), send)

    async def _authorize(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Looks the client up before the SDK's ``/authorize`` handler does (then hands it the same request).

        A store error inside that handler is caught by its catch-all, logged with a traceback and answered 500;
        here it is answered 503. (A client named by a metadata document is not in the store.)
        """
        if scope.get("method") == "POST":
            body = await _read_form(scope, receive, send)
            if body is None:
                return
            receive = _replaying(body, receive)
        else:
            body = scope.get("query_string", b"")
        client_id = dict(parse_qsl(body.decode("latin-1"))).get("client_id")
        if client_id and not is_document_client_id(client_id):
            try:
                await self._oauth.provider.get_client(client_id)
            except StoreUnavailable as exc:
                log_unreachable(exc, scope)
                await unavailable()(scope, receive, send)
                return
        await self._app(scope, receive, send)


async def _read_form(scope: Scope, receive: Receive, send: Send) -> bytes | None:
    """The request's whole body, up to ``MAX_TOKEN_FORM``; None when it was answered (413) or the client left."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_TOKEN_FORM:
            await JSONResponse({"error": "invalid_request"}, status_code=413)(scope, receive, send)
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """``receive`` that first hands the app the ``body`` already read."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
