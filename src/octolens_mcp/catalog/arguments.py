"""Validates a tool's raw arguments against its input model, with errors that name each field.

The argument rules, one for every tool (docs/behaviour.md states them):

- ``null`` for an argument, at any depth inside objects, means "not given": the key is dropped. A
  required argument sent as ``null`` is therefore missing.
- Types are strict. The only coercions: an integer argument accepts a string of ASCII digits
  (``"42"``), an object or array argument accepts its JSON text (some hosts send them as text), and a
  keyword's ``platforms`` accepts a comma-separated string, like the API's other comma fields.
- Where the meaning is unambiguous, the forms an agent tries first are understood: a sentiment in any
  case (each field sends the API's spelling), a language's name for its code, a keyword's or feed's exact
  name for its id (``catalog.names``).
  A boolean never becomes a number, a number never becomes a string or a boolean, ``"true"`` is text.
- Text must be valid Unicode: a lone surrogate is refused.

A refusal is ``VALIDATION_ERROR`` with ``details[].path`` per field and ``sent: false``: nothing was sent.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from octolens_mcp.catalog.models.common import is_digits
from octolens_mcp.http.errors import refusal

M = TypeVar("M", bound=BaseModel)

# Discriminator tags pydantic puts in error locations; they are not fields the agent sent.
_UNION_TAGS = {"simple", "advanced"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse(model: type[M], arguments: dict[str, Any] | None, schema: dict[str, Any]) -> M:
    """``model`` validated from ``arguments``; raises VALIDATION_ERROR (nothing sent) naming each bad field."""
    given = _without_nulls(_decode_json_strings(arguments or {}, schema))
    _refuse_surrogates(given, "")
    try:
        return model.model_validate(_integers_from_digits(given, schema, schema))
    except ValidationError as exc:
        details = [
            {
                "path": _path(error["loc"]),
                "message": _message(error["msg"]),
                "type": error["type"],
                **_candidates(error.get("ctx")),
            }
            for error in exc.errors(include_url=False, include_input=False)
        ]
        raise refusal(details) from None
    except RecursionError:
        raise refusal([{"path": "(arguments)", "message": "nested too deeply"}]) from None


def _decode_json_strings(arguments: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Some hosts send object and array arguments as JSON text; decode those where a string is not expected."""
    properties = schema.get("properties", {})
    decoded = dict(arguments)
    for key, value in arguments.items():
        expected = properties.get(key, {})
        if not isinstance(value, str) or _allows_string(expected, schema):
            continue
        if value.strip()[:1] in ("{", "["):
            with contextlib.suppress(ValueError, RecursionError):
                decoded[key] = json.loads(value)
    return decoded


def _without_nulls(value: dict[str, Any]) -> dict[str, Any]:
    """A copy whose objects lack their null-valued keys, at any depth ("not given"); nulls in arrays stay."""
    root = _shallow(value)
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node))
        for key in keys:
            child = node[key]
            if isinstance(child, (dict, list)):
                node[key] = _shallow(child)
                stack.append(node[key])
    return root  # type: ignore[no-any-return]


def _shallow(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: child for key, child in node.items() if child is not None}
    return list(node)


def _refuse_surrogates(value: Any, path: str) -> None:
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                raise refusal([{"path": where or "(arguments)", "message": "contains a lone surrogate (invalid text)"}])
        elif isinstance(node, dict):
            for key, child in node.items():
                name = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and _SURROGATE.search(key):
                    raise refusal([{"path": where or "(arguments)", "message": "a key contains a lone surrogate"}])
                stack.append((child, name))
        elif isinstance(node, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(node))


def _integers_from_digits(value: Any, node: dict[str, Any], root: dict[str, Any], depth: int = 0) -> Any:
    """Where the schema expects an integer, a string of decimal digits becomes that integer."""
    if depth > 32:
        return value
    node = _resolve(node, root)
    if isinstance(value, str):
        return int(value) if is_digits(value) and _allows_integer(node, root) else value
    if isinstance(value, dict):
        properties = node.get("properties")
        if not isinstance(properties, dict):
            return value
        return {
            k: _integers_from_digits(v, properties[k], root, depth + 1) if k in properties else v
            for k, v in value.items()
        }
    if isinstance(value, list):
        items = node.get("items")
        if not isinstance(items, dict):
            return value
        return [_integers_from_digits(item, items, root, depth + 1) for item in value]
    return value


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"))
        if isinstance(target, dict):
            return target
    return node


def _allows_string(node: dict[str, Any], root: dict[str, Any]) -> bool:
    """Whether a string is a valid value here as it is (then JSON text stays text)."""
    node = _resolve(node, root)
    kind = node.get("type")
    if kind == "string" or (isinstance(kind, list) and "string" in kind) or "enum" in node or "const" in node:
        return True
    branches = node.get("anyOf") or node.get("oneOf") or []
    return any(_allows_string(b, root) for b in branches if isinstance(b, dict))


def _allows_integer(node: dict[str, Any], root: dict[str, Any]) -> bool:
    kind = node.get("type")
    if kind == "integer" or (isinstance(kind, list) and "integer" in kind and "string" not in kind):
        return True
    branches = node.get("anyOf") or node.get("oneOf")
    if isinstance(branches, list):
        resolved = [_resolve(b, root) for b in branches if isinstance(b, dict)]
        if any(b.get("type") == "string" for b in resolved):
            return False
        return any(b.get("type") == "integer" for b in resolved)
    return False


def _path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in _UNION_TAGS or item.startswith("function-"):
            continue
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts) or "(arguments)"


def _candidates(context: dict[str, Any] | None) -> dict[str, Any]:
    """The close values a validator suggested (a language name it does not know…), as the detail's candidates."""
    candidates = (context or {}).get("candidates")
    return {"candidates": candidates} if isinstance(candidates, list) else {}


def _message(message: str) -> str:
    return message.removeprefix("Value error, ")
