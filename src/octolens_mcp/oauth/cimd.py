"""Client ID Metadata Documents: a client whose ``client_id`` is an https URL of a JSON document about itself.

The current MCP authorization spec prefers it to registration: the client publishes ``{"client_id": <that
URL>, "client_name": …, "redirect_uris": […]}`` and this server fetches it when the client first comes.
Fetching a URL a stranger names is a server-side request made on their behalf, so it is fenced:

- https only, on the default port or another, with no user info or fragment;
- the name must resolve to public addresses only (no loopback, private, link-local or reserved ones), and
  the document is fetched from the address that was checked (TLS verifies the name's certificate);
- no redirects, 5 s in all, at most 64 KiB read;
- the document must name the same ``client_id`` and at least one redirect URI, and be a public client
  (``token_endpoint_auth_method`` ``none``): there is no secret to check for a document client;
- an answer is kept for an hour, a failure for a minute, up to ``MAX_CACHED`` documents.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import anyio
import httpx2
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import ValidationError

from octolens_mcp.oauth.redirects import unsafe_redirect

logger = logging.getLogger(__name__)

MAX_BYTES = 64 * 1024
TIMEOUT = 5.0
KEEP = 3600.0
KEEP_FAILURE = 60.0
MAX_CACHED = 512

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to."""
    answers = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(answer[4][0]) for answer in answers]


def is_document_client_id(client_id: str) -> bool:
    """Whether ``client_id`` names a metadata document (an https URL with a path) rather than a registration."""
    parts = urlsplit(client_id)
    return parts.scheme == "https" and bool(parts.netloc) and parts.path not in ("", "/")


def _public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class DocumentRefused(Exception):
    """A client ID metadata document that cannot be used; the message says why (no secrets in it)."""


class ClientDocuments:
    def __init__(self, transport: httpx2.AsyncBaseTransport | None = None, resolver: Resolver = resolve) -> None:
        self._transport = transport
        self._resolver = resolver
        self._cache: OrderedDict[str, tuple[float, OAuthClientInformationFull | None]] = OrderedDict()

    async def client(self, client_id: str) -> OAuthClientInformationFull | None:
        """The client ``client_id`` names, from its document; None when it cannot be fetched or used."""
        cached = self._cache.get(client_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            client: OAuthClientInformationFull | None = await self.fetch(client_id)
            keep = KEEP
        except DocumentRefused as refused:
            logger.info("client ID metadata document refused: %s", refused)
            client, keep = None, KEEP_FAILURE
        self._cache[client_id] = (time.monotonic() + keep, client)
        self._cache.move_to_end(client_id)
        while len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)
        return client

    async def fetch(self, client_id: str) -> OAuthClientInformationFull:
        parts = urlsplit(client_id)
        if not is_document_client_id(client_id) or parts.username or parts.password or parts.fragment:
            raise DocumentRefused("the client_id must be an https URL with a path, no user info or fragment")
        host = parts.hostname or ""
        try:
            with anyio.fail_after(TIMEOUT):
                addresses = await self._resolver(host, parts.port or 443)
        except (OSError, TimeoutError) as exc:
            raise DocumentRefused(f"its host could not be resolved ({type(exc).__name__})") from None
        if not addresses or not all(_public(address) for address in addresses):
            raise DocumentRefused("its host resolves to an address that is not public")
        body = await self._download(client_id, host, addresses[0])
        try:
            document = json.loads(body)
        except ValueError:
            raise DocumentRefused("it is not JSON") from None
        if not isinstance(document, dict) or document.get("client_id") != client_id:
            raise DocumentRefused("its client_id is not the URL it was fetched from")
        if document.get("token_endpoint_auth_method", "none") != "none":
            raise DocumentRefused("only public clients (token_endpoint_auth_method none) may use a document")
        redirect_uris = document.get("redirect_uris")
        if (
            not isinstance(redirect_uris, list)
            or not redirect_uris
            or not all(isinstance(u, str) for u in redirect_uris)
        ):
            raise DocumentRefused("it names no redirect_uris")
        refused = unsafe_redirect(redirect_uris)
        if refused is not None:
            raise DocumentRefused(refused)
        try:
            return OAuthClientInformationFull(
                client_id=client_id,
                client_name=document.get("client_name") if isinstance(document.get("client_name"), str) else None,
                client_uri=document.get("client_uri") if isinstance(document.get("client_uri"), str) else None,
                redirect_uris=redirect_uris,
                token_endpoint_auth_method="none",
                grant_types=["authorization_code", "refresh_token"],
                response_types=["code"],
            )
        except ValidationError:
            raise DocumentRefused("its redirect_uris are not URLs") from None

    async def _download(self, url: str, host: str, address: str) -> bytes:
        """GET ``url`` from ``address``, the public address just checked: a name that resolves elsewhere a
        moment later (DNS rebinding) is not asked again. TLS still verifies the certificate for ``host``."""
        pinned = httpx2.URL(url).copy_with(host=address)
        headers = {"Accept": "application/json", "Host": httpx2.URL(url).netloc.decode("ascii")}
        try:
            with anyio.fail_after(TIMEOUT):
                async with (
                    httpx2.AsyncClient(transport=self._transport, follow_redirects=False, timeout=TIMEOUT) as http,
                    http.stream("GET", pinned, headers=headers, extensions={"sni_hostname": host}) as response,
                ):
                    if response.status_code != 200:
                        raise DocumentRefused(f"it answered HTTP {response.status_code}")
                    body = b""
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > MAX_BYTES:
                            raise DocumentRefused(f"it is larger than {MAX_BYTES} bytes")
                    return body
        except (httpx2.HTTPError, TimeoutError) as exc:
            raise DocumentRefused(f"it could not be fetched ({type(exc).__name__})") from None
