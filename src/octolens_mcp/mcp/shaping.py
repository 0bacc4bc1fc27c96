"""Results that fit a model's context: compact mentions by default, and a token budget cut at whole items.

- **Compact** (``detail`` unset or ``"compact"``): mentions lose nulls, empty lists, ``engaged: false``,
  internal ids, author links and avatars, the relevance label and comment, matched keywords' ids; bodies
  longer than the configured length are cut with a marker saying how much was cut. ``detail: "full"``
  returns every field and whole bodies.
- **Budget**: a result whose JSON would pass the token budget keeps as many whole items as fit and says
  so in ``truncated`` (returned, omitted, why). A cursor list's ``nextCursor`` then resumes exactly at
  the first item left out: it is our own cursor (``oc1.…``), which names the API page and how many of
  its items were already returned; the tool accepts it like any cursor. A cursor list asked for several
  API pages fills the same budget page by page (``walk``, with ``ItemRoom``).

Tokens are estimated without a tokenizer, as UTF-8 bytes / 3 (conservative: JSON of English text runs
at about 3.7 bytes per o200k token; ``scripts/bench_results.py`` checks the estimate).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from octolens_mcp.http.errors import OctolensError

M = TypeVar("M", bound=BaseModel)
csv.field_size_limit(2**31 - 1)  # a long post body is one CSV field; the default limit (128 KiB) would refuse it
BYTES_PER_TOKEN = 3
ENVELOPE_ALLOWANCE = 2_000
"""Bytes kept free for what surrounds the JSON in the text block (notices, the fence)."""
CURSOR_PREFIX = "oc1."
MAX_IDENTITY_CHARS = 200
"""Longest item identity a cursor carries (longer ones resume by count)."""
COMPACT_DROPS = frozenset(
    {
        "id",
        "url",
        "authorAvatar",
        "authorUrl",
        "authorName",
        "relevance",
        "relevanceComment",
        "imageUrl",
        "feedbackRelevant",
        "keywordId",
    }
)
"""Mention fields a compact result leaves out (``detail: "full"`` or get_mention returns them)."""


def estimate_tokens(text: str) -> int:
    return -(-len(text.encode("utf-8", "surrogatepass")) // BYTES_PER_TOKEN)


# --- resuming inside an API page ---------------------------------------------------------------


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

    def start(self, rows: list[Any]) -> int:
        """The index in ``rows`` (the page read again) of the first item not yet returned.

        When several items carry the name (duplicates), the one nearest where the last item was wins: on an
        unchanged page that is the last item itself, so a list always moves on.
        """
        if self.after is not None:
            last = self.skip - 1
            matches = [index for index, row in enumerate(rows) if item_identity(row) == self.after]
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


def item_identity(row: Any) -> str | None:
    """What names a list item across reads: its ``sourceId``, else its ``id``; None when it has neither usable."""
    if not isinstance(row, dict):
        return None
    for field in ("sourceId", "id"):
        value = row.get(field)
        if isinstance(value, str | int) and not isinstance(value, bool):
            text = str(value)
            if 0 < len(text) <= MAX_IDENTITY_CHARS:
                return text
    return None


def _bad_cursor() -> OctolensError:
    return OctolensError(
        "VALIDATION_ERROR",
        "Invalid arguments; nothing was sent to Octolens.",
        status=400,
        details=[{"path": "cursor", "message": "not a cursor this server issued; pass nextCursor back unchanged"}],
        extra={"sent": False},
    )


def resume_from(arguments: M, tool: str) -> tuple[M, Resume | None]:
    """The arguments to send (our cursor replaced by the API page it names), and where to resume in it.

    The page is requested with the size it had when the cursor was issued (or the API's default), and the
    merged arguments are validated again, so a forged cursor can never carry an out-of-range limit.
    """
    cursor = getattr(arguments, "cursor", None)
    if not isinstance(cursor, str) or not cursor.startswith(CURSOR_PREFIX):
        return arguments, None
    resume = Resume.decode(cursor, tool)
    data = arguments.model_dump(mode="json", by_alias=True, exclude_unset=True)
    data.pop("cursor", None)
    data.pop("limit", None)
    if resume.cursor is not None:
        data["cursor"] = resume.cursor
    if resume.limit is not None:
        data["limit"] = resume.limit
    try:
        return type(arguments).model_validate(data), resume
    except ValidationError:
        raise _bad_cursor() from None


# --- compaction ----------------------------------------------------------------------------------


def compact_mention(mention: dict[str, Any], body_chars: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in mention.items():
        if key in COMPACT_DROPS or value is None or value == [] or (key == "engaged" and value is False):
            continue
        if key == "keywords" and isinstance(value, list):
            value = [k.get("keyword") if isinstance(k, dict) else k for k in value]
            value = [{"keyword": name} for name in value if name is not None]
        out[key] = value
    body = out.get("body")
    if isinstance(body, str) and len(body) > body_chars:
        out["body"] = cut_body(body, body_chars)
    return out


def cut_body(body: str, keep: int) -> str:
    left = len(body) - keep
    return f"{body[:keep]} … [cut: {left} more characters; get_mention returns the whole post]"


def compact_mentions(structured: dict[str, Any], body_chars: int) -> dict[str, Any]:
    """``structured`` with the mentions it carries (``data``, ``mentions`` or an export's ``preview``) compacted."""
    out = dict(structured)
    for key in ("data", "mentions", "preview"):
        rows = out.get(key)
        if isinstance(rows, list):
            out[key] = [compact_mention(row, body_chars) if isinstance(row, dict) else row for row in rows]
    return out


# --- the budget ----------------------------------------------------------------------------------


def fit(
    structured: dict[str, Any],
    *,
    budget_tokens: int,
    resume: Resume | None,
    tool: str,
    cursor_list: bool,
    limit: int | None,
    fenced: bool,
    offset: int = 0,
) -> dict[str, Any]:
    """``structured`` within the budget, cut at a whole item of its list, saying what was left out.

    ``fenced``: the text block escapes ``<``, ``>`` and ``&`` (six bytes each), so they are counted so.
    """
    budget = budget_tokens * BYTES_PER_TOKEN - ENVELOPE_ALLOWANCE
    size = _fenced_size if fenced else _size
    key = next((k for k in ("data", "mentions") if isinstance(structured.get(k), list)), None)
    skip = offset
    if key is not None and resume is not None:
        skip = resume.start(structured[key])
    if key is not None and skip:
        structured = {**structured, key: structured[key][skip:]}
    if size(structured) <= budget:
        return structured
    if key is None:
        return fit_item(structured, budget, size)
    rows: list[Any] = structured[key]
    shell = size({**structured, key: [], "truncated": truncation(0, len(rows), budget_tokens)}) + 64
    kept, used = 0, shell
    for row in rows:
        used += size(row) + 1
        if used > budget:
            break
        kept += 1
    head = rows[:kept]
    if not head and rows:
        # One item alone is over the budget: it goes out with its body cut, so the cursor still moves on.
        head = [fit_item(rows[0], max(0, budget - shell), size) if isinstance(rows[0], dict) else rows[0]]
        kept = 1
    out = {**structured, key: head, "truncated": truncation(kept, len(rows) - kept, budget_tokens)}
    if cursor_list and kept < len(rows):
        page = Resume(tool, resume.cursor if resume else None, limit, skip + kept, item_identity(rows[kept - 1]))
        set_next_cursor(out, page.encode())
    return out


class ItemRoom:
    """The room a result's list has within the token budget, filled with whole items one at a time."""

    def __init__(self, budget_tokens: int, *, fenced: bool) -> None:
        """``fenced``: the text block escapes ``<``, ``>`` and ``&`` (six bytes each), so they are counted so."""
        self.size: Callable[[Any], int] = _fenced_size if fenced else _size
        self._budget = budget_tokens * BYTES_PER_TOKEN - ENVELOPE_ALLOWANCE
        self._around = 0
        self._used = 0
        self.items = 0

    @property
    def left(self) -> int:
        return self._budget - self._around - self._used

    @property
    def average_item(self) -> float:
        return self._used / self.items if self.items else 0.0

    def surround(self, shell: dict[str, Any], extra: int) -> bool:
        """Set what surrounds the items (``shell``, plus ``extra`` bytes still to come).

        False, changing nothing, when the items already taken would no longer fit.
        """
        around = self.size(shell) + extra
        if self.items and around + self._used > self._budget:
            return False
        self._around = around
        return True

    def take(self, item: Any) -> bool:
        """Count ``item`` in if it fits whole."""
        cost = self.size(item) + 1
        if cost > self.left:
            return False
        self._used += cost
        self.items += 1
        return True

    def squeeze(self, item: Any) -> Any:
        """An item alone over the budget, its body cut to the room left, so a cursor still moves past it."""
        if isinstance(item, dict):
            item = fit_item(item, max(0, self.left), self.size)
        self._used += self.size(item) + 1
        self.items += 1
        return item


def fit_csv(text: str, budget_tokens: int) -> tuple[str, int, int]:
    """CSV within the budget, cut at a whole row: (text, rows kept, rows left out)."""
    budget = budget_tokens * BYTES_PER_TOKEN - ENVELOPE_ALLOWANCE
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return text, 0, 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(rows[0])
    kept = 0
    for row in rows[1:]:
        mark = buffer.tell()
        writer.writerow(row)
        if len(buffer.getvalue().encode()) > budget:
            buffer.seek(mark)
            buffer.truncate()
            break
        kept += 1
    return buffer.getvalue(), kept, len(rows) - 1 - kept


def csv_truncation(returned: int, omitted: int) -> dict[str, Any]:
    return {"returned": returned, "omitted": omitted, "reason": "the result token budget; narrow the filters"}


def fit_item(structured: dict[str, Any], budget: int, size: Callable[[Any], int]) -> dict[str, Any]:
    """One record over the budget (a huge post): its body is cut, the rest kept."""
    body = structured.get("body")
    if not isinstance(body, str):
        return structured
    over = size(structured) - budget
    # Bytes over the budget, as characters: at most 6 bytes each (an escaped "<"), so cutting that many is enough.
    keep = max(0, len(body) - over - 200)
    return {**structured, "body": cut_body(body, keep)}


def truncation(returned: int, omitted: int, budget_tokens: int) -> dict[str, Any]:
    return {
        "returned": returned,
        "omitted": omitted,
        "reason": f"the result token budget ({budget_tokens}); nextCursor, where present, resumes at the first "
        "item left out",
    }


def set_next_cursor(out: dict[str, Any], cursor: str) -> None:
    if isinstance(out.get("pagination"), dict) or "nextCursor" not in out:
        out["pagination"] = {**(out.get("pagination") or {}), "nextCursor": cursor}
    else:
        out["nextCursor"] = cursor


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


def _fenced_size(value: Any) -> int:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    escaped = text.count("<") + text.count(">") + text.count("&")
    return len(text.encode("utf-8", "surrogatepass")) + 5 * escaped
