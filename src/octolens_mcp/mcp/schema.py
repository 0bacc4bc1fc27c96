"""JSON Schemas from the pydantic models, compacted for a model's context window.

Input schemas drop what costs tokens and tells an agent nothing: titles, ``default: null`` and the
``null`` branch of optional fields (omitting a field is how an agent leaves it out). Output schemas
keep their ``null`` branches, since responses really carry nulls, but as ``type: [T, "null"]``
rather than ``anyOf``: the same meaning, and much cheaper for a host to validate every result against.
"""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel


def input_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, mode="validation")
    return cast(dict[str, Any], _compact(_strip_titles(schema), drop_null=True))


def output_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    return cast(dict[str, Any], _nullable_types(_strip_titles(schema)))


def _strip_titles(node: Any) -> Any:
    """Drop every schema ``title`` (a string); a property that is itself named title maps to a dict and stays."""
    if isinstance(node, dict):
        return {
            key: _strip_titles(value) for key, value in node.items() if not (key == "title" and isinstance(value, str))
        }
    if isinstance(node, list):
        return [_strip_titles(item) for item in node]
    return node


def _compact(node: Any, *, drop_null: bool) -> Any:
    if isinstance(node, list):
        return [_compact(item, drop_null=drop_null) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _compact(value, drop_null=drop_null) for key, value in node.items()}
    if drop_null and out.get("default", 0) is None:
        del out["default"]
    if out.get("additionalProperties") is True:
        del out["additionalProperties"]  # the JSON Schema default: saying it costs tokens and tells nothing
    branches = out.get("anyOf")
    if drop_null and isinstance(branches, list):
        kept = [branch for branch in branches if branch != {"type": "null"}]
        if len(kept) == 1 and len(kept) != len(branches):
            del out["anyOf"]
            out = {**kept[0], **out}
        elif len(kept) != len(branches):
            out["anyOf"] = kept
    return out


def _nullable_types(node: Any) -> Any:
    """``anyOf: [{type: T, …}, {type: null}]`` → ``{type: [T, "null"], …}`` where T is a single type."""
    if isinstance(node, list):
        return [_nullable_types(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _nullable_types(value) for key, value in node.items()}
    branches = out.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2 and {"type": "null"} in branches:
        other = next(branch for branch in branches if branch != {"type": "null"})
        if isinstance(other, dict) and isinstance(other.get("type"), str) and "$ref" not in other:
            del out["anyOf"]
            out = {**other, **out, "type": [other["type"], "null"]}
    return out
