"""The filter wizard: its operation, and the normaliser that turns a feed-grammar answer into mention filters.

The API may answer in either grammar (§6.12 [conflict]). Feed grammar is translated only where the
meaning is kept exactly; anything else comes back untranslated in ``feedFilters`` with a note.
"""

from __future__ import annotations

from typing import Any

from octolens_mcp.catalog.models.common import is_digits
from octolens_mcp.catalog.models.misc import FilterWizardInput, FilterWizardResult
from octolens_mcp.catalog.operation import Operation

# RelevanceScore is left out on purpose: the feed scale is undocumented and may not be the mention scale
# (0 = high), so translating it could silently invert a filter.
_FEED_TO_MENTION_KEY = {
    "Keywords": "keyword",
    "Source": "source",
    "Sentiment": "sentiment",
    "Language": "language",
    "Tags": "tag",
}
_INTEGER_KEYS = {"keyword"}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class Untranslatable(ValueError):
    """A feed-grammar condition with no mention-grammar equivalent."""


def is_feed_grammar(filters: Any) -> bool:
    if not isinstance(filters, dict):
        return False
    if "top_level_operator" in filters:
        return True
    conditions = filters.get("conditions")
    return isinstance(conditions, list) and any(isinstance(c, dict) and "field" in c for c in conditions)


def _condition(condition: dict[str, Any]) -> dict[str, Any]:
    field = str(condition.get("field"))
    operator = str(condition.get("operator") or "in")
    raw = condition.get("values")
    values = [v.strip() for v in str(raw).split(",") if v.strip()] if raw is not None else []
    if field == "TwitterFollowerCount" and operator in {">=", "<="} and len(values) == 1 and is_digits(values[0]):
        return {"minXFollowers" if operator == ">=" else "maxXFollowers": int(values[0])}
    key = _FEED_TO_MENTION_KEY.get(field)
    if key is None or operator not in {"in", "not in", "equals", "="} or not values:
        raise Untranslatable(f"{field} {operator}")
    items: list[Any] = values
    if key in _INTEGER_KEYS:
        if not all(is_digits(v) for v in values):
            raise Untranslatable(f"{field} {operator}")
        items = [int(v) for v in values]
    elif key == "sentiment":
        items = [v.lower() for v in values]
    return {("!" + key) if operator == "not in" else key: items}


def feed_to_mention_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """Feed grammar → mention grammar; raises ``Untranslatable`` for conditions with no equivalent."""
    if "top_level_operator" in filters:
        # Follower bounds stay inside their group as one-key conditions (§3.4 allows them there), so an OR
        # group keeps its meaning.
        groups = [
            {
                "operator": group.get("group_operator", "AND"),
                "conditions": [_condition(c) for c in _list(group.get("conditions")) if isinstance(c, dict)],
            }
            for group in _list(filters.get("groups"))
            if isinstance(group, dict)
        ]
        return {"operator": filters["top_level_operator"], "groups": [g for g in groups if g["conditions"]]}
    merged: dict[str, Any] = {}
    for condition in _list(filters.get("conditions")):
        if not isinstance(condition, dict):
            raise Untranslatable("a condition that is not an object")
        for key, value in _condition(condition).items():
            if key in merged:
                raise Untranslatable(f"{key} twice")
            merged[key] = value
    return merged


def wizard_result(body: Any) -> Any:
    """Normalise the filter wizard's answer: ``filters`` always in mention grammar (or null)."""
    if not isinstance(body, dict):
        return body
    result = dict(body)
    filters = body.get("filters")
    if filters is None:
        result["grammar"] = "none"
        return result
    if not is_feed_grammar(filters):
        result["grammar"] = "mention"
        return result
    result["grammar"] = "feed"
    result["feedFilters"] = filters
    try:
        result["filters"] = feed_to_mention_filters(filters)
        result["isAdvanced"] = "operator" in result["filters"]
    except Untranslatable as exc:
        result["filters"] = None
        note = (
            f"The filter uses {exc}, which has no exact list_mentions equivalent, so it was not translated; "
            "feedFilters holds it unchanged for create_feed."
        )
        result["explanation"] = f"{body.get('explanation') or ''} {note}".strip()
    return result


WIZARD = Operation(
    name="generate_filters",
    method="POST",
    path="/ai/filter-wizard",
    scope="read",
    toolset="mentions",
    title="Filters from plain language",
    description=(
        "Turn a plain-language request into filters for list_mentions (also view/includeAll/limit). filters is null "
        "when the request is ambiguous: show explanation and ask the user to rephrase."
    ),
    input=FilterWizardInput,
    output=FilterWizardResult,
    read_only=True,
    destructive=False,
    idempotent=True,
    timeout=90.0,
    shape=wizard_result,
)
