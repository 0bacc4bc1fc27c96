"""One connection pool per backend: every key's client sends on it, each request with its own key.

The upstream is ``KeyedUpstream`` (the request's Bearer key picks its sandbox workspace, and a wrong
key gets a 401), wrapped to note the key each request brought, hold a key's requests at a gate, and
count how often it was closed: the pool closes its transport exactly once, however many keys' clients
sent on it (a client per key would close it once per key).
"""

from __future__ import annotations

import gc
import time
import weakref
from collections import Counter

import anyio
import httpx2
import pytest

from octolens_mcp.http.client import OctolensClient, connection_pool
from octolens_mcp.http.errors import OctolensError
from octolens_mcp.http.wire import ApiResponse, WireRequest
from octolens_mcp.mcp import backend as backend_module
from octolens_mcp.mcp.backend import Backend
from octolens_sandbox import SANDBOX_BASE_URL, Fault, FaultySandbox, Sandbox
from tests.conftest import CANARY_KEY, READ_KEY, settings
from tests.http_harness import KeyedUpstream

pytestmark = pytest.mark.anyio

ORG = WireRequest("GET", "/org")
POOL_LOG = "closed the HTTP client"


class WatchedUpstream(KeyedUpstream):
    """``KeyedUpstream`` noting each request's Authorization and Cookie, which keys overlapped, and its closes.

    A request whose Authorization has an event in ``gates`` waits for it before it is answered.
    """

    def __init__(self, workspaces: dict[str, Sandbox], *, set_cookie: bool = False) -> None:
        super().__init__(workspaces)
        self.seen: list[tuple[str, str | None]] = []
        self.in_flight: Counter[str] = Counter()
        self.overlapped: set[frozenset[str]] = set()
        self.closed = 0
        self.gates: dict[str, anyio.Event] = {}
        self._set_cookie = set_cookie

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        authorization = request.headers.get("authorization", "")
        self.seen.append((authorization, request.headers.get("cookie")))
        self.in_flight[authorization] += 1
        busy = {key for key, count in self.in_flight.items() if count}
        if len(busy) > 1:
            self.overlapped.add(frozenset(busy))
        try:
            if authorization in self.gates:
                await self.gates[authorization].wait()
            response = await super().handle_async_request(request)
        finally:
            self.in_flight[authorization] -= 1
        if self._set_cookie:
            response.headers["Set-Cookie"] = f"sticky={len(self.seen)}; Path=/"
        return response

    async def aclose(self) -> None:
        self.closed += 1
        await super().aclose()

    def keys(self) -> list[str]:
        return [authorization for authorization, _ in self.seen]


def workspace(name: str, *keys: str) -> FaultySandbox:
    """A workspace its keys read with, told apart by its organization's name."""
    sandbox = FaultySandbox(keys=dict.fromkeys(keys, "read"))
    assert sandbox.org is not None
    sandbox.org["name"] = name
    return sandbox


async def org(api: OctolensClient, *, within: float = 10.0) -> ApiResponse:
    return await api.send(ORG, write=False, deadline=time.monotonic() + within)


def closes_logged(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for record in caplog.records if record.getMessage() == POOL_LOG)


async def test_two_keys_interleave_on_one_pool_each_with_its_own_key(caplog: pytest.LogCaptureFixture) -> None:
    alpha, beta = workspace("Alpha", READ_KEY), workspace("Beta", CANARY_KEY)
    for sandbox in (alpha, beta):
        sandbox.faults.append(Fault("latency", "GET /org", times=3, seconds=0.1))
    upstream = WatchedUpstream({READ_KEY: alpha, CANARY_KEY: beta})
    backend = Backend(settings(), transport=upstream)
    names: list[tuple[str, str]] = []

    async def read(key: str) -> None:
        names.append((key, (await org(backend.client(key))).body["name"]))

    try:
        async with anyio.create_task_group() as group:
            for _ in range(3):
                for key in (READ_KEY, CANARY_KEY):
                    group.start_soon(read, key)
    finally:
        await backend.aclose()

    assert sorted(names) == sorted([(READ_KEY, "Alpha"), (CANARY_KEY, "Beta")] * 3)
    assert Counter(upstream.keys()) == {f"Bearer {READ_KEY}": 3, f"Bearer {CANARY_KEY}": 3}
    # Both keys' requests were in flight together, through the one transport...
    assert frozenset({f"Bearer {READ_KEY}", f"Bearer {CANARY_KEY}"}) in upstream.overlapped
    # ...of the one pool: closing the backend closed it once (a client per key would close it per key).
    assert upstream.closed == 1
    assert closes_logged(caplog) == 1
    assert alpha.count("GET /org") == beta.count("GET /org") == 3


