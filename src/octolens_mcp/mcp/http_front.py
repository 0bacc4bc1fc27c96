"""What a browser or a TLS proxy in front of the team server needs: CORS, and no redirect for ``/mcp/``.

- **CORS**: a browser client on an allowed origin (``OCTOLENS_ALLOWED_ORIGINS``, else the loopback ones)
  gets its preflight answered and the response headers it may read (``Mcp-Session-Id``,
  ``WWW-Authenticate``) exposed. Any other origin gets no CORS header at all (and, from the SDK's own
  check, ``403``).
- **``POST /mcp/``** is served as ``/mcp``, never redirected: behind a proxy that ends TLS, a redirect
  built from the request would point at ``http://``. With ``OCTOLENS_TRUSTED_PROXIES`` set, uvicorn
  takes the client's address and scheme from those proxies' ``X-Forwarded-For`` and
  ``X-Forwarded-Proto`` (and from no one else), so the per-address limits see the real client.
"""

from __future__ import annotations

import re

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from octolens_mcp.config import Settings

MCP_PATH = "/mcp"
ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Accept",
    "Mcp-Session-Id",
    "Mcp-Protocol-Version",
    "Last-Event-ID",
)
EXPOSED_HEADERS = ("Mcp-Session-Id", "WWW-Authenticate", "Retry-After")


class NoSlashRedirect:
    """``/mcp/`` is ``/mcp``: rewritten in place, so the SDK's router never answers it with a redirect."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") == MCP_PATH + "/":
            scope = {**scope, "path": MCP_PATH, "raw_path": MCP_PATH.encode()}
        await self._app(scope, receive, send)


def origin_pattern(origins: tuple[str, ...]) -> str | None:
    """A regex matching exactly ``origins`` (``:*`` standing for any port); None when there are none."""
    if not origins:
        return None
    parts = [re.escape(origin).replace(r":\*", r":[0-9]{1,5}") for origin in origins if origin != "*"]
    return "(?:" + "|".join(parts) + ")" if parts else None


def front(app: ASGIApp, settings: Settings, loopback_origins: tuple[str, ...]) -> ASGIApp:
    """``app`` behind CORS for the allowed origins, and serving ``/mcp/`` as ``/mcp``."""
    origins = settings.allowed_origins or (() if "*" in (settings.allowed_hosts or ()) else loopback_origins)
    pattern = origin_pattern(tuple(origins))
    inner = NoSlashRedirect(app)
    if pattern is None:
        return inner
    return CORSMiddleware(
        inner,
        allow_origin_regex=pattern,
        allow_methods=("GET", "POST", "DELETE"),
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )
