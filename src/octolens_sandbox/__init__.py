"""A local Octolens API for tests and ``--demo``: the ``Sandbox`` ASGI app and a transport serving it in-process."""

from __future__ import annotations

import httpx2

from octolens_sandbox.app import BASE_PATH, ConnectionDropped, Sandbox
from octolens_sandbox.faults import Fault, FaultySandbox
from octolens_sandbox.routes.search import seed_search

SANDBOX_BASE_URL = f"https://sandbox.octolens.test{BASE_PATH}"
DEMO_KEY = "ak_demo_admin"


class SandboxTransport(httpx2.AsyncBaseTransport):
    """Serves a ``Sandbox`` in-process, turning its scripted connection faults into real transport errors."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._asgi = httpx2.ASGITransport(app=sandbox)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path.removeprefix(BASE_PATH)
        refusal = self.sandbox.refusal(request.method, path)
        if refusal == "connect_timeout":
            raise httpx2.ConnectTimeout("timed out connecting", request=request)
        if refusal == "pool_timeout":
            raise httpx2.PoolTimeout("no connection became free in time", request=request)
        if refusal is not None:
            raise httpx2.ConnectError("[Errno 111] Connection refused", request=request)
        try:
            return await self._asgi.handle_async_request(request)
        except ConnectionDropped:
            raise httpx2.ReadError("Connection reset by peer", request=request) from None

    async def aclose(self) -> None:
        await self._asgi.aclose()


DEMO_SEARCH_QUERY = "Acme Analytics"
"""The on-demand search the demo workspace has already run, so ``get_search`` and ``list_searches`` show one."""


def demo_sandbox() -> Sandbox:
    """The demo's workspace: the seeded data, and one finished on-demand search."""
    sandbox = Sandbox()
    seed_search(sandbox, DEMO_SEARCH_QUERY)
    return sandbox


def demo_transport() -> tuple[str, str, httpx2.AsyncBaseTransport]:
    """Base URL, key and transport of a fresh demo sandbox."""
    return SANDBOX_BASE_URL, DEMO_KEY, SandboxTransport(demo_sandbox())


__all__ = [
    "DEMO_KEY",
    "DEMO_SEARCH_QUERY",
    "SANDBOX_BASE_URL",
    "Fault",
    "FaultySandbox",
    "Sandbox",
    "SandboxTransport",
    "demo_sandbox",
    "demo_transport",
]
