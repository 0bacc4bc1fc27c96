"""The two filter grammars as the API validates and applies them: mention filters (§3), feed filters (§4)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from octolens_sandbox.http import ApiError, validation
from octolens_sandbox.seed import LANGUAGES, SOURCES

ARRAY_KEYS = ("source", "sentiment", "keyword", "language", "tag", "relevance")
SCALAR_KEYS = ("minXFollowers", "maxXFollowers", "startDate", "endDate")
FEED_FIELDS = (
    "Keywords",
    "Source",
    "Sentiment",
    "Language",
    "Tags",
    "RelevanceScore",
    "Engaged",
    "Bookmarked",
    "RelevantOnly",
    "TimeRange",
    "TwitterFollowerCount",
)
FEED_OPERATORS = ("in", "not in", "equals", "=", ">=", "<=")


def parse_date(value: Any, path: str) -> datetime:
    if not isinstance(value, str):
        raise validation(path, "expected an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise validation(path, "expected an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _array(key: str, value: Any, path: str, keyword_ids: set[int]) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise validation(path, "expected a non-empty array")
    if key == "keyword":
        out = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or not (isinstance(item, int) or (isinstance(item, str) and item.isdigit())):
                raise validation(f"{path}[{index}]", "keyword filter takes numeric keyword ids, not names")
            out.append(int(item))
        return out
    if key == "relevance":
        out = []
        for index, item in enumerate(value):
            number = int(item) if isinstance(item, str) and item.isdigit() else item
            if number not in (0, 1, 2) or isinstance(number, bool):
                raise validation(f"{path}[{index}]", "relevance is 0, 1 or 2")
            out.append(number)
        return out
    allowed = {"source": SOURCES, "sentiment": ("positive", "neutral", "negative"), "language": tuple(LANGUAGES)}
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise validation(f"{path}[{index}]", "expected a string")
        if key in allowed and item not in allowed[key]:
            raise validation(f"{path}[{index}]", f"unknown {key} {item!r}")
    return list(value)


def _condition_key(key: str) -> tuple[bool, str]:
    negated = key.startswith("!")
    return negated, key[1:] if negated else key


def _scalars(data: dict[str, Any], path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("minXFollowers", "maxXFollowers"):
        if key in data:
            if isinstance(data[key], bool) or not isinstance(data[key], (int, float)) or data[key] < 0:
                raise validation(f"{path}.{key}", "expected a non-negative number")
            out[key] = data[key]
    for key in ("startDate", "endDate"):
        if key in data:
            out[key] = parse_date(data[key], f"{path}.{key}")
    return out


def compile_mention_filters(filters: Any, keyword_ids: set[int]) -> dict[str, Any]:
    """Validate a §3 filter object (simple or advanced) into a matcher spec; unknown keys are refused."""
    path = "filters"
    if not isinstance(filters, dict):
        raise validation(path, "expected an object")
    spec: dict[str, Any] = {"groups": None, "conditions": [], "operator": "AND"}
    if "groups" in filters or "operator" in filters:
        for key in filters:
            if key not in ("operator", "groups", *SCALAR_KEYS):
                raise validation(f"{path}.{key}", "unknown filter key")
        if filters.get("operator") not in ("AND", "OR"):
            raise validation(f"{path}.operator", "must be AND or OR")
        groups = filters.get("groups")
        if not isinstance(groups, list) or not groups:
            raise validation(f"{path}.groups", "expected a non-empty array")
        spec["operator"] = filters["operator"]
        spec["groups"] = []
        for gi, group in enumerate(groups):
            gpath = f"{path}.groups[{gi}]"
            if not isinstance(group, dict) or set(group) - {"operator", "conditions"}:
                raise validation(gpath, "a group has operator and conditions only")
            if group.get("operator") not in ("AND", "OR"):
                raise validation(f"{gpath}.operator", "must be AND or OR")
            conditions = group.get("conditions")
            if not isinstance(conditions, list) or not conditions:
                raise validation(f"{gpath}.conditions", "expected a non-empty array")
            compiled = []
            for ci, condition in enumerate(conditions):
                cpath = f"{gpath}.conditions[{ci}]"
                if not isinstance(condition, dict) or len(condition) != 1:
                    raise validation(cpath, "a condition has exactly one key")
                ((key, value),) = condition.items()
                if key in SCALAR_KEYS:  # §3.4: date and follower bounds may also stand as conditions
                    compiled.append((False, key, [_scalars(condition, cpath)[key]]))
                    continue
                negated, name = _condition_key(key)
                if name not in ARRAY_KEYS:
                    raise validation(f"{cpath}.{key}", "unknown filter key")
                compiled.append((negated, name, _array(name, value, f"{cpath}.{key}", keyword_ids)))
            spec["groups"].append((group["operator"], compiled))
        spec.update(_scalars(filters, path))
        return spec
    for key, value in filters.items():
        negated, name = _condition_key(key)
        if name in ARRAY_KEYS:
            spec["conditions"].append((negated, name, _array(name, value, f"{path}.{key}", keyword_ids)))
        elif key == "engaged":
            if not isinstance(value, bool):
                raise validation(f"{path}.engaged", "expected a boolean")
            spec["engaged"] = value
        elif key not in SCALAR_KEYS:
            raise validation(f"{path}.{key}", "unknown filter key")
    spec.update(_scalars(filters, path))
    return spec


def _values_of(mention: dict[str, Any], name: str) -> set[Any]:
    if name == "source":
        return {mention["source"]}
    if name == "sentiment":
        return {(mention.get("sentiment") or "").lower()}
    if name == "keyword":
        return {k["id"] for k in mention.get("keywords", [])}
    if name == "language":
        return {code for code, full in LANGUAGES.items() if full == mention.get("language")}
    if name == "tag":
        return set(mention.get("tags", []))
    return {mention.get("relevanceScore")}


def _holds(mention: dict[str, Any], condition: tuple[bool, str, list[Any]]) -> bool:
    negated, name, values = condition
    if name in SCALAR_KEYS:
        return matches(mention, {"groups": None, "conditions": [], name: values[0]})
    hit = bool(_values_of(mention, name) & set(values))
    return not hit if negated else hit


def matches(mention: dict[str, Any], spec: dict[str, Any]) -> bool:
    moment: datetime = mention["_moment"]
    if "startDate" in spec and moment < spec["startDate"]:
        return False
    if "endDate" in spec and moment > spec["endDate"]:
        return False
    followers = mention.get("authorFollowers") or 0
    if mention["source"] == "twitter":
        if "minXFollowers" in spec and followers < spec["minXFollowers"]:
            return False
        if "maxXFollowers" in spec and followers > spec["maxXFollowers"]:
            return False
    if "engaged" in spec and bool(mention.get("engaged")) != spec["engaged"]:
        return False
    if spec["groups"] is None:
        return all(_holds(mention, c) for c in spec["conditions"])
    results = []
    for operator, conditions in spec["groups"]:
        hits = [_holds(mention, c) for c in conditions]
        results.append(all(hits) if operator == "AND" else any(hits))
    return all(results) if spec["operator"] == "AND" else any(results)


# --- Feed grammar ---------------------------------------------------------------------------------


def validate_feed_filters(simple: Any, advanced: Any, keyword_ids: set[int]) -> None:
    if simple is not None and advanced is not None:
        raise validation("advancedFilters", "a feed stores simpleFilters or advancedFilters, not both")
    conditions: list[tuple[str, dict[str, Any]]] = []
    uses_or = False
    if simple is not None:
        if not isinstance(simple, dict) or set(simple) != {"conditions"} or not isinstance(simple["conditions"], list):
            raise validation("simpleFilters", "expected {conditions: [...]}")
        for index, condition in enumerate(simple["conditions"]):
            path = f"simpleFilters.conditions[{index}]"
            if not isinstance(condition, dict) or set(condition) != {"field", "values"}:
                raise validation(path, "a simple condition has field and values")
            conditions.append((path, condition))
    if advanced is not None:
        if not isinstance(advanced, dict) or set(advanced) - {"top_level_operator", "groups"}:
            raise validation("advancedFilters", "expected {top_level_operator, groups}")
        if advanced.get("top_level_operator") not in ("AND", "OR"):
            raise validation("advancedFilters.top_level_operator", "must be AND or OR")
        uses_or = advanced["top_level_operator"] == "OR"
        groups = advanced.get("groups")
        if not isinstance(groups, list) or not groups:
            raise validation("advancedFilters.groups", "expected a non-empty array")
        for gi, group in enumerate(groups):
            gpath = f"advancedFilters.groups[{gi}]"
            if not isinstance(group, dict) or set(group) - {"group_operator", "conditions", "isSingleCondition"}:
                raise validation(gpath, "a group has group_operator and conditions")
            if group.get("group_operator") not in ("AND", "OR"):
                raise validation(f"{gpath}.group_operator", "must be AND or OR")
            uses_or = uses_or or group["group_operator"] == "OR"
            for ci, condition in enumerate(group.get("conditions") or []):
                path = f"{gpath}.conditions[{ci}]"
                if not isinstance(condition, dict) or set(condition) != {"field", "operator", "values"}:
                    raise validation(path, "an advanced condition has field, operator and values")
                if condition["operator"] not in FEED_OPERATORS:
                    raise validation(f"{path}.operator", f"must be one of {', '.join(FEED_OPERATORS)}")
                conditions.append((path, condition))
    if len(conditions) > 50:
        raise validation("conditions", "at most 50 conditions per feed")
    for path, condition in conditions:
        if condition["field"] not in FEED_FIELDS:
            raise validation(f"{path}.field", f"unknown field; valid fields: {', '.join(FEED_FIELDS)}")
        if not isinstance(condition["values"], str):
            raise validation(f"{path}.values", "values is one comma-separated string")
        if condition["field"] == "Keywords":
            ids = [v.strip() for v in condition["values"].split(",") if v.strip()]
            bad = [v for v in ids if not v.isdigit() or int(v) not in keyword_ids]
            if bad:
                raise validation(f"{path}.values", f"unknown keyword ids: {', '.join(bad)}")
    has_time = any(c["field"] == "TimeRange" for _, c in conditions)
    excludes = any(c.get("operator") == "not in" for _, c in conditions)
    if has_time and (excludes or uses_or):
        raise validation("advancedFilters", "a date range cannot be combined with exclusions or OR groups")


def _feed_condition(mention: dict[str, Any], condition: dict[str, Any]) -> bool:
    field, operator = condition["field"], condition.get("operator", "in")
    values = [v.strip() for v in condition["values"].split(",") if v.strip()]
    if field == "RelevanceScore" and operator in (">=", "<=") and values and re.fullmatch(r"\d+", values[0]):
        score = mention.get("relevanceScore")
        if score is None:
            return False
        return bool(score >= int(values[0]) if operator == ">=" else score <= int(values[0]))
    mapping = {
        "Keywords": ("keyword", [int(v) for v in values if v.isdigit()]),
        "Source": ("source", values),
        "Sentiment": ("sentiment", [v.lower() for v in values]),
        "Language": ("language", values),
        "Tags": ("tag", values),
        "RelevanceScore": ("relevance", [int(v) for v in values if v.isdigit()]),
    }
    if field == "Engaged":
        return bool(mention.get("engaged")) == (values[:1] in (["true"], ["1"]))
    if field not in mapping:
        return True  # stored and echoed, not interpreted (§4.3)
    name, wanted = mapping[field]
    hit = bool(_values_of(mention, name) & set(wanted)) or (name == "language" and mention.get("language") in wanted)
    return not hit if operator == "not in" else hit


def feed_matches(mention: dict[str, Any], feed: dict[str, Any]) -> bool:
    simple, advanced = feed.get("simpleFilters"), feed.get("advancedFilters")
    if simple:
        return all(_feed_condition(mention, c) for c in simple["conditions"])
    if advanced:
        results = []
        for group in advanced["groups"]:
            hits = [_feed_condition(mention, c) for c in group["conditions"]]
            results.append(all(hits) if group["group_operator"] == "AND" else any(hits))
        return all(results) if advanced["top_level_operator"] == "AND" else any(results)
    return True


def referenced_keywords(feed: dict[str, Any]) -> set[int]:
    conditions = []
    if feed.get("simpleFilters"):
        conditions = feed["simpleFilters"]["conditions"]
    elif feed.get("advancedFilters"):
        conditions = [c for g in feed["advancedFilters"]["groups"] for c in g["conditions"]]
    ids: set[int] = set()
    for condition in conditions:
        if condition["field"] == "Keywords":
            ids |= {int(v) for v in condition["values"].split(",") if v.strip().isdigit()}
    return ids


__all__ = ["ApiError"]
