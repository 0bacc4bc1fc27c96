"""Signing in with OAuth (the MCP authorization spec): the team server as its own authorization server.

Both SDKs' own OAuth clients discover, register, pass the consent page (posted as a browser would) and call
tools with the token; the same flow by hand checks each refusal: a wrong key issues no code, a code works
once, refresh tokens rotate and a reused one is refused, revocation ends the grant, tokens expire, and a
token for another resource is refused. Then two replicas share one Redis, and the stores hold no key. Every
OAuth endpoint is rate limited per address before any work (the consent page's key checks much more tightly),
and answers 503 while a real Redis is stopped. (Both SDKs' clients across two replicas: test_oauth_replicas.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import shutil
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from octolens_mcp.config import ConfigError, Settings, check
from octolens_mcp.oauth.cimd import ClientDocuments, DocumentRefused
from octolens_mcp.oauth.store import FILE_NAME, REDIS_PREFIX
from octolens_sandbox import FaultySandbox
from tests.conftest import CANARY_KEY, READ_KEY, SECRETS
from tests.http_harness import KeyedUpstream, http_settings, running, url
from tests.oauth_browser import Visit, read_form, sign_in
from tests.redis_server import RedisServer

pytestmark = pytest.mark.anyio

SECRET = "test-oauth-secret-" + "x" * 32
REDIRECT = "http://localhost:53682/callback"
REPO = Path(__file__).resolve().parents[1]
TS_DRIVER = REPO / "tests" / "ts" / "drive_oauth.mjs"
CLIENT_LOGGERS = ("httpcore2", "httpx2", "mcp.client")


class Upstream(KeyedUpstream):
    """Workspace A (a read key) and B (an admin key, "Beta Workspace"), noting every credential sent to them."""

    def __init__(self) -> None:
        alpha = FaultySandbox(keys={READ_KEY: "read"})
        beta = FaultySandbox(keys={CANARY_KEY: "admin"}, seed_value=11)
        assert beta.org is not None
        beta.org["name"] = "Beta Workspace"
        super().__init__({READ_KEY: alpha, CANARY_KEY: beta})
        self.sent: set[str] = set()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.sent.add(request.headers.get("authorization", ""))
        return await super().handle_async_request(request)


def oauth_settings(directory: Path, **overrides: Any) -> Settings:
    settings = http_settings(oauth_secret=SECRET, oauth_dir=str(directory))
    return replace(settings, public_url=f"http://127.0.0.1:{settings.port}", **overrides)


@asynccontextmanager
async def served(settings: Settings, upstream: Upstream | None = None) -> AsyncIterator[Settings]:
    async with running(check(settings), upstream or Upstream()):
        yield settings


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Settings]:
    async with served(oauth_settings(tmp_path)) as settings:
        yield settings


def challenge(settings: Settings) -> str:
    return f'resource_metadata="{url(settings, "/.well-known/oauth-protected-resource/mcp")}"'


# --- by hand: registration, consent, code, tokens ---------------------------------------------------------------


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


async def register(http: httpx2.AsyncClient, settings: Settings, **metadata: Any) -> dict[str, Any]:
    body = {"redirect_uris": [REDIRECT], "client_name": "Test <Client>", "token_endpoint_auth_method": "none"}
    answer = await http.post(url(settings, "/register"), json={**body, **metadata})
    assert answer.status_code == 201, answer.text
    registered: dict[str, Any] = answer.json()
    return registered


def authorization_url(settings: Settings, client_id: str, challenge: str, **extra: str) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "st-123",
        "resource": f"{settings.public_url}/mcp",
        **extra,
    }
    return url(settings, "/authorize") + "?" + urlencode(query)


class Flow:
    """One client signing in by hand: registered, its PKCE pair, and what it got."""

    def __init__(self, http: httpx2.AsyncClient, settings: Settings, client: dict[str, Any]) -> None:
        self.http = http
        self.settings = settings
        self.client = client
        self.verifier, self.challenge = pkce()

    @classmethod
    async def start(cls, http: httpx2.AsyncClient, settings: Settings) -> Flow:
        return cls(http, settings, await register(http, settings))

    async def consent(self, key: str = READ_KEY, **options: Any) -> Visit:
        async with httpx2.AsyncClient(timeout=30) as browser:
            return await sign_in(
                browser, authorization_url(self.settings, self.client["client_id"], self.challenge), key, **options
            )

    async def token(self, **form: str) -> httpx2.Response:
        data = {"client_id": self.client["client_id"], **form}
        return await self.http.post(url(self.settings, "/token"), data=data)

    async def exchange(self, code: str, **extra: str) -> httpx2.Response:
        return await self.token(
            grant_type="authorization_code",
            code=code,
            redirect_uri=REDIRECT,
            code_verifier=self.verifier,
            resource=f"{self.settings.public_url}/mcp",
            **extra,
        )

    async def tokens(self, key: str = READ_KEY) -> dict[str, Any]:
        visit = await self.consent(key)
        answer = await self.exchange(visit.params["code"])
        assert answer.status_code == 200, answer.text
        tokens: dict[str, Any] = answer.json()
        return tokens

    async def refresh(self, refresh_token: str) -> httpx2.Response:
        resource = f"{self.settings.public_url}/mcp"
        return await self.token(grant_type="refresh_token", refresh_token=refresh_token, resource=resource)

    async def revoke(self, token: str) -> httpx2.Response:
        return await self.http.post(
            url(self.settings, "/revoke"), data={"client_id": self.client["client_id"], "token": token}
        )


async def org_name(settings: Settings, token: str) -> str:
    """The workspace ``get_org`` answers for a request with ``token``."""
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        streamable_http_client(url(settings), http_client=http, terminate_on_close=False) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        result = await session.call_tool("get_org", {})
        dumped = result.model_dump_json()
        assert not any(secret in dumped for secret in SECRETS)
        assert not result.is_error, result.content
        assert result.structured_content is not None
        name: str = result.structured_content["name"]
        return name


async def mcp_status(settings: Settings, token: str | None) -> httpx2.Response:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    async with httpx2.AsyncClient(timeout=30) as http:
        return await http.post(url(settings), json=body, headers=headers)


# --- discovery -----------------------------------------------------------------------------------------------


async def test_discovery_documents_and_every_401_point_to_the_resource_metadata(server: Settings) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
            about = (await http.get(url(server, path))).json()
            assert about["resource"] == url(server)
            assert about["authorization_servers"] == [url(server, "")]
        meta = (await http.get(url(server, "/.well-known/oauth-authorization-server"))).json()
    assert meta["issuer"] == url(server, "")
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["client_id_metadata_document_supported"] is True
    assert meta["registration_endpoint"] == url(server, "/register")
    assert meta["revocation_endpoint"] == url(server, "/revoke")
    assert meta["authorization_endpoint"] == url(server, "/authorize")
    for token in (None, "olmcp_at_forged", "x" * 600):
        answer = await mcp_status(server, token)
        assert answer.status_code == 401
        assert challenge(server) in answer.headers["www-authenticate"]
        assert answer.headers["www-authenticate"].startswith("Bearer ")


# --- the SDKs' own clients ------------------------------------------------------------------------------------


class Memory:
    """The Python client's token storage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def python_client(
    settings: Settings, key: str, storage: Memory, visits: list[Visit], document_url: str | None = None
) -> OAuthClientProvider:
    async def redirect(authorization_url: str) -> None:
        async with httpx2.AsyncClient(timeout=30) as browser:
            visits.append(await sign_in(browser, authorization_url, key))

    async def callback() -> AuthorizationCodeResult:
        params = visits[-1].params
        return AuthorizationCodeResult(code=params["code"], state=params.get("state"), iss=params.get("iss"))

    metadata = OAuthClientMetadata.model_validate(
        {"redirect_uris": [REDIRECT], "client_name": "pytest client", "token_endpoint_auth_method": "none"}
    )
    return OAuthClientProvider(url(settings), metadata, storage, redirect, callback, client_metadata_url=document_url)


