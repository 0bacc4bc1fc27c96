"""Both SDKs' OAuth clients signing in through two replicas that share one real Redis, behind a balancer.

The balancer (an HTTP proxy in the test's process, ``Balancer``) sends every request of a sign-in to a
replica chosen so that each step reads what the other replica wrote: registration and ``/authorize`` on A,
the consent page's requests alternating (GET on A, the key on B, Allow on A), the code exchanged on B, the
refresh on A, revocation on B, and ``/mcp`` requests alternating, so that tools are called on both. It notes
where each request went and what it was answered, and the tests assert that. A token revoked through one
replica is then refused by the other.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import anyio
import httpx2
import pytest
import uvicorn
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from starlette.types import Message, Receive, Scope, Send

from octolens_mcp.config import Settings
from tests.conftest import CANARY_KEY, SECRETS
from tests.http_harness import free_port, url
from tests.oauth_browser import Visit
from tests.redis_server import RedisServer
from tests.test_oauth import (
    REDIRECT,
    Memory,
    Upstream,
    mcp_status,
    oauth_settings,
    python_client,
    run_ts_driver,
    served,
)

pytestmark = pytest.mark.anyio

PINNED = {
    ("/register", ""): "A",
    ("/authorize", ""): "A",
    ("/token", "authorization_code"): "B",
    ("/token", "refresh_token"): "A",
    ("/revoke", ""): "B",
}
"""Where the balancer sends a request by its path (and a token request by its grant); others take turns."""
HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"upgrade", b"host", b"content-length"}


@dataclass
class Passage:
    """One request through the balancer: the replica it went to, what it was, and the status answered."""

    replica: str
    method: str
    path: str
    what: str
    """A token request's grant type, an MCP request's JSON-RPC method; empty otherwise."""
    status: int


class Balancer:
    """An HTTP load balancer for two replicas (ASGI): each request to the replica ``PINNED`` names, else in turn."""

    def __init__(self, ports: dict[str, int]) -> None:
        self._ports = ports
        self._turns: dict[str, Iterator[str]] = {}
        self._http = httpx2.AsyncClient(timeout=30)
        self.passages: list[Passage] = []

    def replica(self, path: str, what: str) -> str:
        pinned = PINNED.get((path, what))
        if pinned is not None:
            return pinned
        return next(self._turns.setdefault(path, itertools.cycle(sorted(self._ports))))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        path, method = scope["path"], scope["method"]
        what = _what(path, method, body)
        replica = self.replica(path, what)
        target = f"http://127.0.0.1:{self._ports[replica]}{scope['raw_path'].decode()}"
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode()
        headers = [(name, value) for name, value in scope["headers"] if name.lower() not in HOP_BY_HOP]
        request = self._http.build_request(method, target, headers=headers, content=body)
        response = await self._http.send(request, stream=True)
        self.passages.append(Passage(replica, method, path, what, response.status_code))
        try:
            raw = [(name, value) for name, value in response.headers.raw if name.lower() not in HOP_BY_HOP]
            start: Message = {"type": "http.response.start", "status": response.status_code, "headers": raw}
            await send(start)
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()

    def went(self, path: str, what: str = "") -> list[tuple[str, int]]:
        """Where each request to ``path`` (of kind ``what``) went, and its status."""
        return [(p.replica, p.status) for p in self.passages if p.path == path and p.what == what]

    async def aclose(self) -> None:
        await self._http.aclose()


def _what(path: str, method: str, body: bytes) -> str:
    if path == "/token":
        return dict(parse_qsl(body.decode("latin-1"))).get("grant_type", "")
    if path == "/mcp" and method == "POST":
        try:
            request = json.loads(body)
        except ValueError:
            return ""
        return str(request.get("method", "")) if isinstance(request, dict) else ""
    return ""


@dataclass
class Replicas:
    front: Settings
    """The balancer's address (what clients are given), as settings for ``url``."""
    a: Settings
    b: Settings
    balancer: Balancer
    upstream: Upstream


