"""One ``GET /auth`` to the API, and what its answer (or its failure) tells: reachability, latency, the key,
its scopes and expiry, the rate budget and the API's clock. Network failures are explained in words a user
can act on: DNS, refused connections, timeouts, TLS interception, and the proxy variables in play.
"""

from __future__ import annotations

import os
import re
import ssl
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2

from octolens_mcp.catalog.org import AUTH

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")
TIMEOUT = 10.0


@dataclass
class Probe:
    """What one request to the key check (``GET /auth``) found."""

    url: str
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    latency: float | None = None
    """Seconds to the answer's headers."""
    received_at: float | None = None
    """This machine's time when the answer came."""
    problem: str | None = None
    """Why no answer came, in words."""
    fix: str | None = None

    @property
    def code(self) -> str | None:
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return str(error.get("code")) if isinstance(error, dict) and error.get("code") else None

    @property
    def scopes(self) -> list[str] | None:
        """The key's live scopes, read defensively (``scope`` or ``scopes``, a string or a list)."""
        if not isinstance(self.body, dict):
            return None
        raw = self.body.get("scopes", self.body.get("scope"))
        if isinstance(raw, str):
            return [part for part in re.split(r"[\s,]+", raw) if part]
        return [str(s) for s in raw] if isinstance(raw, list) else None

    @property
    def expires(self) -> str | None:
        if not isinstance(self.body, dict):
            return None
        for name in ("expiresAt", "expires_at", "expiry", "expires"):
            if self.body.get(name):
                return str(self.body[name])
        key = self.body.get("key")
        return str(key["expiresAt"]) if isinstance(key, dict) and key.get("expiresAt") else None

    @property
    def skew(self) -> float | None:
        """This machine's clock minus the API's (its ``Date`` header), in seconds; None without a Date."""
        date = self.headers.get("date")
        if date is None or self.received_at is None:
            return None
        try:
            server = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            return None
        latency = self.latency or 0.0
        # Date is stamped while the answer is made: somewhere in the round trip, on average its middle.
        return (self.received_at - latency / 2) - server


def proxies(env: dict[str, str] | None = None) -> dict[str, str]:
    """The proxy variables set, their credentials hidden."""
    env = dict(os.environ) if env is None else env
    found: dict[str, str] = {}
    for name in PROXY_VARIABLES:
        for variant in (name, name.lower()):
            if env.get(variant):
                found[variant] = re.sub(r"//[^/@]+@", "//***@", env[variant])
    return found


def _explain(exc: Exception, url: str) -> tuple[str, str]:
    """(what happened, what to do) for a request that got no answer."""
    host = httpx2.URL(url).host
    text = f"{type(exc).__name__}: {exc}"
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    set_proxies = proxies()
    via = f" (through the proxy in {', '.join(f'{k}={v}' for k, v in set_proxies.items())})" if set_proxies else ""
    proxy_fix = (
        f"check the proxy ({', '.join(set_proxies)}): its address, that it is running, and NO_PROXY"
        if set_proxies
        else "if this network needs a proxy, set HTTPS_PROXY=http://proxy:port"
    )
    if any(isinstance(c, ssl.SSLError) for c in chain) or "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
        return (
            f"TLS failed with {host}{via}: {exc}",
            "a proxy or security tool that re-signs HTTPS is in the way: point SSL_CERT_FILE at its CA bundle "
            "(PEM), or ask IT for it; never turn verification off",
        )
    if isinstance(exc, httpx2.TimeoutException):
        return f"{host} did not answer within {TIMEOUT:.0f} s{via}", proxy_fix
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return f"{host} cannot be resolved (DNS){via}", f"check the host name in OCTOLENS_BASE_URL and DNS; {proxy_fix}"
    if isinstance(exc, httpx2.ProxyError):
        return f"the proxy refused the request: {exc}", proxy_fix
    return f"cannot connect to {host}{via}: {exc}", f"check that {url} is right and reachable; {proxy_fix}"


async def probe(
    base_url: str, key: str | None, transport: httpx2.AsyncBaseTransport | None = None, timeout: float = TIMEOUT
) -> Probe:
    """``GET {base_url}/auth`` with ``key`` (without one, a 401 still proves the API is there)."""
    url = base_url.rstrip("/") + AUTH.path
    result = Probe(url)
    headers = {"Accept": "application/json", "User-Agent": "octolens-mcp doctor"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    started = time.monotonic()
    try:
        async with httpx2.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False) as client:
            response = await client.get(url, headers=headers)
    except (httpx2.HTTPError, OSError, ValueError) as exc:
        result.problem, result.fix = _explain(exc, url)
        return result
    result.latency = time.monotonic() - started
    result.received_at = time.time()
    result.status = response.status_code
    result.headers = {k.lower(): v for k, v in response.headers.items()}
    try:
        result.body = response.json()
    except ValueError:
        result.body = None
    return result
