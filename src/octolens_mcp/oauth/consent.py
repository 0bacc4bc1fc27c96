"""The consent page, the only HTML this server serves: the person's Octolens key in, a code for their client out.

``GET /oauth/consent?request=…`` (where ``/authorize`` sends the browser) asks for the API key once, in a
password field. Posting it checks the key with ``GET /auth`` upstream and shows the workspace and the scope
it grants, with Allow and Deny. Allow issues the code and sends the browser back to the client's redirect
URI (validated exactly by the SDK's ``/authorize`` before this page was reached); Deny sends it back with
``access_denied``. A key Octolens refuses issues nothing: the page asks again, five times at most. Keys are
checked with Octolens only within the sending address's small budget (``guard.Limits.key_check``): past it,
the page asks again with ``429`` and ``Retry-After``, sending nothing and counting no attempt. While the store
is unreachable the page says so (``503``, ``Retry-After``).

The page has no script, one inline style allowed by its hash (``Content-Security-Policy``), and cannot be
framed. Every post carries a CSRF token: an HMAC of the consent request and a random cookie set with the
page (``SameSite=Lax``, ``HttpOnly``), so another site can neither post the form nor read it; a post
naming another ``Origin`` is refused. Everything
shown is HTML-escaped; the key is never echoed, logged, or kept outside the sealed store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from mcp.server.auth.provider import construct_redirect_uri
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from octolens_mcp.http.errors import OctolensError
from octolens_mcp.mcp.http_app import MAX_KEY_LENGTH
from octolens_mcp.mcp.http_guard import retry_after
from octolens_mcp.mcp.scopes import scope_of
from octolens_mcp.oauth.guard import UNAVAILABLE_RETRY, Limits, log_unreachable
from octolens_mcp.oauth.provider import CONSENT_PATH, TOKEN_PREFIX, OctolensProvider
from octolens_mcp.oauth.store import StoreUnavailable
from octolens_mcp.redaction import protect

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
"""Keys Octolens refused for one consent request before it ends (the client must start again)."""
SCOPE_MEANING = {
    "read": "read mentions, keywords, feeds and the workspace",
    "write": "read, and change keywords, feeds, mentions and filters",
    "admin": "read, write, and manage the workspace and its members",
}
STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}"
    "main{max-width:30rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:12px;"
    "box-shadow:0 1px 4px #0002}h1{font-size:1.35rem;margin-top:0}label{display:block;font-weight:600}"
    "input[type=password]{width:100%;box-sizing:border-box;padding:.6rem;margin:.4rem 0 1rem;font:inherit}"
    "button{font:inherit;padding:.55rem 1.2rem;border-radius:8px;border:1px solid #888;margin-right:.5rem;"
    "cursor:pointer}button.primary{background:#1d4ed8;color:#fff;border-color:#1d4ed8}"
    ".error{color:#b91c1c}.hint{color:#555;font-size:.9rem}dt{font-weight:600}dd{margin:0 0 .7rem}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()

KeyCheck = Callable[[str], Awaitable[Any]]
_CSP_SOURCE = re.compile(r"[a-z][a-z0-9+.-]*:(//[A-Za-z0-9.:\[\]-]+)?")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _form_target(redirect_uri: str) -> str:
    """The CSP source allowing the redirect after the form is posted (browsers check form-action on it)."""
    parts = urlsplit(redirect_uri)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.netloc}"
    return f"{parts.scheme}:"


class ConsentPage:
    def __init__(self, provider: OctolensProvider, check_key: KeyCheck, csrf_key: bytes, limits: Limits) -> None:
        self._provider = provider
        self._check_key = check_key
        self._limits = limits
        self._csrf_key = csrf_key
        self._secure = provider.issuer.startswith("https://")
        self._cookie = "__Host-octolens_consent" if self._secure else "octolens_consent"

    # --- HTTP ------------------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        try:
            if request.method == "GET":
                return await self._show(request)
            return await self._post(request)
        except StoreUnavailable as exc:
            log_unreachable(exc, request.scope)
            return self.unavailable()

    async def _show(self, request: Request) -> Response:
        ident = request.query_params.get("request", "")
        pending = await self._provider.pending(ident) if ident else None
        if pending is None:
            return self._gone()
        nonce = request.cookies.get(self._cookie) or secrets.token_urlsafe(24)
        response = self._page(self._ask_for_key(pending, ident, nonce), pending)
        self._set_cookie(response, nonce)
        return response

    async def _post(self, request: Request) -> Response:
        # A browser names the page's origin on the post; "null" (privacy settings) leaves it to the CSRF token.
        origin = request.headers.get("origin")
        if origin not in (None, "null", _origin(self._provider.issuer)):
            return self._refused("This form can only be sent from this page.")
        form = await request.form()
        ident, csrf, action = (str(form.get(name) or "") for name in ("request", "csrf", "action"))
        nonce = request.cookies.get(self._cookie, "")
        if not nonce or not ident or not hmac.compare_digest(csrf, self._csrf(ident, nonce)):
            return self._refused("This form expired or was not sent from this page. Start again from your app.")
        pending = await self._provider.pending(ident)
        if pending is None:
            return self._gone()
        if action == "check":
            return await self._check(request, ident, nonce, pending, str(form.get("api_key") or ""))
        if action in ("approve", "deny"):
            return await self._decide(ident, pending, approve=action == "approve")
        return self._refused("Unknown action.")

    async def _check(self, request: Request, ident: str, nonce: str, pending: dict[str, Any], key: str) -> Response:
        key = key.strip()
        usable = 0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()
        if usable and not key.startswith(TOKEN_PREFIX):
            wait = self._limits.key_check(request.scope)
            if wait:
                seconds = retry_after(wait)
                message = f"Too many keys were checked from your network. Wait {seconds} seconds, then try again."
                response = self._page(self._ask_for_key(pending, ident, nonce, message), pending, status=429)
                response.headers["Retry-After"] = seconds
                return response
            protect(key, pinned=False)
            try:
                answer = await self._check_key(key)
            except OctolensError as error:
                if error.status not in (401, 403):
                    logger.info("the consent page could not check a key: %s (%s)", error.code, error.status)
                    body = self._ask_for_key(pending, ident, nonce, "Octolens could not be reached. Try again.")
                    return self._page(body, pending, status=503)
            else:
                workspace = _workspace(answer)
                pending.update(key=key, workspace=workspace, scope=scope_of(answer))
                pending.pop("attempts", None)
                await self._provider.update_pending(ident, pending)
                return self._page(self._ask_to_approve(pending, ident, nonce), pending)
        attempts = int(pending.get("attempts", 0)) + 1
        if attempts >= MAX_ATTEMPTS:
            await self._provider.take_pending(ident)
            return self._refused("Too many keys were refused. Start again from your app.")
        pending["attempts"] = attempts
        pending.pop("key", None)
        await self._provider.update_pending(ident, pending)
        message = "Octolens did not accept that key. Check it and try again."
        return self._page(self._ask_for_key(pending, ident, nonce, message), pending, status=400)

    async def _decide(self, ident: str, pending: dict[str, Any], *, approve: bool) -> Response:
        if approve and "key" not in pending:
            return self._refused("Enter your Octolens API key first.")
        # Taken, not read: of two posts of the same form, only one issues a code.
        taken = await self._provider.take_pending(ident)
        if taken is None:
            return self._gone()
        if approve:
            code = await self._provider.approve(taken)
            target = construct_redirect_uri(
                taken["redirect_uri"], code=code, state=taken.get("state"), iss=self._provider.issuer
            )
        else:
            target = construct_redirect_uri(
                taken["redirect_uri"],
                error="access_denied",
                error_description="The person declined",
                state=taken.get("state"),
                iss=self._provider.issuer,
            )
        return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})

    # --- pieces ----------------------------------------------------------------------------------------

    def _csrf(self, ident: str, nonce: str) -> str:
        return hmac.new(self._csrf_key, f"{ident}|{nonce}".encode(), hashlib.sha256).hexdigest()

    def _hidden(self, ident: str, nonce: str) -> str:
        return (
            f'<input type="hidden" name="request" value="{_e(ident)}">'
            f'<input type="hidden" name="csrf" value="{_e(self._csrf(ident, nonce))}">'
        )

    def _ask_for_key(self, pending: dict[str, Any], ident: str, nonce: str, error: str = "") -> str:
        client = _client_label(pending)
        problem = f'<p class="error" role="alert">{_e(error)}</p>' if error else ""
        return (
            f"<h1>Connect {client} to Octolens</h1>"
            f"<p>{client} asks to use your Octolens workspace through this server. When you are done, you "
            f"go back to <code>{_e(_form_target(pending['redirect_uri']))}</code>.</p>{problem}"
            f'<form method="post" action="{CONSENT_PATH}">{self._hidden(ident, nonce)}'
            '<label for="api_key">Your Octolens API key</label>'
            '<input id="api_key" name="api_key" type="password" autocomplete="off" spellcheck="false" required>'
            f'<p class="hint">Create one in Octolens under Settings &rarr; API. It stays on this server, '
            f"encrypted; {client} never sees it.</p>"
            '<button class="primary" type="submit" name="action" value="check">Continue</button></form>'
        )

    def _ask_to_approve(self, pending: dict[str, Any], ident: str, nonce: str) -> str:
        client = _client_label(pending)
        workspace = pending.get("workspace") or {}
        scope = pending.get("scope")
        access = f"{_e(scope)}: {_e(SCOPE_MEANING[scope])}" if scope in SCOPE_MEANING else "as the key allows"
        plan = f"<dt>Plan</dt><dd>{_e(workspace['plan'])}</dd>" if workspace.get("plan") else ""
        return (
            f"<h1>Allow {client} to use Octolens?</h1>"
            f"<dl><dt>Workspace</dt><dd>{_e(workspace.get('name') or 'your workspace')}</dd>{plan}"
            f"<dt>Access</dt><dd>{access}</dd>"
            f"<dt>Returns to</dt><dd><code>{_e(_form_target(pending['redirect_uri']))}</code></dd></dl>"
            f'<form method="post" action="{CONSENT_PATH}">{self._hidden(ident, nonce)}'
            '<button class="primary" type="submit" name="action" value="approve">Allow</button>'
            '<button type="submit" name="action" value="deny">Deny</button></form>'
        )

    def _page(self, body: str, pending: dict[str, Any] | None, *, status: int = 200) -> HTMLResponse:
        document = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Connect to Octolens</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>"
        )
        target = _form_target(pending["redirect_uri"]) if pending else ""
        # Only a plain scheme and host go into the policy: nothing a client registered can add a directive.
        targets = "'self'" + (f" {target}" if _CSP_SOURCE.fullmatch(target) else "")
        policy = (
            f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; form-action {targets}; "
            "frame-ancestors 'none'; base-uri 'none'"
        )
        headers = {
            "Content-Security-Policy": policy,
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            # Not no-referrer: with it, browsers send "Origin: null" on the page's own posts.
            "Referrer-Policy": "same-origin",
            "Cache-Control": "no-store",
        }
        return HTMLResponse(document, status_code=status, headers=headers)

    def _set_cookie(self, response: Response, nonce: str) -> None:
        response.set_cookie(
            self._cookie, nonce, max_age=3600, path="/", secure=self._secure, httponly=True, samesite="lax"
        )

    def too_many(self, wait: float) -> Response:
        """429 before any work: this address sent too many sign-in requests."""
        body = "<h1>Too many sign-in requests</h1><p>Wait a moment, then try again.</p>"
        response = self._page(body, None, status=429)
        response.headers["Retry-After"] = retry_after(wait)
        return response

    def unavailable(self) -> Response:
        """503: the store is unreachable; nothing was decided."""
        body = (
            "<h1>Sign-in is unavailable for a moment</h1><p>This server cannot reach its sign-in records. "
            "Try again in a few seconds; if it goes on, start again from your app.</p>"
        )
        response = self._page(body, None, status=503)
        response.headers["Retry-After"] = str(UNAVAILABLE_RETRY)
        return response

    def _gone(self) -> Response:
        return self._page(
            "<h1>This sign-in link has expired</h1><p>Go back to your app and connect again.</p>", None, status=400
        )

    def _refused(self, message: str) -> Response:
        return self._page(f"<h1>Sign-in stopped</h1><p>{_e(message)}</p>", None, status=403)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _client_label(pending: dict[str, Any]) -> str:
    name = pending.get("client_name") or ""
    label = f"<strong>{_e(name)}</strong>" if name else "An app"
    host = pending.get("client_host")
    return f"{label} (from <strong>{_e(host)}</strong>)" if host else label


def _workspace(answer: Any) -> dict[str, Any]:
    """The workspace's name and plan from a ``GET /auth`` answer (read defensively: its shape is undocumented)."""
    if not isinstance(answer, dict):
        return {}
    workspace = answer.get("workspace")
    nested: dict[str, Any] = workspace if isinstance(workspace, dict) else {}
    found = {name: answer.get(name) or nested.get(name) for name in ("name", "plan", "organizationId")}
    return {name: str(value)[:200] for name, value in found.items() if isinstance(value, str | int) and value != ""}
