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


async def answers(monkeypatch: pytest.MonkeyPatch, forwarded: list[str], **settings: object) -> list[int]:
    """The receiver's status for one delivery per ``forwarded`` address, in order, from this test's peer."""
    monkeypatch.setattr(receiver, "RATE", LIMIT)
    sandbox = workspace()
    async with team(sandbox, **settings) as (_settings, session):
        await structured(session, "connect_feed_webhook", {"feed": BUG_FEED})
        target = receiver_url(sandbox)
        async with httpx2.AsyncClient() as http:
            out = []
            for n, address in enumerate(forwarded):
                body = delivery(sourceId=f"reddit_t3_proxy{n:03d}")
                out.append((await http.post(target, json=body, headers={"X-Forwarded-For": address})).status_code)
            return out


async def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    got = await answers(monkeypatch, ["203.0.113.7"] * (LIMIT + 1) + ["198.51.100.9"], trusted_proxies=("127.0.0.1",))
    # Another sender behind the same proxy is not refused.
    assert got == [202] * LIMIT + [429, 202]


async def test_without_a_trusted_proxy_a_forged_forwarded_address_counts_against_the_peer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    got = await answers(monkeypatch, [f"203.0.113.{n + 1}" for n in range(LIMIT + 2)])
    assert got == [202] * LIMIT + [429, 429]


async def test_a_peer_that_is_not_the_trusted_proxy_cannot_forge_its_address(monkeypatch: pytest.MonkeyPatch) -> None:
    got = await answers(monkeypatch, [f"203.0.113.{n + 1}" for n in range(LIMIT + 1)], trusted_proxies=("192.0.2.1",))
    assert got == [202] * LIMIT + [429]
