"""Which redirect URIs a client may register or publish: the consent page sends a browser there with a code."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

LOOPBACK = ("localhost", "127.0.0.1", "::1")
REFUSED_SCHEMES = ("javascript", "data", "file", "vbscript", "blob", "about")


def unsafe_redirect(uris: Iterable[str]) -> str | None:
    """Why one of ``uris`` cannot be a redirect URI (OAuth 2.1 §2.3.1, §7.5); None when all can be.

    https, http on loopback only (native apps), or an app's own scheme (``cursor:``, ``vscode:``); no fragment.
    """
    for uri in uris:
        parts = urlsplit(uri)
        scheme = parts.scheme.lower()
        if parts.fragment:
            return "a redirect URI must not have a fragment"
        if scheme in REFUSED_SCHEMES or not scheme:
            return f"redirect URIs with the scheme {scheme or '(none)'!r} are refused"
        if scheme == "http" and parts.hostname not in LOOPBACK:
            return "http redirect URIs must be on loopback (localhost, 127.0.0.1, ::1); use https"
    return None
