"""The receiver's per-address limit behind a proxy, through a real uvicorn server.

uvicorn rewrites the ASGI client from ``X-Forwarded-For`` only when the peer is one of
``OCTOLENS_TRUSTED_PROXIES``. So behind a trusted proxy each forwarded address has its own count, and without
one a forged ``X-Forwarded-For`` changes nothing: every delivery counts against the peer. The limit is
lowered for the test (the same code path, fewer requests).
"""

from __future__ import annotations

import httpx2
import pytest

from octolens_mcp.webhooks import receiver
from tests.test_webhooks import BUG_FEED, delivery, receiver_url, structured, team, workspace

pytestmark = pytest.mark.anyio

LIMIT = 3


async def post(http: httpx2.AsyncClient, target: str, n: int, forwarded: str) -> int:
    body = delivery(sourceId=f"reddit_t3_proxy{n:03d}")
    return (await http.post(target, json=body, headers={"X-Forwarded-For": forwarded})).status_code


async def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(receiver, "RATE", LIMIT)
    sandbox = workspace()
    async with team(sandbox, trusted_proxies=("127.0.0.1",)) as (_settings, session):
        await structured(session, "connect_feed_webhook", {"feed": BUG_FEED})
        target = receiver_url(sandbox)
        async with httpx2.AsyncClient() as http:
            first = [await post(http, target, n, "203.0.113.7") for n in range(LIMIT + 1)]
            other = await post(http, target, 10, "198.51.100.9")
    assert first == [202] * LIMIT + [429]
    assert other == 202  # another sender behind the same proxy is not refused


async def test_without_a_trusted_proxy_a_forged_forwarded_address_counts_against_the_peer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(receiver, "RATE", LIMIT)
    sandbox = workspace()
    async with team(sandbox) as (_settings, session):
        await structured(session, "connect_feed_webhook", {"feed": BUG_FEED})
        target = receiver_url(sandbox)
        async with httpx2.AsyncClient() as http:
            answers = [await post(http, target, n, f"203.0.113.{n + 1}") for n in range(LIMIT + 2)]
    assert answers == [202] * LIMIT + [429, 429]


async def test_a_peer_that_is_not_the_trusted_proxy_cannot_forge_its_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receiver, "RATE", LIMIT)
    sandbox = workspace()
    async with team(sandbox, trusted_proxies=("192.0.2.1",)) as (_settings, session):
        await structured(session, "connect_feed_webhook", {"feed": BUG_FEED})
        target = receiver_url(sandbox)
        async with httpx2.AsyncClient() as http:
            answers = [await post(http, target, n, f"203.0.113.{n + 1}") for n in range(LIMIT + 1)]
    assert answers == [202] * LIMIT + [429]