async def test_eviction_leaves_nothing_behind_and_spares_a_call_in_flight(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(backend_module, "MAX_CLIENTS", 2)
    monkeypatch.setattr(backend_module, "MAX_TRIAL_CLIENTS", 2)  # these clients are never settled as proven
    keys = [f"ak_live_pool_{index:02d}_{'x' * 12}" for index in range(50)]
    slow, others = workspace("Slow", keys[0]), workspace("Others", *keys[1:])
    upstream = WatchedUpstream({keys[0]: slow, **dict.fromkeys(keys[1:], others)})
    release = upstream.gates[f"Bearer {keys[0]}"] = anyio.Event()
    backend = Backend(settings(), transport=upstream)
    made: weakref.WeakSet[OctolensClient] = weakref.WeakSet()
    answers: list[ApiResponse] = []

    async def slow_call() -> None:
        api = backend.client(keys[0])
        made.add(api)
        answers.append(await org(api, within=30))

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(slow_call)
            with anyio.fail_after(5):
                while not upstream.in_flight[f"Bearer {keys[0]}"]:  # noqa: ASYNC110 - the upstream offers a count
                    await anyio.sleep(0.01)
            for key in keys[1:]:
                api = backend.client(key)
                made.add(api)
                assert (await org(api)).body["name"] == "Others"
            del api
            # The slow call's client was evicted 48 keys ago; its request is still waiting upstream.
            assert upstream.in_flight[f"Bearer {keys[0]}"] == 1
            assert answers == []
            release.set()
        assert [answer.body["name"] for answer in answers] == ["Slow"]
        assert upstream.keys() == [f"Bearer {key}" for key in keys]
        # Evicting closed nothing, and kept nothing: only the clients the backend still holds are alive.
        assert upstream.closed == 0
        gc.collect()
        assert len(made) == 2
    finally:
        await backend.aclose()
        await backend.aclose()
    assert upstream.closed == 1
    assert closes_logged(caplog) == 1


async def test_a_key_evicted_and_used_again_gets_a_working_client_with_its_own_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(backend_module, "MAX_CLIENTS", 2)
    monkeypatch.setattr(backend_module, "MAX_TRIAL_CLIENTS", 2)  # these clients are never settled as proven
    names = {f"ak_live_again_{letter}_{'y' * 12}": letter.upper() for letter in "abc"}
    keys = list(names)
    upstream = WatchedUpstream({key: workspace(name, key) for key, name in names.items()})
    backend = Backend(settings(), transport=upstream)
    try:
        first = backend.client(keys[0])
        assert (await org(first)).body["name"] == "A"
        for key in keys[1:]:
            assert (await org(backend.client(key))).body["name"] == names[key]
        again = backend.client(keys[0])
        assert again is not first
        assert backend.client(keys[0]) is again
        assert (await org(again)).body["name"] == "A"
        assert (await org(first)).body["name"] == "A"  # the evicted client still works for its caller
        # While the evicted client lives, the remade one shares its key's state: what either learned.
        assert first.rate_limit is not None
        assert again.rate_limit == first.rate_limit
    finally:
        await backend.aclose()
    assert upstream.keys() == [f"Bearer {key}" for key in [*keys, keys[0], keys[0]]]
    assert upstream.closed == 1


async def test_the_pool_keeps_no_cookies_so_none_reach_another_key() -> None:
    alpha, beta = workspace("Alpha", READ_KEY), workspace("Beta", CANARY_KEY)
    upstream = WatchedUpstream({READ_KEY: alpha, CANARY_KEY: beta}, set_cookie=True)
    backend = Backend(settings(), transport=upstream)
    try:
        for key in (READ_KEY, CANARY_KEY, READ_KEY, CANARY_KEY):
            await org(backend.client(key))
    finally:
        await backend.aclose()
    assert [cookie for _, cookie in upstream.seen] == [None] * 4


async def test_demo_keys_share_the_sandboxs_pool_base_url_and_key() -> None:
    demo_key = "ak_demo_read"
    sandbox = workspace("Demo", demo_key)
    upstream = WatchedUpstream({demo_key: sandbox})
    made: list[int] = []

    def factory() -> tuple[str, str, httpx2.AsyncBaseTransport]:
        made.append(1)
        return SANDBOX_BASE_URL, demo_key, upstream

    backend = Backend(settings(api_key=None, base_url="https://elsewhere.invalid", demo=True), upstream=factory)
    try:
        for key in (READ_KEY, CANARY_KEY, None):
            assert (await org(backend.client(key))).body["name"] == "Demo"
    finally:
        await backend.aclose()
    assert made == [1]
    assert upstream.keys() == [f"Bearer {demo_key}"] * 3
    assert upstream.closed == 1


async def test_a_call_without_a_key_sends_an_empty_bearer_as_before() -> None:
    upstream = WatchedUpstream({READ_KEY: workspace("Alpha", READ_KEY)})
    backend = Backend(settings(api_key=None), transport=upstream)
    try:
        with pytest.raises(OctolensError) as raised:
            await org(backend.client())
    finally:
        await backend.aclose()
    assert (raised.value.code, raised.value.status) == ("UNAUTHORIZED", 401)
    assert upstream.keys() == ["Bearer "]
    assert upstream.closed == 1


async def test_a_standalone_client_owns_its_pool_and_a_shared_one_is_left_open() -> None:
    upstream = WatchedUpstream({READ_KEY: workspace("Alpha", READ_KEY)})
    own = OctolensClient(base_url=SANDBOX_BASE_URL, api_key=READ_KEY, transport=upstream)
    assert (await org(own)).body["name"] == "Alpha"
    await own.aclose()
    assert upstream.closed == 1

    async with connection_pool(SANDBOX_BASE_URL, upstream) as pool:
        shared = OctolensClient(base_url=SANDBOX_BASE_URL, api_key=READ_KEY, http=pool)
        await shared.aclose()
        assert (await org(shared)).body["name"] == "Alpha"
        assert upstream.closed == 1
    assert upstream.closed == 2
    with pytest.raises(ValueError, match="not both"):
        OctolensClient(base_url=SANDBOX_BASE_URL, api_key=READ_KEY, transport=upstream, http=pool)
