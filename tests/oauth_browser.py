"""A person at the consent page, as a browser would be: follow ``/authorize``, read the form, post it.

``sign_in`` reads the page's hidden fields (the consent request and its CSRF token) and keeps the page's
cookie, types the key into the password field, reads the second page (workspace and scope), and presses
Allow or Deny. It returns the pages it saw and where the browser was sent at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.buttons: list[str] = []
        self.password: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = attributes.get("action", "")
        elif tag == "input" and attributes.get("type") == "hidden":
            self.fields[attributes["name"]] = attributes.get("value", "")
        elif tag == "input" and attributes.get("type") == "password":
            self.password = attributes["name"]
        elif tag == "button" and attributes.get("name") == "action":
            self.buttons.append(attributes.get("value", ""))


def read_form(page: str) -> _Forms:
    forms = _Forms()
    forms.feed(page)
    return forms


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Visit:
    pages: list[httpx2.Response] = field(default_factory=list)
    location: str | None = None
    """Where the last answer sent the browser (the client's redirect URI), if it did."""

    @property
    def params(self) -> dict[str, str]:
        query = parse_qs(urlsplit(self.location or "").query)
        return {name: values[0] for name, values in query.items()}


async def sign_in(
    browser: httpx2.AsyncClient, authorization_url: str, key: str, *, approve: bool = True, keys: tuple[str, ...] = ()
) -> Visit:
    """Follow ``authorization_url`` to the consent page, enter ``keys`` (refused ones) then ``key``, and decide."""
    visit = Visit()
    page = await browser.get(authorization_url)
    location = page.headers.get("location", "")
    if page.is_redirect and location.startswith(_origin(authorization_url) + "/"):  # to the consent page
        page = await browser.get(location)
    visit.pages.append(page)
    if page.status_code != 200:
        visit.location = page.headers.get("location")  # sent back to the client at once (an error)
        return visit
    for typed in (*keys, key):
        form = read_form(page.text)
        assert form.password is not None and form.action is not None, page.text
        target = urljoin(str(page.url), form.action)
        page = await browser.post(target, data={**form.fields, form.password: typed, "action": "check"})
        visit.pages.append(page)
        if page.status_code != 200:
            continue
        break
    form = read_form(page.text)
    if "approve" not in form.buttons:
        return visit
    assert form.action is not None
    target = urljoin(str(page.url), form.action)
    answer = await browser.post(target, data={**form.fields, "action": "approve" if approve else "deny"})
    visit.pages.append(answer)
    visit.location = answer.headers.get("location")
    return visit
