"""Results that fit the model's context: every result and error within the token budget, in both forms.

A result is measured as the text block shows it (its JSON, fence escapes included: the larger of the
two forms) with the calibrated estimate of ``tokens``. Two steps keep it within the budget:

- **Items** (the list the operation declares): as many whole items as fit, in order; an item alone
  over the budget goes out cut inside, so a cursor still moves past it. What was left out is said in
  ``truncated`` (returned, omitted, how to go on).
- **Anything else** (``squeeze``): a value still over the budget — a huge string in any field, an
  unknown field, a long list nobody declared, deep nesting, an error body — is cut where it is large:
  its budget is shared among a container's members (those under their share keep whole, the rest
  split what is left), a list keeps whole items in order while they fit, a string longer than its
  share is cut inside with a marker saying how much is left and where to read it, and containers
  deeper than ``MAX_DEPTH`` become a marker. Keys are kept, so the shape stays the tool's.

The estimate of a whole is checked at the end, and the cut is made again tighter while it is over;
past ``ROUNDS`` the result is replaced by a short note, so no answer can pass the budget.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from octolens_mcp.jsontext import json_text, utf8_size
from octolens_mcp.mcp.tokens import estimate_tokens
from octolens_mcp.mcp.untrusted import fenced

csv.field_size_limit(2**31 - 1)  # a long post body is one CSV field; the default limit (128 KiB) would refuse it

ENVELOPE_TOKENS = 400
"""Tokens kept free for what surrounds the JSON in the text block: the notices (about 100 tokens at most),
the fence, and the structured form's own notice field."""
MAX_DEPTH = 16
"""Containers nested deeper than this (no Octolens answer is) are replaced by a marker."""
ROUNDS = 4
SHELL_SHARE = 0.25
"""The most of the budget a list's other fields may take before they are cut (``fit_shell``)."""
MIN_STRING_TOKENS = 24
"""A string cut to less than this keeps only its marker."""
DEEP_MARKER = "[cut: nested too deeply]"
BUDGET_HINT = "over the result budget, OCTOLENS_RESULT_TOKENS"
ITEM_MARGIN = 8
"""Tokens per item by which items measured one by one (plus a comma each) may cost more than the list they make,
measured whole: each text's own ``_PER_TEXT`` of 3, a rounding up, and a pair at its start (at most one token).
A list whose cost with this much more per item fits the room has every item fit when taken one by one."""
_FENCE_TOKENS = estimate_tokens(fenced(""))
FENCE_BYTES = utf8_size(fenced(""))

Hint = Callable[[dict[str, Any], int], str | None]
"""How to read item ``index`` (as the list stood before it was cut) whole, given the item."""


@dataclass(frozen=True)
class Measure:
    """Token cost of JSON values as the result's text block shows them."""

    fenced: bool
    """The text block escapes ``<``, ``>``, ``&`` and look-alikes inside the untrusted-data fence."""

    def text(self, value: Any) -> int:
        return self.json(json_text(value))

    def json(self, text: str) -> int:
        """Cost of a value's compact JSON ``text``."""
        return estimate_tokens(fenced(text)) - _FENCE_TOKENS if self.fenced else estimate_tokens(text)

    def of(self, value: Any) -> int:
        """Cost of ``value``; values nested too deeply to write count as too large to keep."""
        try:
            return self.text(value)
        except (RecursionError, ValueError, TypeError):
            return 1 << 40


def available(budget_tokens: int) -> int:
    """The tokens a result's JSON may take within the budget."""
    return budget_tokens - ENVELOPE_TOKENS


# --- items ---------------------------------------------------------------------------------------