async def python_sdk_org(settings: Settings, auth: OAuthClientProvider) -> tuple[str, list[str]]:
    async with (
        httpx2.AsyncClient(auth=auth, timeout=30) as http,
        streamable_http_client(url(settings), http_client=http, terminate_on_close=False) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        tools = [tool.name for tool in (await session.list_tools()).tools]
        result = await session.call_tool("get_org", {})
        assert not result.is_error, result.content
        assert result.structured_content is not None
        assert not any(secret in result.model_dump_json() for secret in SECRETS)
        return str(result.structured_content["name"]), tools


async def test_the_python_sdk_client_signs_in_and_calls_tools(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    upstream = Upstream()
    async with served(oauth_settings(tmp_path), upstream) as server:
        await python_sdk_signs_in(server)
    # The key never travels to the client, and the server's tokens never travel to Octolens.
    assert upstream.sent == {f"Bearer {CANARY_KEY}"}
    assert CANARY_KEY not in caplog.text
    # The test's own HTTP clients trace the redirects they receive (httpcore2); the server logs no credential.
    server_log = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(CLIENT_LOGGERS))
    assert any(r.name.startswith(("octolens_mcp", "mcp.server")) for r in caplog.records), "the server's log is read"
    for prefix in ("olmcp_at_", "olmcp_rt_", "olmcp_ac_"):
        assert prefix not in server_log


async def python_sdk_signs_in(server: Settings) -> None:
    storage, visits = Memory(), list[Visit]()
    name, tools = await python_sdk_org(server, python_client(server, CANARY_KEY, storage, visits))
    assert name == "Beta Workspace"  # the key typed on the consent page is the one the calls run with
    assert "get_org" in tools and "list_mentions" in tools
    assert len(visits) == 1
    approval = visits[0].pages[-2].text  # the second page: workspace and scope, before Allow
    assert "Beta Workspace" in approval and "admin" in approval
    assert storage.tokens is not None and storage.tokens.access_token.startswith("olmcp_at_")
    assert storage.client is not None and storage.client.client_id
    for page in visits[0].pages:
        assert CANARY_KEY not in page.text
    # A second connection reuses the stored token: no new consent.
    name, _ = await python_sdk_org(server, python_client(server, CANARY_KEY, storage, visits))
    assert name == "Beta Workspace" and len(visits) == 1


async def test_the_python_sdk_client_refreshes_an_expired_token(tmp_path: Path) -> None:
    async with served(oauth_settings(tmp_path, oauth_token_ttl=1)) as settings:
        storage, visits = Memory(), list[Visit]()
        auth = python_client(settings, READ_KEY, storage, visits)
        await python_sdk_org(settings, auth)
        assert storage.tokens is not None
        first = storage.tokens
        await anyio.sleep(1.5)
        assert (await mcp_status(settings, first.access_token)).status_code == 401  # expired
        name, _ = await python_sdk_org(settings, auth)
        assert name != "Beta Workspace" and len(visits) == 1  # refreshed, not signed in again
        assert storage.tokens.access_token != first.access_token
        assert storage.tokens.refresh_token != first.refresh_token


def run_ts_driver(scenario: dict[str, Any], timeout: float = 90) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: install Node.js 20+ to run the TypeScript client tests")
    done = subprocess.run(
        [node, str(TS_DRIVER)], input=json.dumps(scenario), cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    document: dict[str, Any] = json.loads(done.stdout)
    return document


async def test_the_typescript_sdk_client_signs_in_and_calls_tools(server: Settings) -> None:
    scenario = {"url": url(server), "key": CANARY_KEY, "redirectUrl": REDIRECT, "calls": [["get_org", {}]]}
    document = await anyio.to_thread.run_sync(run_ts_driver, scenario)
    assert document["discovery"]["resource"] == url(server)
    assert document["client"]["client_id"]
    assert document["tokens"]["access_token"].startswith("olmcp_at_")
    assert document["tokens"]["refresh_token"].startswith("olmcp_rt_")
    assert "Beta Workspace" in document["approvalPage"] and "admin" in document["approvalPage"]
    assert "get_org" in document["tools"]
    assert document["results"][0]["structuredContent"]["name"] == "Beta Workspace"
    assert document["refreshed"]["access_token"] != document["tokens"]["access_token"]
    assert document["refreshed"]["refresh_token"] != document["tokens"]["refresh_token"]
    assert document["afterRefresh"]["structuredContent"]["name"] == "Beta Workspace"
    assert not any(secret in json.dumps(document["results"]) for secret in SECRETS)


# --- each refusal, by hand ------------------------------------------------------------------------------------


async def test_a_wrong_key_on_the_consent_page_issues_no_code(server: Settings) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        flow = await Flow.start(http, server)
        visit = await flow.consent("ak_live_not_a_key_at_all")
        assert visit.location is None
        refused = visit.pages[-1]
        assert refused.status_code == 400 and "did not accept" in refused.text
        assert "approve" not in read_form(refused.text).buttons
        assert "ak_live_not_a_key_at_all" not in refused.text  # never echoed
        # Approving anyway, with the form's own CSRF token, still issues nothing.
        async with httpx2.AsyncClient(timeout=30) as browser:
            page = await browser.get(
                authorization_url(server, flow.client["client_id"], flow.challenge), follow_redirects=True
            )
            form = read_form(page.text)
            answer = await browser.post(url(server, "/oauth/consent"), data={**form.fields, "action": "approve"})
        assert answer.status_code == 403 and "location" not in answer.headers
        # A refused key, then the right one: a code.
        visit = await flow.consent(READ_KEY, keys=("ak_live_wrong",))
        assert visit.pages[1].status_code == 400 and "code" in visit.params


async def test_a_code_works_once_and_its_replay_revokes_what_it_gave(server: Settings) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        flow = await Flow.start(http, server)
        visit = await flow.consent()
        assert visit.params["state"] == "st-123" and visit.params["iss"] == url(server, "")
        first = await flow.exchange(visit.params["code"])
        assert first.status_code == 200
        tokens = first.json()
        assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
        assert await org_name(server, tokens["access_token"]) != "Beta Workspace"
        replayed = await flow.exchange(visit.params["code"])
        assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"
        assert (await mcp_status(server, tokens["access_token"])).status_code == 401
        assert (await flow.refresh(tokens["refresh_token"])).json()["error"] == "invalid_grant"


async def test_pkce_is_checked_and_only_s256_is_taken(server: Settings) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        flow = await Flow.start(http, server)
        visit = await flow.consent()
        flow.verifier = "not-the-verifier-" + "v" * 40
        wrong = await flow.exchange(visit.params["code"])
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        plain = authorization_url(server, flow.client["client_id"], "abc", code_challenge_method="plain")
        answer = await http.get(plain)
        assert "code=" not in answer.headers.get("location", "") and answer.status_code in (302, 400)


async def test_refresh_tokens_rotate_and_a_reused_one_ends_the_sign_in(server: Settings) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        flow = await Flow.start(http, server)
        tokens = await flow.tokens()
        answer = await flow.refresh(tokens["refresh_token"])
        assert answer.status_code == 200, answer.text
        rotated = answer.json()
        assert rotated["refresh_token"] != tokens["refresh_token"]
        assert rotated["access_token"] != tokens["access_token"]
        assert await org_name(server, rotated["access_token"])
        reused = await flow.refresh(tokens["refresh_token"])
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
        # The reuse means a copy is elsewhere: the whole grant ends, the rotated tokens too.
        assert (await mcp_status(server, rotated["access_token"])).status_code == 401
        assert (await flow.refresh(rotated["refresh_token"])).status_code == 400


async def test_revocation_ends_access_and_refresh_tokens(server: Settings) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        flow = await Flow.start(http, server)
        tokens = await flow.tokens()
        assert (await flow.revoke(tokens["access_token"])).status_code == 200
        assert (await mcp_status(server, tokens["access_token"])).status_code == 401
        assert (await flow.refresh(tokens["refresh_token"])).json()["error"] == "invalid_grant"
        again = await flow.tokens()
        assert (await flow.revoke(again["refresh_token"])).status_code == 200
        assert (await mcp_status(server, again["access_token"])).status_code == 401
        assert (await flow.revoke("olmcp_at_unknown")).status_code == 200  # RFC 7009: unknown is fine


async def test_an_expired_access_token_is_refused(tmp_path: Path) -> None:
    async with served(oauth_settings(tmp_path, oauth_token_ttl=1)) as settings, httpx2.AsyncClient(timeout=30) as http:
        flow = await Flow.start(http, settings)
        tokens = await flow.tokens()
        assert tokens["expires_in"] == 1
        assert (await mcp_status(settings, tokens["access_token"])).status_code == 200
        await anyio.sleep(1.5)
        expired = await mcp_status(settings, tokens["access_token"])
        assert expired.status_code == 401
        assert 'error="invalid_token"' in expired.headers["www-authenticate"]
        assert challenge(settings) in expired.headers["www-authenticate"]


async def test_a_token_for_another_resource_is_refused(server: Settings) -> None:
    other = "https://other.example/mcp"
    async with httpx2.AsyncClient(timeout=30) as http:
        flow = await Flow.start(http, server)
        # Asking /authorize for another resource: sent back with invalid_target, no consent page.
        answer = await http.get(authorization_url(server, flow.client["client_id"], flow.challenge, resource=other))
        assert answer.status_code == 302 and "error=invalid_target" in answer.headers["location"]
        # Asking /token for another resource: refused, and the code is still unused.
        visit = await flow.consent()
        refused = await flow.token(
            grant_type="authorization_code",
            code=visit.params["code"],
            redirect_uri=REDIRECT,
            code_verifier=flow.verifier,
            resource=other,
        )
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_target"
        tokens = (await flow.exchange(visit.params["code"])).json()
        assert (await flow.refresh(tokens["refresh_token"])).status_code == 200
        assert (await flow.token(grant_type="refresh_token", refresh_token="x", resource=other)).status_code == 400


async def test_a_token_issued_for_another_resource_is_refused(tmp_path: Path) -> None:
    # One store and secret, two public URLs: a token the first issued names the first's /mcp as its resource.
    first = oauth_settings(tmp_path)
    async with served(first), httpx2.AsyncClient(timeout=30) as http:
        tokens = await (await Flow.start(http, first)).tokens(CANARY_KEY)
        assert await org_name(first, tokens["access_token"]) == "Beta Workspace"
    second = oauth_settings(tmp_path)
    assert second.public_url != first.public_url
    async with served(second):
        refused = await mcp_status(second, tokens["access_token"])
        assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["www-authenticate"]
    async with served(replace(second, port=first.port, public_url=first.public_url)):
        assert await org_name(first, tokens["access_token"]) == "Beta Workspace"  # the same store did hold it


async def test_the_consent_page_is_framebusting_scriptless_escaped_and_csrf_protected(server: Settings) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        flow = await Flow.start(http, server)
        async with httpx2.AsyncClient(timeout=30) as browser:
            page = await browser.get(
                authorization_url(server, flow.client["client_id"], flow.challenge), follow_redirects=True
            )
            assert page.status_code == 200
            assert page.headers["x-frame-options"] == "DENY"
            policy = page.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy and "script" not in policy
            # Browsers check form-action on the redirect after Allow: the client's redirect origin is named.
            assert "form-action 'self' http://localhost:53682;" in policy
            assert "<script" not in page.text
            assert "Test &lt;Client&gt;" in page.text and "Test <Client>" not in page.text
            form = read_form(page.text)
            assert form.password == "api_key" and set(form.fields) == {"request", "csrf"}
            forged = {**form.fields, "csrf": "0" * 64, "api_key": READ_KEY, "action": "check"}
            assert (await browser.post(url(server, "/oauth/consent"), data=forged)).status_code == 403
            foreign = {**form.fields, "api_key": READ_KEY, "action": "check"}
            cross_site = await browser.post(
                url(server, "/oauth/consent"), data=foreign, headers={"Origin": "https://evil.example"}
            )
            assert cross_site.status_code == 403
            assert page.headers["referrer-policy"] == "same-origin"  # so the browser's posts name their origin
            # A browser that sends "Origin: null" (privacy settings) is judged by the CSRF token alone.
            private = {**form.fields, "api_key": READ_KEY, "action": "check"}
            shown = await browser.post(url(server, "/oauth/consent"), data=private, headers={"Origin": "null"})
            assert shown.status_code == 200 and "approve" in read_form(shown.text).buttons
        # Another browser (no cookie) posting this page's fields is refused.
        async with httpx2.AsyncClient(timeout=30) as other:
            stolen = await other.post(
                url(server, "/oauth/consent"), data={**form.fields, "api_key": READ_KEY, "action": "check"}
            )
            assert stolen.status_code == 403


async def test_redirect_uris_are_validated_exactly(server: Settings) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        flow = await Flow.start(http, server)
        for wrong in (REDIRECT + "/x", REDIRECT.replace("53682", "53683"), "https://evil.example/callback"):
            target = authorization_url(server, flow.client["client_id"], flow.challenge, redirect_uri=wrong)
            answer = await http.get(target)
            assert answer.status_code == 400 and "location" not in answer.headers


@pytest.mark.parametrize(
    ("redirect_uri", "taken"),
    [
        ("https://claude.ai/api/mcp/auth_callback", True),
        ("http://127.0.0.1:33418/", True),
        ("http://localhost:6274/oauth/callback", True),
        ("cursor://anysphere.cursor-retrieval/oauth/user-octolens/callback", True),
        ("http://evil.example/callback", False),
        ("javascript:alert(1)", False),
        ("https://app.example/callback#fragment", False),
    ],
)
async def test_registration_takes_only_redirect_uris_a_browser_can_safely_be_sent_to(
    server: Settings, redirect_uri: str, taken: bool
) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        answer = await http.post(url(server, "/register"), json={"redirect_uris": [redirect_uri]})
    assert answer.status_code == (201 if taken else 400), answer.text
    if not taken:
        assert answer.json()["error"] == "invalid_redirect_uri"


async def test_a_full_file_store_turns_new_clients_and_sign_ins_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("octolens_mcp.oauth.store.MAX_FILE_ENTRIES", 2)
    async with served(oauth_settings(tmp_path)) as settings, httpx2.AsyncClient(timeout=30) as http:
        flow = await Flow.start(http, settings)
        await register(http, settings)
        full = await http.post(url(settings, "/register"), json={"redirect_uris": [REDIRECT]})
        assert full.status_code == 400 and full.json()["error"] == "invalid_client_metadata"
        answer = await http.get(authorization_url(settings, flow.client["client_id"], flow.challenge))
        assert answer.status_code == 302 and "error=temporarily_unavailable" in answer.headers["location"]


async def test_any_scope_a_client_asks_for_is_taken_as_a_label(server: Settings) -> None:
    # What a token may do is what the key may do; a scope the client did not register is not an error.
    async with httpx2.AsyncClient(timeout=30) as http:
        flow = await Flow.start(http, server)
        answer = await http.get(authorization_url(server, flow.client["client_id"], flow.challenge, scope="claudeai"))
        assert answer.status_code == 302 and "/oauth/consent?request=" in answer.headers["location"]


@pytest.mark.parametrize(
    ("registered", "used", "taken"),
    [
        ("http://127.0.0.1:33418/callback", "http://127.0.0.1:50123/callback", True),
        ("http://[::1]:33418/callback", "http://[::1]:50123/callback", True),
        ("http://127.0.0.1:33418/callback", "http://127.0.0.1:50123/other", False),
        ("http://localhost:33418/callback", "http://localhost:50123/callback", False),
        ("https://app.example/callback", "https://app.example:8443/callback", False),
    ],
)
async def test_a_loopback_ip_redirect_may_use_any_port_and_nothing_else_varies(
    server: Settings, registered: str, used: str, taken: bool
) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        client = await register(http, server, redirect_uris=[registered])
        answer = await http.get(authorization_url(server, client["client_id"], pkce()[1], redirect_uri=used))
    if taken:
        assert answer.status_code == 302 and "/oauth/consent?request=" in answer.headers["location"]
    else:
        assert answer.status_code == 400 and "location" not in answer.headers


async def test_deny_sends_access_denied_and_issues_nothing(server: Settings) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        flow = await Flow.start(http, server)
        visit = await flow.consent(approve=False)
        assert visit.params["error"] == "access_denied" and "code" not in visit.params


async def test_plain_keys_work_unless_turned_off(tmp_path: Path) -> None:
    async with served(oauth_settings(tmp_path)) as settings:
        assert await org_name(settings, CANARY_KEY) == "Beta Workspace"
    async with served(oauth_settings(tmp_path, bearer_api_keys=False)) as settings:
        refused = await mcp_status(settings, CANARY_KEY)
        assert refused.status_code == 401 and challenge(settings) in refused.headers["www-authenticate"]
        async with httpx2.AsyncClient(timeout=30) as http:
            tokens = await (await Flow.start(http, settings)).tokens(CANARY_KEY)
        assert await org_name(settings, tokens["access_token"]) == "Beta Workspace"


# --- stores -----------------------------------------------------------------------------------------------------


async def test_the_file_store_is_private_and_holds_no_key_or_token(server: Settings) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        tokens = await (await Flow.start(http, server)).tokens(CANARY_KEY)
    assert server.oauth_dir is not None
    path = anyio.Path(server.oauth_dir) / FILE_NAME
    assert stat.S_IMODE((await path.stat()).st_mode) == 0o600
    assert stat.S_IMODE((await path.parent.stat()).st_mode) == 0o700
    text = await path.read_text()
    for secret in (CANARY_KEY, tokens["access_token"], tokens["refresh_token"], "Beta Workspace"):
        assert secret not in text


async def test_tokens_survive_a_restart_with_the_file_store(tmp_path: Path) -> None:
    settings = oauth_settings(tmp_path)
    async with served(settings), httpx2.AsyncClient(timeout=30) as http:
        tokens = await (await Flow.start(http, settings)).tokens(CANARY_KEY)
    async with served(settings):
        assert await org_name(settings, tokens["access_token"]) == "Beta Workspace"
    async with served(replace(settings, oauth_secret="another-secret-" + "y" * 32)):
        assert (await mcp_status(settings, tokens["access_token"])).status_code == 401


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


async def test_two_replicas_sharing_redis_honour_every_token(redis: RedisServer, tmp_path: Path) -> None:
    one = oauth_settings(tmp_path / "one", redis_url=redis.url)
    two = replace(oauth_settings(tmp_path / "two", redis_url=redis.url), public_url=one.public_url)
    async with served(one), served(two), httpx2.AsyncClient(timeout=30) as http:
        flow = await Flow.start(http, one)
        visit = await flow.consent(CANARY_KEY)
        flow.settings = two  # the load balancer sends the token request to the other replica
        tokens = (await flow.exchange(visit.params["code"])).json()
        assert await org_name(two, tokens["access_token"]) == "Beta Workspace"
        assert await org_name(one, tokens["access_token"]) == "Beta Workspace"
        flow.settings = one
        rotated = (await flow.refresh(tokens["refresh_token"])).json()
        flow.settings = two
        assert (await flow.refresh(tokens["refresh_token"])).json()["error"] == "invalid_grant"  # reused elsewhere
        assert (await mcp_status(one, rotated["access_token"])).status_code == 401
        flow.settings = one
        again = await flow.tokens(CANARY_KEY)
        flow.settings = two
        assert (await flow.revoke(again["access_token"])).status_code == 200
        assert (await mcp_status(one, again["access_token"])).status_code == 401
        stored = await redis_values(redis.url)
        assert any(name.startswith(REDIS_PREFIX + "client:") for name in stored)
        for secret in (CANARY_KEY, again["access_token"], again["refresh_token"]):
            assert not any(secret.encode() in value for value in stored.values())
        # Redis down: an OAuth token cannot be checked (503, try again); a plain key still works.
        redis.stop()
        unreachable = await mcp_status(one, again["refresh_token"].replace("_rt_", "_at_"))
        assert unreachable.status_code == 503 and unreachable.headers["retry-after"] == "5"
        assert await org_name(one, CANARY_KEY) == "Beta Workspace"
        redis.start()
    assert not (tmp_path / "one" / FILE_NAME).exists()


def as_text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def as_bytes(value: bytes | str | None) -> bytes:
    return value.encode() if isinstance(value, str) else value or b""


async def redis_values(redis_url: str) -> dict[str, bytes]:
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url, decode_responses=False)
    try:
        names = [as_text(name) for name in await client.keys(REDIS_PREFIX + "*")]
        return {name: as_bytes(await client.get(name)) for name in names}
    finally:
        await client.aclose()


# --- rate limits and an unreachable store -------------------------------------------------------------------


def stored_names(settings: Settings, kind: str) -> set[str]:
    """The names of the file store's records of one kind (their values are sealed)."""
    assert settings.oauth_dir is not None
    records: dict[str, Any] = json.loads((Path(settings.oauth_dir) / FILE_NAME).read_text())
    return {name for name in records if name.startswith(kind + ":")}


async def test_every_oauth_endpoint_is_rate_limited_per_address_before_any_work(tmp_path: Path) -> None:
    upstream = Upstream()
    settings = oauth_settings(tmp_path)
    async with httpx2.AsyncClient(timeout=30) as http, httpx2.AsyncClient(timeout=30) as browser:
        # Signed in, and a consent page open, on the server with its default limits.
        async with served(settings, upstream):
            flow = await Flow.start(http, settings)
            tokens = await flow.tokens(CANARY_KEY)
            page = await browser.get(authorization_url(settings, flow.client["client_id"], flow.challenge))
            consent_url = page.headers["location"]
            form = read_form((await browser.get(consent_url)).text)
        clients, sent = stored_names(settings, "client"), set(upstream.sent)
        # The same store behind a server allowing one request per address every 20 s: the first passes.
        async with served(replace(settings, oauth_rate_per_address=0.05), upstream):
            assert (await http.get(authorization_url(settings, flow.client["client_id"], flow.challenge))).is_redirect
            answers = {
                "register": await http.post(url(settings, "/register"), json={"redirect_uris": [REDIRECT]}),
                "authorize": await http.get(authorization_url(settings, flow.client["client_id"], flow.challenge)),
                "token": await flow.refresh(tokens["refresh_token"]),
                "revoke": await flow.revoke(tokens["access_token"]),
            }
            for name, answer in answers.items():
                assert answer.status_code == 429, (name, answer.text)
                assert 1 <= int(answer.headers["retry-after"]) <= 20
                assert answer.json()["error"] == "temporarily_unavailable"
            shown = await browser.get(consent_url)
            check = {**form.fields, "api_key": READ_KEY, "action": "check"}
            posted = await browser.post(url(settings, "/oauth/consent"), data=check)
            for answer in (shown, posted):
                assert answer.status_code == 429 and answer.headers["content-type"].startswith("text/html")
                assert "Too many sign-in requests" in answer.text and int(answer.headers["retry-after"]) >= 1
            # Nothing was done: no client registered, no key checked, and the tokens still work (below).
            assert stored_names(settings, "client") == clients and upstream.sent == sent
            # What does no work is not limited: preflights, the metadata, and /mcp (which has its own limits).
            preflight = await http.options(
                url(settings, "/token"),
                headers={"Origin": "http://localhost:6274", "Access-Control-Request-Method": "POST"},
            )
            assert preflight.status_code == 200
            assert (await http.get(url(settings, "/.well-known/oauth-authorization-server"))).status_code == 200
            assert await org_name(settings, tokens["access_token"]) == "Beta Workspace"
            metrics = (await http.get(url(settings, "/metrics"))).text
            assert 'octolens_http_refused_total{reason="oauth_rate"} 6' in metrics
        async with served(settings, upstream):
            assert (await flow.refresh(tokens["refresh_token"])).status_code == 200  # not spent while refused


async def test_the_oauth_limits_count_each_client_behind_a_trusted_proxy_and_an_ipv6_one_by_its_64(
    tmp_path: Path,
) -> None:
    async def register_from(settings: Settings, client: str) -> int:
        async with httpx2.AsyncClient(timeout=30) as http:
            answer = await http.post(
                url(settings, "/register"), json={"redirect_uris": [REDIRECT]}, headers={"X-Forwarded-For": client}
            )
            return answer.status_code

    # One request per address every 20 s.
    trusting = oauth_settings(tmp_path, oauth_rate_per_address=0.05, trusted_proxies=("127.0.0.1",))
    async with served(trusting):
        assert [await register_from(trusting, "198.51.100.1") for _ in range(2)] == [201, 429]
        assert await register_from(trusting, "198.51.100.2") == 201, "another client behind the proxy"
        assert await register_from(trusting, "2001:db8:0:1::1") == 201
        assert await register_from(trusting, "2001:db8:0:1::2") == 429, "the same /64"
        assert await register_from(trusting, "2001:db8:0:2::1") == 201, "another /64"
    distrusting = oauth_settings(tmp_path, oauth_rate_per_address=0.05)
    async with served(distrusting):
        assert await register_from(distrusting, "198.51.100.1") == 201
        assert await register_from(distrusting, "198.51.100.2") == 429, "a forged header changes nothing"


async def test_keys_are_checked_with_octolens_only_a_few_times_a_minute_per_address(tmp_path: Path) -> None:
    upstream = Upstream()
    async with (
        served(oauth_settings(tmp_path, oauth_key_checks_per_minute=2), upstream) as settings,
        httpx2.AsyncClient(timeout=30) as http,
    ):
        flow = await Flow.start(http, settings)
        visit = await flow.consent(READ_KEY, keys=("ak_live_wrong_1", "ak_live_wrong_2"))
        assert [page.status_code for page in visit.pages[1:]] == [400, 400, 429]
        refused = visit.pages[-1]
        assert 20 <= int(refused.headers["retry-after"]) <= 30
        assert "Too many keys were checked" in refused.text and READ_KEY not in refused.text
        assert read_form(refused.text).password == "api_key"  # the sign-in goes on: the form is asked again
        assert visit.location is None
    # The third key never reached Octolens.
    assert upstream.sent == {"Bearer ak_live_wrong_1", "Bearer ak_live_wrong_2"}


async def test_every_oauth_endpoint_answers_503_while_redis_is_down(
    redis: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport, _ = document_transport(GOOD_DOCUMENT)
    monkeypatch.setattr("octolens_mcp.oauth.ClientDocuments", lambda: ClientDocuments(transport, public))
    upstream = Upstream()
    settings = oauth_settings(tmp_path, redis_url=redis.url, oauth_rate_per_address=0)  # 0: this test is no flood
    async with (
        served(settings, upstream),
        httpx2.AsyncClient(timeout=30) as http,
        httpx2.AsyncClient(timeout=30) as browser,
    ):
        flow = await Flow.start(http, settings)
        tokens = await flow.tokens(CANARY_KEY)
        visit = await flow.consent(CANARY_KEY, approve=False)  # warms the document client's cache: below
        assert visit.params["error"] == "access_denied"
        page = await browser.get(authorization_url(settings, flow.client["client_id"], flow.challenge))
        consent_url = page.headers["location"]
        form = read_form((await browser.get(consent_url)).text)
        caplog.clear()
        caplog.set_level(logging.INFO)
        redis.stop()
        answers = {
            "register": await http.post(url(settings, "/register"), json={"redirect_uris": [REDIRECT]}),
            "authorize": await http.get(authorization_url(settings, flow.client["client_id"], flow.challenge)),
            "exchange": await flow.exchange("olmcp_ac_" + "c" * 43),
            "refresh": await flow.refresh(tokens["refresh_token"]),
            "revoke": await flow.revoke(tokens["access_token"]),
        }
        for name, answer in answers.items():
            assert answer.status_code == 503, (name, answer.text)
            assert answer.headers["retry-after"] == "5" and answer.headers["cache-control"] == "no-store"
            assert answer.json()["error"] == "temporarily_unavailable"
        shown = await browser.get(consent_url)
        posted = await browser.post(
            url(settings, "/oauth/consent"), data={**form.fields, "api_key": READ_KEY, "action": "check"}
        )
        for answer in (shown, posted):
            assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
            assert answer.headers["content-type"].startswith("text/html")
            assert "Sign-in is unavailable for a moment" in answer.text
        # A client known by its metadata document needs no store to be checked, so /authorize can send it back
        # with temporarily_unavailable (RFC 6749 §4.1.2.1: a 503 cannot travel on a redirect).
        document = await http.get(authorization_url(settings, DOCUMENT_URL, flow.challenge))
        assert document.status_code == 302
        assert document.headers["location"].startswith(REDIRECT + "?error=temporarily_unavailable")
        for answer in (*answers.values(), shown, posted, document):
            text = answer.text + json.dumps(dict(answer.headers))
            assert str(redis.port) not in text and "redis" not in text.lower()
        # One line each for the operator, naming the error's type: no traceback, no address.
        lines = [r for r in caplog.records if "OAuth store is unreachable" in r.getMessage()]
        assert len(lines) == 8, [r.getMessage() for r in caplog.records]
        assert not any(r.exc_info for r in caplog.records), [r.getMessage() for r in caplog.records if r.exc_info]
        assert str(redis.port) not in caplog.text and "Traceback" not in caplog.text
        assert CANARY_KEY not in caplog.text and READ_KEY not in caplog.text
        redis.start()
        # Back (an empty Redis): signing in works again.
        assert await org_name(settings, (await (await Flow.start(http, settings)).tokens(CANARY_KEY))["access_token"])
    assert f"Bearer {READ_KEY}" not in upstream.sent  # the consent post checked no key while the store was down


# --- settings ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"oauth_secret": SECRET}, "OCTOLENS_PUBLIC_URL"),
        ({"oauth_secret": "short"}, "at least 32"),
        ({"oauth_secret": SECRET, "public_url": "https://mcp.example.com/team"}, "no path"),
        ({"oauth_secret": SECRET, "public_url": "http://mcp.example.com"}, "https"),
        ({"bearer_api_keys": False}, "OCTOLENS_OAUTH_SECRET"),
    ],
)
def test_oauth_settings_that_cannot_work_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check(Settings(transport="http", **overrides))


