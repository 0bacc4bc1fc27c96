"""A cursor list, page after page, within the token budget and the deadline.

A cursor list (``CursorPages``) takes a ``limit`` of up to ``WALK_PAGES`` API pages. Each request
asks for at most the page maximum (the last only for what is still needed) and follows the API's cursor
until the count is reached, the API has no next page (``nextCursor`` null, absent or empty, or
``hasMore: false``), the next item would pass the result's token budget, or the call's deadline is near.

The result's cursor resumes exactly after the last item returned: the API's own cursor at a page boundary,
our ``oc1.`` cursor (the API page, and how many of its items are done) inside a page. A failure on the
first page is the call's error; on a later page the call returns what it collected, with the cursor that
retries that page and the failure under ``paging.error``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from octolens_mcp.catalog.models.common import InputModel
from octolens_mcp.catalog.operation import Api, ItemKind, Operation
from octolens_mcp.http.errors import OctolensError, refused
from octolens_mcp.mcp.budget import ItemRoom, Measure, fit_shell, truncation

CURSOR_PREFIX = "oc1."
MAX_IDENTITY_CHARS = 200
"""Longest item identity a cursor carries (longer ones resume by count)."""
MIN_PAGE_SECONDS = 1.0
"""Another page is requested only with at least this long left, and twice the slowest page so far."""
ERROR_MESSAGE_CHARS = 160
CODE_CHARS = 40


@dataclass(frozen=True)
class Resume:
    """Where a cut list goes on: the API page (its cursor and size) and how many of its items are done.

    ``after`` names the last item returned (its ``sourceId`` or ``id``): when the page has changed since
    (new mentions arrive at the top of the first page all the time), the list resumes right after that
    item rather than after ``skip`` items, so nothing is repeated or missed. Without it, or when the item
    is gone, ``skip`` decides.
    """

    tool: str
    cursor: str | None
    limit: int | None
    skip: int
    after: str | None = None

    def encode(self) -> str:
        data: dict[str, Any] = {"t": self.tool, "c": self.cursor, "l": self.limit, "s": self.skip}
        if self.after is not None:
            data["a"] = self.after
        raw = json.dumps(data, separators=(",", ":"))
        return CURSOR_PREFIX + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def start(self, rows: list[Any], kind: ItemKind) -> int:
        """The index in ``rows`` (the page read again) of the first item not yet returned.

        When several items carry the name (duplicates), the one nearest where the last item was wins: on an
        unchanged page that is the last item itself, so a list always moves on.
        """
        if self.after is not None:
            last = self.skip - 1
            matches = [index for index, row in enumerate(rows) if item_identity(row, kind) == self.after]
            if matches:
                return min(matches, key=lambda index: (abs(index - last), -index)) + 1
        return min(self.skip, len(rows))

    @classmethod
    def decode(cls, text: str, tool: str, *, page_max: int | None = None) -> Resume:
        """The resume point ``text`` names, if this server issued it for ``tool`` (and a page of 1..``page_max``)."""
        try:
            body = text.removeprefix(CURSOR_PREFIX)
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            issued_for, cursor, limit, skip = data["t"], data["c"], data["l"], data["s"]
            after = data.get("a")
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, RecursionError):
            raise _bad_cursor() from None
        valid = (
            issued_for == tool
            and (cursor is None or isinstance(cursor, str))
            and (limit is None or (isinstance(limit, int) and not isinstance(limit, bool)))
            and (limit is None or page_max is None or 1 <= limit <= page_max)
            and isinstance(skip, int)
            and not isinstance(skip, bool)
            and skip >= 0
            and (after is None or (isinstance(after, str) and len(after) <= MAX_IDENTITY_CHARS))
        )
        if not valid:
            raise _bad_cursor()
        return cls(tool, cursor, limit, skip, after)


def item_identity(row: Any, kind: ItemKind) -> str | None:
    """What names a list item across reads (the first usable of its kind's identity fields); None without one."""
    if not isinstance(row, dict):
        return None
    for field in kind.identity:
        value = row.get(field)
        if isinstance(value, str | int) and not isinstance(value, bool):
            text = str(value)
            if 0 < len(text) <= MAX_IDENTITY_CHARS:
                return text
    return None


def _bad_cursor() -> OctolensError:
    return refused("cursor", "not a cursor this server issued; pass nextCursor back unchanged")


FetchPage = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
"""One API page for the request data, as the result shows it (validated, cleaned, compacted)."""
Stop = Literal["budget", "deadline", "error"]


class WalkApi(Api, Protocol):
    """The call's ``Api``, its clock, and the pages a cut list will resume in."""

    def seconds_left(self) -> float:
        """Seconds until the call's deadline."""
        ...

    def keep_page(self, request: str, answer: dict[str, Any]) -> None:
        """Keep a page the result was cut inside (as ``FetchPage`` gave it), for the resume."""
        ...

    def recall_page(self, request: str) -> dict[str, Any] | None:
        """The page kept for ``request`` if it is recent enough; None otherwise."""
        ...


@dataclass(frozen=True)
class _Page:
    """One request of the walk: the cursor and page size it is sent with, and where its items resume."""

    cursor: str | None
    limit: int | None
    resume: Resume | None = None


@dataclass
class _Walk:
    """What the walk has gathered so far."""

    room: ItemRoom
    shell: dict[str, Any]
    items: list[Any]
    has_items: bool = False
    requests: int = 0
    slowest: float = 0.0
    stopped: Stop | None = None
    failure: OctolensError | None = None
    resume: Resume | None = None
    truncated: dict[str, Any] | None = None
    key: str = ""
    """The request of the page being taken, as the kept pages are found by."""
    recalled: int = 0
    """Pages read from what an earlier call kept rather than asked for."""
    notes: int = 0
    """Tokens kept free for what is added after the last item: ``truncated`` and ``paging`` (with a failure)."""


@dataclass(frozen=True)
class _List:
    """What the operation declares about the list it walks."""

    op: Operation
    field: str
    kind: ItemKind
    page_max: int | None
    cursor_at: tuple[str, ...]

    @classmethod
    def of(cls, op: Operation) -> _List:
        paging, items = op.cursor_pages, op.items
        if paging is None or items is None or items.field is None:
            raise TypeError(f"{op.name} is not declared as a cursor list")
        return cls(op, items.field, items.kind, paging.page_max, paging.cursor_at)

    def hint(self, shell: dict[str, Any], row: Any, index: int) -> str | None:
        return self.op.items.read_whole(shell, row, index) if self.op.items is not None else None


def _first_page(op: Operation, cursor: str | None, page_max: int | None) -> tuple[_Page, bool]:
    """Where the walk starts, and whether it resumes inside a page (an ``oc1.`` cursor)."""
    if cursor is None or not cursor.startswith(CURSOR_PREFIX):
        return _Page(cursor, None), False
    resume = Resume.decode(cursor, op.name, page_max=page_max)
    return _Page(resume.cursor, resume.limit, resume), True


async def walk(
    op: Operation, api: WalkApi, args: InputModel, fetch_page: FetchPage, *, budget_tokens: int
) -> dict[str, Any]:
    """The items of as many pages as ``args.limit`` asks for, from ``args.cursor``, within the budget."""
    listed = _List.of(op)
    page_max = listed.page_max or 1
    limit: int | None = getattr(args, "limit", None)
    # A forged cursor is refused before any request.
    page, resumed = _first_page(op, getattr(args, "cursor", None), listed.page_max)
    data = await op.request_data(api, args)
    if not resumed and limit is not None:
        page = _Page(page.cursor, min(page_max, limit))
    most = 1 if limit is None else math.ceil(limit / page_max) + int(resumed)
    base = {key: value for key, value in data.items() if key not in {"cursor", "limit"}}
    room = ItemRoom(budget_tokens, Measure(fenced=op.untrusted))
    state = _Walk(room, {}, [], notes=_notes_tokens(budget_tokens, fenced=op.untrusted))
    while True:
        answer = await _fetch(listed, api, state, fetch_page, base, page)
        if answer is None:
            break
        next_page = _take(listed, state, answer, page, limit, budget_tokens, final=state.requests >= most)
        if state.resume is not None:
            api.keep_page(state.key, answer)
        if most > 1:
            wanted = "" if limit is None else f" of {limit}"
            await api.progress(f"page {state.requests}: {len(state.items)}{wanted} items so far")
        if next_page is None or state.requests >= most or (limit is not None and len(state.items) >= limit):
            break
        if api.seconds_left() < max(MIN_PAGE_SECONDS, 2 * state.slowest):
            state.stopped = "deadline"
            break
        if state.room.left < state.room.average_item:
            state.stopped = "budget"
            break
        wanted_now = page_max if limit is None else min(page_max, limit - len(state.items))
        page = _Page(next_page, wanted_now)
    return _result(listed, state, reported=most > 1)


async def _fetch(
    listed: _List, api: WalkApi, state: _Walk, fetch_page: FetchPage, base: dict[str, Any], page: _Page
) -> dict[str, Any] | None:
    """The page's answer; None when a later page failed (the failure is noted, the walk stops).

    A resume inside a page reads the page its result was cut from, kept briefly, instead of asking again.
    """
    request = dict(base)
    if page.cursor is not None:
        request["cursor"] = page.cursor
    if page.limit is not None:
        request["limit"] = page.limit
    state.requests += 1
    state.key = json.dumps([listed.op.name, request], sort_keys=True, default=str)
    kept = api.recall_page(state.key) if page.resume is not None else None
    if kept is not None:
        state.recalled += 1
        return kept
    began = time.monotonic()
    try:
        answer = await fetch_page(request)
    except OctolensError as error:
        if state.requests == 1:
            raise
        state.stopped, state.failure = "error", error
        return None
    state.slowest = max(state.slowest, time.monotonic() - began)
    return answer


def _take(
    listed: _List,
    state: _Walk,
    answer: dict[str, Any],
    page: _Page,
    limit: int | None,
    budget_tokens: int,
    *,
    final: bool,
) -> str | None:
    """Take the page's items that fit; the cursor of the next page, or None when the walk ends here.

    ``final``: no page is asked for after this one. Then, or when this page's items reach the limit, the
    items wanted are taken at once if their bytes fit the room (no page is fitted after them); otherwise
    each is measured.
    """
    op, field, kind = listed.op, listed.field, listed.kind
    answer = fit_shell(answer, field, budget_tokens, state.room.measure)
    rows = answer.get(field)
    state.has_items = state.has_items or isinstance(rows, list)
    start = page.resume.start(rows, kind) if page.resume is not None and isinstance(rows, list) else 0
    fresh = rows[start:] if isinstance(rows, list) else []
    shell = _merged(state.shell, {key: value for key, value in answer.items() if key != field})
    # Room for the cursor that would resume inside this page, naming its longest item identity.
    identities = [identity for row in fresh if (identity := item_identity(row, kind)) is not None]
    longest = max(identities, key=lambda identity: len(json.dumps(identity)), default=None)
    resume_size = len(Resume(op.name, page.cursor, page.limit, start + len(fresh), longest).encode())
    if not state.room.surround({**shell, field: []}, resume_size + state.notes):
        state.stopped = "budget"  # the cursor already in the shell asks for this page again
        return None
    state.shell = shell
    wanted = fresh if limit is None else fresh[: max(0, limit - len(state.items))]
    if (final or (limit is not None and len(state.items) + len(wanted) >= limit)) and state.room.take_all(wanted):
        state.items.extend(wanted)
        taken, over = len(wanted), False
    else:
        taken, over = _take_each(listed, state, shell, fresh, limit)
    if taken < len(fresh):
        last = item_identity(fresh[taken - 1], kind) if taken else page.resume.after if page.resume else None
        state.resume = Resume(op.name, page.cursor, page.limit, start + taken, last)
    if over:
        state.stopped = "budget"
        state.truncated = truncation(len(state.items), len(fresh) - taken, budget_tokens)
    if state.resume is not None:
        return None
    return _next_cursor(listed, answer, page)


def _take_each(
    listed: _List, state: _Walk, shell: dict[str, Any], fresh: list[Any], limit: int | None
) -> tuple[int, bool]:
    """Take ``fresh`` items one at a time while they fit: how many were taken, and whether the budget stopped it."""
    taken = 0
    for row in fresh:
        if limit is not None and len(state.items) >= limit:
            break
        if state.room.take(row):
            state.items.append(row)
        elif state.items:
            return taken, True
        else:
            state.items.append(state.room.squeeze(row, listed.hint(shell, row, len(state.items))))
            return taken + 1, True
        taken += 1
    return taken, False


def _next_cursor(listed: _List, answer: dict[str, Any], page: _Page) -> str | None:
    """The API's cursor to the page after ``answer``; None at the end of the list.

    Where the cursor is, is declared (``CursorPages.cursor_at``); null on the last page, and bounded answers
    leave it out. An undocumented ``hasMore: false`` beside it also ends the list, and a cursor that names
    the page just read would only repeat it.
    """
    *parents, name = listed.cursor_at
    holder: Any = answer
    for parent in parents:
        holder = holder.get(parent) if isinstance(holder, dict) else None
    if not isinstance(holder, dict):
        return None
    cursor = holder.get(name)
    if not isinstance(cursor, str) or not cursor or cursor == page.cursor:
        return None
    if holder.get("hasMore") is False or answer.get("hasMore") is False:
        return None
    return cursor


def _merged(shell: dict[str, Any], page: dict[str, Any]) -> dict[str, Any]:
    """A later page's fields over the earlier ones; lists (suggestions' keywords) joined without repeats."""
    out = dict(shell)
    for key, value in page.items():
        earlier = shell.get(key)
        if isinstance(earlier, list) and isinstance(value, list):
            out[key] = earlier + [item for item in value if item not in earlier]
        else:
            out[key] = value
    return out


def _result(listed: _List, state: _Walk, *, reported: bool) -> dict[str, Any]:
    out: dict[str, Any] = {listed.field: state.items, **state.shell} if state.has_items else dict(state.shell)
    if state.resume is not None:
        _set_cursor(out, listed.cursor_at, state.resume.encode())
    if state.truncated is not None:
        out["truncated"] = state.truncated
    if reported:
        paging: dict[str, Any] = {"pages": state.requests - state.recalled}
        if state.stopped is not None:
            paging["stopped"] = state.stopped
        if state.failure is not None:
            paging["error"] = _failure_note(state.failure)
        out["paging"] = paging
    return out


def _set_cursor(out: dict[str, Any], where: tuple[str, ...], cursor: str) -> None:
    """``cursor`` put where the list's answers name the next page's (the objects on the way copied)."""
    *parents, name = where
    holder = out
    for parent in parents:
        inner = holder.get(parent)
        holder[parent] = dict(inner) if isinstance(inner, dict) else {}
        holder = holder[parent]
    holder[name] = cursor


@functools.cache
def _notes_tokens(budget_tokens: int, *, fenced: bool) -> int:
    """What the largest ``truncated`` and ``paging`` cost: the same for every walk within one budget."""
    return Measure(fenced=fenced).of(_worst_notes(budget_tokens))


def _worst_notes(budget_tokens: int) -> dict[str, Any]:
    """The largest ``truncated`` and ``paging`` a walk can add: what its budget keeps free for them."""
    message = "<" * (ERROR_MESSAGE_CHARS + 1)
    failure = {"code": "X" * CODE_CHARS, "message": message, "status": 599, "retryAfterSeconds": 1e9}
    return {
        "truncated": truncation(10**6, 10**6, budget_tokens),
        "paging": {"pages": 10**3, "stopped": "deadline", "error": failure},
    }


def _failure_note(error: OctolensError) -> dict[str, Any]:
    message = error.message
    if len(message) > ERROR_MESSAGE_CHARS:
        message = message[:ERROR_MESSAGE_CHARS] + "…"
    note: dict[str, Any] = {"code": error.code[:CODE_CHARS], "message": message}
    if error.status is not None:
        note["status"] = error.status
    if error.retry_after is not None:
        note["retryAfterSeconds"] = error.envelope()["retryAfterSeconds"]
    return note