class ItemRoom:
    """The room a result's list has within the budget, filled with whole items one at a time."""

    def __init__(self, budget_tokens: int, measure: Measure) -> None:
        self.measure = measure
        self._budget = available(budget_tokens)
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
        """Set what surrounds the items (``shell``, plus ``extra`` tokens still to come).

        False, changing nothing, when the items already taken would no longer fit.
        """
        around = self.measure.of(shell) + extra
        if self.items and around + self._used > self._budget:
            return False
        self._around = around
        return True

    def take(self, item: Any) -> bool:
        """Count ``item`` in if it fits whole."""
        cost = self.measure.of(item) + 1
        if cost > self.left:
            return False
        self._used += cost
        self.items += 1
        return True

    def take_all(self, items: list[Any]) -> bool:
        """Count ``items`` in at once when they surely fit, measuring them as one list; False, changing nothing,
        when they may not (then each is taken, and measured, one at a time).

        They surely fit when their JSON, as the text block shows it, has no more bytes than the room left has
        tokens (a token is at least a byte), or else when its estimate plus ``ITEM_MARGIN`` per item fits: then
        taking them one by one would have taken every one of them too. What is counted may be more than that
        would count: for the last items of a result only (the caller's choice), where nothing is fitted after.
        """
        try:
            text = json_text(items)
        except (RecursionError, ValueError, TypeError):
            return False
        cost = _fenced_size_at_most(text) if self.measure.fenced else utf8_size(text)
        if cost > self.left and self.measure.fenced:
            cost = utf8_size(fenced(text))
        if cost > self.left:
            cost = self.measure.json(text) + ITEM_MARGIN * len(items) + 1
            if cost > self.left:
                return False
        self._used += cost
        self.items += len(items)
        return True

    def squeeze(self, item: Any, hint: str | None) -> Any:
        """An item alone over the budget, cut inside to the room left, so a cursor still moves past it."""
        item, _ = squeeze(item, max(MIN_STRING_TOKENS, self.left), self.measure, hint or BUDGET_HINT)
        self._used += self.measure.of(item) + 1
        self.items += 1
        return item


def fit_items(
    structured: dict[str, Any], field: str, budget_tokens: int, measure: Measure, hint: Hint
) -> tuple[dict[str, Any], int | None]:
    """``structured`` with as many whole items of its ``field`` list as fit; how many were kept if any were cut."""
    rows = structured.get(field)
    if not isinstance(rows, list) or measure.of(structured) <= available(budget_tokens):
        return structured, None
    room = ItemRoom(budget_tokens, measure)
    room.surround({**structured, field: [], "truncated": truncation(0, len(rows), budget_tokens)}, 16)
    kept: list[Any] = []
    for index, row in enumerate(rows):
        if room.take(row):
            kept.append(row)
            continue
        if not kept:
            kept.append(room.squeeze(row, hint(row, index) if isinstance(row, dict) else None))
        break
    out = {**structured, field: kept}
    if len(kept) < len(rows):
        out["truncated"] = truncation(len(kept), len(rows) - len(kept), budget_tokens)
        return out, len(kept)
    return out, None


def fit_shell(answer: dict[str, Any], field: str, budget_tokens: int, measure: Measure) -> dict[str, Any]:
    """A list answer whose other fields take more than ``SHELL_SHARE`` of the budget, with those cut to it.

    The items need the rest: cut first, the fields around them cannot leave the list no room (a cursor that
    resumes after an item the last cut then dropped would skip it).
    """
    shell = {key: value for key, value in answer.items() if key != field}
    room = int(available(budget_tokens) * SHELL_SHARE)
    if measure.of(shell) <= room:
        return answer
    cut, _ = squeeze(shell, room, measure, BUDGET_HINT)
    out = dict(cut) if isinstance(cut, dict) else {}
    if field in answer:
        out[field] = answer[field]
    return out


def truncation(returned: int, omitted: int, budget_tokens: int) -> dict[str, Any]:
    return {"returned": returned, "omitted": omitted, "reason": f"the result budget ({budget_tokens} tokens)"}


def fit_csv(text: str, budget_tokens: int) -> tuple[str, int, int]:
    """CSV within the budget, cut at a whole row: (text, rows kept, rows left out)."""
    budget = available(budget_tokens)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return text, 0, 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(rows[0])
    used = estimate_tokens(buffer.getvalue())
    kept = 0
    for row in rows[1:]:
        mark = buffer.tell()
        writer.writerow(row)
        used += estimate_tokens(buffer.getvalue()[mark:]) + 2
        if used > budget:
            buffer.seek(mark)
            buffer.truncate()
            break
        kept += 1
    return buffer.getvalue(), kept, len(rows) - 1 - kept


# --- anything else -------------------------------------------------------------------------------


@dataclass
class _Cuts:
    strings: int = 0
    lists: int = 0
    deep: int = 0

    def note(self) -> str | None:
        parts = [
            f"{count} {what}"
            for count, what in (
                (self.strings, "long strings cut inside"),
                (self.lists, "lists cut after whole items"),
                (self.deep, "values nested too deeply dropped"),
            )
            if count
        ]
        return "; ".join(parts) or None


def squeeze(value: Any, budget: int, measure: Measure, hint: str) -> tuple[Any, str | None]:
    """``value`` cut to at most ``budget`` tokens as the text block counts them; a note of what was cut.

    ``hint`` says where a cut string can be read whole (a tool, the export); it ends each string's marker.
    """
    deep = _Cuts()
    shallow = _within_depth(value, deep)
    allowance = budget
    for _ in range(ROUNDS):
        cuts = _Cuts(deep=deep.deep)
        out = _fit(shallow, allowance, measure, hint, cuts)
        cost = measure.of(out)
        if cost <= budget:
            return out, cuts.note()
        allowance = max(1, int(allowance * budget / cost * 0.9))
    return _replacement(value), "the whole value was over the result budget"