@asynccontextmanager
async def replicas(redis: RedisServer, tmp_path: Path) -> AsyncIterator[Replicas]:
    """Replicas A and B sharing ``redis``, both named by the balancer's public URL, and the balancer before them."""
    front_port = free_port()
    public_url = f"http://127.0.0.1:{front_port}"
    a = replace(oauth_settings(tmp_path / "a"), public_url=public_url, redis_url=redis.url)
    b = replace(oauth_settings(tmp_path / "b"), public_url=public_url, redis_url=redis.url)
    balancer = Balancer({"A": a.port, "B": b.port})
    config = uvicorn.Config(balancer, host="127.0.0.1", port=front_port, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    upstream = Upstream()
    async with served(a, upstream), served(b, upstream), anyio.create_task_group() as group:
        group.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
                await anyio.sleep(0.02)
        try:
            yield Replicas(replace(a, port=front_port), a, b, balancer, upstream)
        finally:
            server.should_exit = True
            await balancer.aclose()


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def assert_spread(balancer: Balancer, *, refreshed: bool) -> None:
    """Each step of the sign-in went where ``PINNED`` says, and tools were called on both replicas."""
    assert balancer.went("/register") == [("A", 201)]
    assert balancer.went("/authorize") == [("A", 302)]
    assert [replica for replica, _ in balancer.went("/oauth/consent")] == ["A", "B", "A"]
    assert [status for _, status in balancer.went("/oauth/consent")] == [200, 200, 303]
    assert balancer.went("/token", "authorization_code") == [("B", 200)]
    assert balancer.went("/token", "refresh_token") == ([("A", 200)] if refreshed else [])
    called = {replica for replica, status in balancer.went("/mcp", "tools/call") if status == 200}
    assert called == {"A", "B"}, balancer.passages


async def revoked_everywhere(setup: Replicas, client_id: str, tokens: dict[str, Any]) -> None:
    """``tokens`` revoked through replica A, then refused by B (and by A)."""
    async with httpx2.AsyncClient(timeout=30) as http:
        revoked = await http.post(
            url(setup.a, "/revoke"), data={"client_id": client_id, "token": tokens["access_token"]}
        )
        assert revoked.status_code == 200
        for replica in (setup.b, setup.a):
            refused = await mcp_status(replica, tokens["access_token"])
            assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["www-authenticate"]
        form = {"client_id": client_id, "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        again = await http.post(url(setup.b, "/token"), data=form)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # Octolens saw the key typed on the consent page, and never a token of this server's.
    assert setup.upstream.sent == {f"Bearer {CANARY_KEY}"}


async def calls_through(front: Settings, auth: OAuthClientProvider) -> list[str]:
    """A session through the balancer: tools listed, then ``get_org`` twice (on each replica, in turn)."""
    async with (
        httpx2.AsyncClient(auth=auth, timeout=30) as http,
        streamable_http_client(url(front), http_client=http, terminate_on_close=False) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        assert "get_org" in [tool.name for tool in (await session.list_tools()).tools]
        names = []
        for _ in range(2):
            result = await session.call_tool("get_org", {})
            assert not result.is_error, result.content
            assert not any(secret in result.model_dump_json() for secret in SECRETS)
            assert result.structured_content is not None
            names.append(str(result.structured_content["name"]))
        return names


async def test_the_python_sdk_client_signs_in_across_two_replicas(redis: RedisServer, tmp_path: Path) -> None:
    with anyio.fail_after(30):
        async with replicas(redis, tmp_path) as setup:
            storage, visits = Memory(), list[Visit]()
            auth = python_client(setup.front, CANARY_KEY, storage, visits)
            assert await calls_through(setup.front, auth) == ["Beta Workspace"] * 2
            assert len(visits) == 1 and storage.tokens is not None and storage.client is not None
            assert_spread(setup.balancer, refreshed=False)
            # The client takes its access token for expired: it refreshes (on A), and calls on both again.
            first = storage.tokens
            auth.context.token_expiry_time = time.time() - 1
            assert await calls_through(setup.front, auth) == ["Beta Workspace"] * 2
            assert len(visits) == 1 and storage.tokens.access_token != first.access_token
            assert_spread(setup.balancer, refreshed=True)
            tokens = storage.tokens.model_dump()
            await revoked_everywhere(setup, str(storage.client.client_id), tokens)


async def test_the_typescript_sdk_client_signs_in_across_two_replicas(redis: RedisServer, tmp_path: Path) -> None:
    with anyio.fail_after(30):
        async with replicas(redis, tmp_path) as setup:
            calls = [["get_org", {}], ["get_org", {}]]
            scenario = {"url": url(setup.front), "key": CANARY_KEY, "redirectUrl": REDIRECT, "calls": calls}
            document = await anyio.to_thread.run_sync(run_ts_driver, scenario, 25)
            assert [result["structuredContent"]["name"] for result in document["results"]] == ["Beta Workspace"] * 2
            assert document["afterRefresh"]["structuredContent"]["name"] == "Beta Workspace"
            assert document["refreshed"]["access_token"] != document["tokens"]["access_token"]
            assert_spread(setup.balancer, refreshed=True)
            await revoked_everywhere(setup, document["client"]["client_id"], document["refreshed"])
