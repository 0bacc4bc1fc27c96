"""The SDK's ``OAuthAuthorizationServerProvider`` for this server: clients, consents, codes, grants and tokens.

A **grant** is what a person approved on the consent page: one client, this server's resource, and their
Octolens API key (sealed in the store, never sent to the client). Its codes, access tokens and refresh
tokens all name the grant; revoking any of them deletes the grant, which ends them all. Codes and refresh
tokens are used once (``Store.take``); a code or refresh token presented again after its use revokes the
grant it came from (RFC 9700 §2.1.2, §4.14.2), since a copy of it is in someone else's hands.

Tokens are opaque random strings with a prefix that tells them from Octolens keys (``TOKEN_PREFIX``).
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any
from urllib.parse import quote, urlsplit

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    RegistrationError,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl

from octolens_mcp.oauth.cimd import ClientDocuments, is_document_client_id
from octolens_mcp.oauth.redirects import unsafe_redirect
from octolens_mcp.oauth.store import Sealer, Store, StoreUnavailable

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "olmcp_"
"""Every token this server issues starts with it; Octolens keys (``ak_…``) never do."""
ACCESS_PREFIX = TOKEN_PREFIX + "at_"
REFRESH_PREFIX = TOKEN_PREFIX + "rt_"
CODE_PREFIX = TOKEN_PREFIX + "ac_"
CODE_TTL = 300.0
CONSENT_TTL = 900.0
REFRESH_TTL = 30 * 24 * 3600.0
CLIENT_TTL = 365 * 24 * 3600.0
CONSENT_PATH = "/oauth/consent"


def _new(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


class Token(AccessToken):
    grant: str


class Refresh(RefreshToken):
    grant: str


class Code(AuthorizationCode):
    grant: str


class Grant:
    """What the gate needs of a grant: the key its tokens run with."""

    def __init__(self, key: str, client_id: str) -> None:
        self.key = key
        self.client_id = client_id


class Client(OAuthClientInformationFull):
    """A client as this server sees it: any scope it asks for is granted as a label.

    Scopes mean nothing here: what a token may do is what the person's Octolens key may do (read, write or
    admin, shown on the consent page), so a client that asks for a scope it did not register is not refused.
    """

    def validate_scope(self, requested_scope: str | None) -> list[str] | None:
        return requested_scope.split() if requested_scope else None

    def validate_redirect_uri(self, redirect_uri: AnyUrl | None) -> AnyUrl:
        """A registered redirect URI, matched exactly; on a loopback IP any port (RFC 8252 §7.3, OAuth 2.1 §8.4.2:
        an app on the person's machine listens where it can)."""
        if redirect_uri is not None and redirect_uri.host in LOOPBACK_IPS and redirect_uri.scheme == "http":
            for registered in self.redirect_uris or []:
                if _without_port(registered) == _without_port(redirect_uri):
                    return redirect_uri
        return super().validate_redirect_uri(redirect_uri)


LOOPBACK_IPS = ("127.0.0.1", "[::1]", "::1")


def _without_port(uri: AnyUrl) -> tuple[str, str | None, str | None, str | None]:
    return (uri.scheme, uri.host, uri.path, uri.query)


def same_resource(a: str | None, b: str) -> bool:
    return a is not None and a.rstrip("/") == b.rstrip("/")


class OctolensProvider:
    """Implements ``mcp.server.auth.provider.OAuthAuthorizationServerProvider``."""

    def __init__(
        self,
        store: Store,
        sealer: Sealer,
        *,
        issuer: str,
        resource: str,
        access_ttl: float,
        documents: ClientDocuments,
    ) -> None:
        self.store = store
        self.sealer = sealer
        self.issuer = issuer
        self.resource = resource
        self.access_ttl = access_ttl
        self.documents = documents

    # --- records -----------------------------------------------------------------------------------

    async def _put(self, kind: str, name: str, record: dict[str, Any], ttl: float) -> None:
        await self.store.put(f"{kind}:{name}", self.sealer.seal(record), ttl)

    async def _get(self, kind: str, name: str) -> dict[str, Any] | None:
        return self.sealer.open(await self.store.get(f"{kind}:{name}"))

    async def _take(self, kind: str, name: str) -> dict[str, Any] | None:
        return self.sealer.open(await self.store.take(f"{kind}:{name}"))

    # --- clients -----------------------------------------------------------------------------------

    async def get_client(self, client_id: str) -> Client | None:
        if is_document_client_id(client_id):
            document = await self.documents.client(client_id)
            return Client.model_validate(document.model_dump()) if document is not None else None
        record = await self._get("client", self.sealer.name(client_id))
        return Client.model_validate(record) if record is not None else None

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        assert client_info.client_id is not None  # the SDK's registration handler assigns one
        refused = unsafe_redirect(str(uri) for uri in client_info.redirect_uris or [])
        if refused is not None:
            raise RegistrationError("invalid_redirect_uri", refused)
        if await self.store.crowded():
            raise RegistrationError("invalid_client_metadata", "this server takes no more registrations for now")
        record = client_info.model_dump(mode="json", exclude_none=True)
        await self._put("client", self.sealer.name(client_info.client_id), record, CLIENT_TTL)

    # --- authorization: the consent page takes over --------------------------------------------------

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        """The consent page's URL for this request, kept in the store for ``CONSENT_TTL``.

        With the store unreachable the client is sent back with ``temporarily_unavailable`` (RFC 6749 §4.1.2.1:
        a 503 cannot travel on a redirect, and the client and its redirect URI are known by now).
        """
        if params.resource is not None and not same_resource(params.resource, self.resource):
            raise AuthorizeError("invalid_target", f"this server issues tokens for {self.resource} only")
        try:
            return await self._consent_for(client, params)
        except StoreUnavailable as exc:
            logger.warning("the OAuth store is unreachable (%s): /authorize sent the client back to try again", exc)
            raise AuthorizeError("temporarily_unavailable", "sign-in is unavailable for a moment; try again") from None

    async def _consent_for(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        if await self.store.crowded():
            raise AuthorizeError("temporarily_unavailable", "too many sign-ins are under way; try again later")
        request = secrets.token_urlsafe(32)
        pending = {
            "client_id": client.client_id,
            "client_name": client.client_name or "",
            # A document client is known by its URL's host: the page shows it, since anyone can name a client.
            "client_host": urlsplit(client.client_id).hostname
            if is_document_client_id(client.client_id or "")
            else None,
            "redirect_uri": str(params.redirect_uri),
            "explicit": params.redirect_uri_provided_explicitly,
            "state": params.state,
            "scopes": params.scopes or [],
            "code_challenge": params.code_challenge,
        }
        await self._put("consent", request, pending, CONSENT_TTL)
        return f"{self.issuer}{CONSENT_PATH}?request={quote(request)}"

    async def pending(self, request: str) -> dict[str, Any] | None:
        return await self._get("consent", request)

    async def update_pending(self, request: str, record: dict[str, Any]) -> None:
        await self._put("consent", request, record, CONSENT_TTL)

    async def take_pending(self, request: str) -> dict[str, Any] | None:
        return await self._take("consent", request)

    async def approve(self, pending: dict[str, Any]) -> str:
        """A new grant for the consent ``pending`` (its key checked upstream), and its code."""
        grant = secrets.token_urlsafe(24)
        await self._put(
            "grant",
            grant,
            {"client_id": pending["client_id"], "key": pending["key"], "workspace": pending.get("workspace")},
            REFRESH_TTL,
        )
        code = _new(CODE_PREFIX)
        record = {
            "grant": grant,
            "client_id": pending["client_id"],
            "redirect_uri": pending["redirect_uri"],
            "explicit": pending["explicit"],
            "scopes": pending["scopes"],
            "code_challenge": pending["code_challenge"],
            "expires_at": time.time() + CODE_TTL,
        }
        await self._put("code", self.sealer.name(code), record, CODE_TTL)
        return code

    # --- codes -------------------------------------------------------------------------------------

    async def load_authorization_code(self, client: OAuthClientInformationFull, authorization_code: str) -> Code | None:
        if not authorization_code.startswith(CODE_PREFIX):
            return None
        name = self.sealer.name(authorization_code)
        record = await self._get("code", name)
        if record is None:
            await self._revoke_if_spent("spent-code", name)
            return None
        return Code(
            code=authorization_code,
            scopes=record["scopes"],
            expires_at=record["expires_at"],
            client_id=record["client_id"],
            code_challenge=record["code_challenge"],
            redirect_uri=record["redirect_uri"],
            redirect_uri_provided_explicitly=record["explicit"],
            resource=self.resource,
            grant=record["grant"],
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: Code
    ) -> OAuthToken:
        name = self.sealer.name(authorization_code.code)
        if await self._take("code", name) is None:
            # Another request used it between loading and now: only one of them gets tokens.
            raise TokenError("invalid_grant", "authorization code does not exist")
        await self._put("spent-code", name, {"grant": authorization_code.grant}, REFRESH_TTL)
        if await self._get("grant", authorization_code.grant) is None:
            raise TokenError("invalid_grant", "the authorization was revoked")
        return await self._issue(authorization_code.grant, authorization_code.client_id, authorization_code.scopes)

    async def _revoke_if_spent(self, kind: str, name: str) -> None:
        spent = await self._get(kind, name)
        if spent is not None:
            await self.store.delete(f"grant:{spent['grant']}")

    # --- tokens ------------------------------------------------------------------------------------

    async def _issue(self, grant: str, client_id: str, scopes: list[str]) -> OAuthToken:
        access, refresh = _new(ACCESS_PREFIX), _new(REFRESH_PREFIX)
        now = time.time()
        common = {"grant": grant, "client_id": client_id, "scopes": scopes, "resource": self.resource}
        await self._put(
            "access", self.sealer.name(access), {**common, "expires_at": now + self.access_ttl}, self.access_ttl
        )
        await self._put("refresh", self.sealer.name(refresh), {**common, "expires_at": now + REFRESH_TTL}, REFRESH_TTL)
        return OAuthToken(
            access_token=access,
            token_type="Bearer",
            expires_in=max(1, int(self.access_ttl)),
            scope=" ".join(scopes) or None,
            refresh_token=refresh,
        )

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> Refresh | None:
        if not refresh_token.startswith(REFRESH_PREFIX):
            return None
        name = self.sealer.name(refresh_token)
        record = await self._get("refresh", name)
        if record is None:
            await self._revoke_if_spent("spent-refresh", name)
            return None
        return Refresh(
            token=refresh_token,
            client_id=record["client_id"],
            scopes=record["scopes"],
            expires_at=int(record["expires_at"]),
            resource=record["resource"],
            grant=record["grant"],
        )

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: Refresh, scopes: list[str]
    ) -> OAuthToken:
        name = self.sealer.name(refresh_token.token)
        if await self._take("refresh", name) is None:
            raise TokenError("invalid_grant", "refresh token does not exist")
        await self._put("spent-refresh", name, {"grant": refresh_token.grant}, REFRESH_TTL)
        grant = await self._get("grant", refresh_token.grant)
        if grant is None:
            raise TokenError("invalid_grant", "the authorization was revoked")
        # The grant lives as long as its newest refresh token.
        await self._put("grant", refresh_token.grant, grant, REFRESH_TTL)
        return await self._issue(refresh_token.grant, refresh_token.client_id, scopes)

    async def load_access_token(self, token: str) -> Token | None:
        if not token.startswith(ACCESS_PREFIX):
            return None
        record = await self._get("access", self.sealer.name(token))
        if record is None or record["expires_at"] <= time.time():
            return None
        return Token(
            token=token,
            client_id=record["client_id"],
            scopes=record["scopes"],
            expires_at=int(record["expires_at"]),
            resource=record["resource"],
            grant=record["grant"],
        )

    async def revoke_token(self, token: Token | Refresh) -> None:
        """Ends the whole grant: its access and refresh tokens stop working together."""
        await self.store.delete(f"grant:{token.grant}")
        kind = "access" if isinstance(token, Token) else "refresh"
        await self.store.delete(f"{kind}:{self.sealer.name(token.token)}")

    async def exchange_identity_assertion(self, client: OAuthClientInformationFull, params: Any) -> OAuthToken:
        raise TokenError("unsupported_grant_type", "the JWT bearer grant is not supported by this server")

    # --- the resource server's side ------------------------------------------------------------------

    async def grant_for(self, token: str) -> Grant | None:
        """The grant an access token presented to ``/mcp`` runs with; None when it is unknown, expired,
        revoked, or was issued for another resource."""
        access = await self.load_access_token(token)
        if access is None or not same_resource(access.resource, self.resource):
            return None
        grant = await self._get("grant", access.grant)
        if grant is None or grant.get("client_id") != access.client_id or not isinstance(grant.get("key"), str):
            return None
        return Grant(grant["key"], access.client_id)