def _replacement(value: Any) -> Any:
    """What stands for a value no cut brought within the budget: empty, of the same type."""
    if isinstance(value, dict):
        return {}
    if isinstance(value, list):
        return []
    if isinstance(value, str):
        return f"[cut: {BUDGET_HINT}]"
    return value


def _within_depth(value: Any, cuts: _Cuts) -> Any:
    """``value`` with every container below ``MAX_DEPTH`` replaced by a marker (iteratively: no depth limit)."""
    if not isinstance(value, dict | list):
        return value
    root: Any = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any, int]] = [(value, root, 1)]
    while stack:
        source, target, depth = stack.pop()
        pairs = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in pairs:
            if isinstance(item, dict | list):
                if depth >= MAX_DEPTH:
                    copy: Any = DEEP_MARKER
                    cuts.deep += 1
                else:
                    copy = {} if isinstance(item, dict) else []
                    stack.append((item, copy, depth + 1))
            else:
                copy = item
            if isinstance(target, dict):
                target[key] = copy
            else:
                target.append(copy)
    return root


def _fit(value: Any, allowance: int, measure: Measure, hint: str, cuts: _Cuts) -> Any:
    if isinstance(value, str):
        return _cut_string(value, allowance, measure, hint, cuts)
    if not isinstance(value, dict | list):
        return value
    cost = measure.of(value)
    if cost <= allowance:
        return value
    if isinstance(value, list):
        return _fit_list(value, allowance, measure, hint, cuts)
    return _fit_dict(value, allowance, measure, hint, cuts)


def _fit_list(items: list[Any], allowance: int, measure: Measure, hint: str, cuts: _Cuts) -> list[Any]:
    """Whole items in order while they fit; the first one that does not is cut into what is left."""
    left = allowance - 2
    out: list[Any] = []
    for item in items:
        cost = measure.of(item) + 1
        if cost <= left:
            out.append(item)
            left -= cost
            continue
        if left >= MIN_STRING_TOKENS:
            out.append(_fit(item, left - 1, measure, hint, cuts))
        break
    if len(out) < len(items):
        cuts.lists += 1
    return out


def _fit_dict(value: dict[str, Any], allowance: int, measure: Measure, hint: str, cuts: _Cuts) -> dict[str, Any]:
    """Members under their share keep whole; the larger ones split what is left evenly."""
    keys = {key: _fit(key, MIN_STRING_TOKENS * 4, measure, hint, cuts) for key in value}
    costs = {key: measure.of(item) for key, item in value.items()}
    fixed = sum(measure.of(keys[key]) + 2 for key in value) + 2
    left = max(0, allowance - fixed)
    share = _water_level(sorted(costs.values()), left)
    out: dict[str, Any] = {}
    for key, item in value.items():
        out[keys[key]] = item if costs[key] <= share else _fit(item, max(1, int(share)), measure, hint, cuts)
    return out


def _water_level(costs: list[int], total: int) -> float:
    """The share ``T`` at which giving each member ``min(cost, T)`` spends ``total`` (costs sorted)."""
    remaining = total
    for index, cost in enumerate(costs):
        members = len(costs) - index
        if cost * members > remaining:
            return remaining / members
        remaining -= cost
    return float(costs[-1]) if costs else 0.0


def _cut_string(text: str, allowance: int, measure: Measure, hint: str, cuts: _Cuts) -> str:
    cost = measure.of(text)
    if cost <= allowance:
        return text
    cuts.strings += 1
    room = allowance - measure.of(_marker(len(text), hint))
    if room <= 0:
        return _marker(len(text), hint).removeprefix("… ")
    keep = int(len(text) * room / cost)
    while keep > 0 and measure.of(text[:keep]) > room:
        keep = int(keep * 0.9)
    return text[:keep] + _marker(len(text) - keep, hint)


def _marker(left: int, hint: str) -> str:
    return f"… [cut {left} chars; {hint}]"


def _fenced_size_at_most(text: str) -> int:
    """No fewer bytes than ``fenced(text)`` has, without writing it: each ``&``, ``<`` or ``>`` becomes a six-byte
    escape (five more), and each look-alike one too (at most four more than its UTF-8, which takes at least two
    bytes, and a character that is not ASCII takes at least one byte more than one); plus the fence lines."""
    size = utf8_size(text)
    return size + 5 * (text.count("&") + text.count("<") + text.count(">")) + 4 * (size - len(text)) + FENCE_BYTES
