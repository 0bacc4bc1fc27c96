"""The HTTP clients tool calls go through: one per API key, made on first use.

Over stdio there is one key, the server's. Over HTTP each request brings its own, and everything a
client learns — its reference-data cache, the rate budget its answers stated — belongs to that key
alone: a request made with another key gets another client. Clients are found by a hash of the key
(``key_id``), so no table holds a key as an index; the key itself lives only inside its client.

Every key's client sends on one connection pool, which the backend owns: each request carries its own
key, so a client holds nothing that needs closing, and the least recently used one is simply dropped.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from octolens_mcp.config import Settings

if TYPE_CHECKING:
    import httpx2

    from octolens_mcp.http.client import OctolensClient
    from octolens_mcp.http.shared import SharedStore

logger = logging.getLogger(__name__)

Upstream = tuple[str, str, "httpx2.AsyncBaseTransport"]
"""Base URL, API key and transport of the API the server talks to."""

MAX_CLIENTS = 256
"""Keys whose clients (and what they learned) are kept; the least recently used one beyond this is dropped."""
MAX_TRIAL_CLIENTS = 32
"""Clients of keys no answer has proved yet, kept apart: a flood of junk tokens drops only each other."""
MAX_ORGANIZATIONS = 4096
"""Keys whose organization is remembered (what ``GET /auth`` said), most recent first."""


@functools.lru_cache(maxsize=4096)
def key_id(key: str) -> str:
    """A stable identity for ``key`` that reveals nothing of it (remembered: a call asks for it several times)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class Backend:
    """The per-key HTTP clients, made on first use (so listing tools never imports them)."""

    def __init__(
        self,
        settings: Settings,
        transport: httpx2.AsyncBaseTransport | None = None,
        upstream: Callable[[], Upstream] | None = None,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._upstream_factory = upstream
        self._upstream: Upstream | None = None
        self._clients: OrderedDict[str, OctolensClient] = OrderedDict()
        """Clients of keys Octolens has answered 2xx."""
        self._trial: OrderedDict[str, OctolensClient] = OrderedDict()
        """Clients of keys not answered yet; ``settle`` moves one to ``_clients`` once it is."""
        self._organizations: OrderedDict[str, str] = OrderedDict()
        """Each key's organization id, by key identity, once ``GET /auth`` told it."""
        self._http: httpx2.AsyncClient | None = None
        """The connection pool every key's client sends on."""
        self._store: SharedStore | None = None

    def client(self, key: str | None = None) -> OctolensClient:
        """The client for ``key`` (None: the server's own key)."""
        key = key if key is not None else self.settings.api_key or ""
        ident = key_id(key)
        client = self._clients.get(ident)
        if client is not None:
            self._clients.move_to_end(ident)
            return client
        client = self._trial.get(ident)
        if client is not None:
            return client
        client = self._trial[ident] = self._make(key)
        organization = self._organizations.get(ident)
        if organization is not None:
            client.join_organization(organization)
        # Calls still using a dropped client keep it (and the shared pool it sends on) until they end; it
        # holds no connections of its own, so nothing is left to close once they have.
        while len(self._trial) > MAX_TRIAL_CLIENTS:
            self._trial.popitem(last=False)
        return client

    def settle(self, key: str | None, client: OctolensClient) -> None:
        """After a call: a key Octolens answered keeps its client among the proven ones."""
        ident = key_id(key if key is not None else self.settings.api_key or "")
        if client.answered and self._trial.get(ident) is client:
            del self._trial[ident]
            self._clients[ident] = client
            while len(self._clients) > MAX_CLIENTS:
                self._clients.popitem(last=False)

    def join_organization(self, key: str | None, organization: str) -> None:
        """``key`` belongs to ``organization``: its client, and every later one, shares that organization's budget."""
        ident = key_id(key if key is not None else self.settings.api_key or "")
        self._organizations[ident] = organization
        self._organizations.move_to_end(ident)
        while len(self._organizations) > MAX_ORGANIZATIONS:
            self._organizations.popitem(last=False)
        for clients in (self._clients, self._trial):
            client = clients.get(ident)
            if client is not None:
                client.join_organization(organization)

    def _make(self, key: str) -> OctolensClient:
        from octolens_mcp.http.client import OctolensClient, RetryPolicy, connection_pool

        base_url, api_key, transport = self.settings.base_url, key, self._transport
        if self._upstream_factory is not None:
            # --demo: every key reaches the one in-process sandbox, with its demo key.
            if self._upstream is None:
                self._upstream = self._upstream_factory()
            base_url, api_key, transport = self._upstream
        if self._store is None:
            from octolens_mcp.http.shared import open_store

            # One store per process, for every key's client; --demo's sandbox lives in this process only.
            self._store = open_store(None if self._upstream_factory is not None else self.settings.redis_url)
        if self._http is None:
            # The base URL and transport are the same for every key: the settings', or --demo's sandbox.
            self._http = connection_pool(base_url, transport)
        return OctolensClient(
            store=self._store,
            base_url=base_url,
            api_key=api_key,
            http=self._http,
            retry=RetryPolicy(rate_limit_wait_cap=self.settings.rate_limit_wait_cap),
            cache_ttl=self.settings.cache_ttl,
            max_response_bytes=self.settings.max_response_bytes,
        )

    async def aclose(self) -> None:
        # The clients own nothing: the pool they share is closed here, once.
        self._clients.clear()
        self._trial.clear()
        http, self._http = self._http, None
        try:
            if http is not None:
                await http.aclose()
                logger.info("closed the HTTP client")
        finally:
            if self._store is not None:
                store, self._store = self._store, None
                await store.aclose()