def test_oauth_on_with_a_public_url_is_accepted() -> None:
    settings = check(Settings(transport="http", oauth_secret=SECRET, public_url="https://mcp.example.com/"))
    assert SECRET not in repr(settings)


def start(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCTOLENS_")}
    env |= {"OCTOLENS_OAUTH_SECRET": SECRET, "OCTOLENS_TRANSPORT": "http", "OCTOLENS_PORT": "1", **variables}
    command = [sys.executable, "-m", "octolens_mcp"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)


def test_the_server_refuses_to_start_with_oauth_and_no_public_url(tmp_path: Path) -> None:
    done = start(tmp_path)
    assert done.returncode == 2 and "OCTOLENS_PUBLIC_URL" in done.stderr and SECRET not in done.stderr


def test_the_server_refuses_to_start_with_an_oauth_directory_it_cannot_use(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a directory")
    done = start(tmp_path, OCTOLENS_PUBLIC_URL="http://127.0.0.1:1", OCTOLENS_OAUTH_DIR=str(tmp_path / "taken"))
    assert done.returncode == 2 and "OCTOLENS_OAUTH_DIR" in done.stderr and "Traceback" not in done.stderr


# --- client ID metadata documents -------------------------------------------------------------------------------

DOCUMENT_URL = "https://client.example/oauth/client.json"


def document_transport(document: Any, *, status: int = 200, size: int = 0) -> tuple[httpx2.MockTransport, list[str]]:
    fetched: list[str] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        # Fetched from the address that was checked, for the name in the URL (Host and TLS SNI).
        assert request.url.host == "93.184.215.14" and request.extensions["sni_hostname"] == "client.example"
        fetched.append(str(request.url.copy_with(host=request.headers["host"])))
        body = json.dumps(document).encode() + b" " * size
        return httpx2.Response(status, content=body, headers={"Content-Type": "application/json"})

    return httpx2.MockTransport(answer), fetched


async def public(_host: str, _port: int) -> list[str]:
    return ["93.184.215.14"]


async def private(_host: str, _port: int) -> list[str]:
    return ["93.184.215.14", "10.0.0.7"]


GOOD_DOCUMENT = {"client_id": DOCUMENT_URL, "client_name": "Doc Client", "redirect_uris": [REDIRECT]}


async def test_a_client_metadata_document_is_fetched_once_and_kept() -> None:
    transport, fetched = document_transport(GOOD_DOCUMENT)
    documents = ClientDocuments(transport, public)
    client = await documents.client(DOCUMENT_URL)
    assert client is not None and client.client_name == "Doc Client"
    assert [str(uri) for uri in client.redirect_uris or []] == [REDIRECT]
    assert client.token_endpoint_auth_method == "none"
    assert await documents.client(DOCUMENT_URL) is client
    assert fetched == [DOCUMENT_URL]


@pytest.mark.parametrize(
    ("client_id", "document", "resolver", "size", "status", "reason"),
    [
        ("http://client.example/oauth/client.json", GOOD_DOCUMENT, public, 0, 200, "https"),
        (DOCUMENT_URL, GOOD_DOCUMENT, private, 0, 200, "not public"),
        (DOCUMENT_URL, GOOD_DOCUMENT, public, 70_000, 200, "larger"),
        (DOCUMENT_URL, {**GOOD_DOCUMENT, "client_id": "https://else.example/c.json"}, public, 0, 200, "client_id"),
        (DOCUMENT_URL, {**GOOD_DOCUMENT, "redirect_uris": []}, public, 0, 200, "redirect_uris"),
        (DOCUMENT_URL, {**GOOD_DOCUMENT, "redirect_uris": ["http://evil.example/cb"]}, public, 0, 200, "loopback"),
        (DOCUMENT_URL, {**GOOD_DOCUMENT, "token_endpoint_auth_method": "client_secret_post"}, public, 0, 200, "public"),
        (DOCUMENT_URL, GOOD_DOCUMENT, public, 0, 302, "302"),
        ("https://user:pw@client.example/c.json", GOOD_DOCUMENT, public, 0, 200, "user info"),
    ],
)
async def test_a_client_metadata_document_is_fetched_only_within_limits(
    client_id: str, document: Any, resolver: Any, size: int, status: int, reason: str
) -> None:
    transport, _ = document_transport(document, status=status, size=size)
    with pytest.raises(DocumentRefused, match=reason):
        await ClientDocuments(transport, resolver).fetch(client_id)


async def test_loopback_and_private_names_are_refused_by_the_real_resolver() -> None:
    transport, fetched = document_transport(GOOD_DOCUMENT)
    with pytest.raises(DocumentRefused, match="not public"):
        await ClientDocuments(transport).fetch("https://localhost/oauth/client.json")
    assert fetched == []


async def test_the_python_sdk_client_signs_in_with_a_client_metadata_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport, fetched = document_transport(GOOD_DOCUMENT)
    monkeypatch.setattr("octolens_mcp.oauth.ClientDocuments", lambda: ClientDocuments(transport, public))
    async with served(oauth_settings(tmp_path)) as settings:
        storage, visits = Memory(), list[Visit]()
        auth = python_client(settings, CANARY_KEY, storage, visits, DOCUMENT_URL)
        name, _ = await python_sdk_org(settings, auth)
    assert name == "Beta Workspace"
    assert storage.client is not None and storage.client.client_id == DOCUMENT_URL  # no registration
    assert "Doc Client" in visits[0].pages[0].text and "client.example" in visits[0].pages[0].text
    assert fetched == [DOCUMENT_URL]
