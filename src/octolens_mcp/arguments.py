"""Validates a tool's raw arguments against its input model, with errors that name each field."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from pydantic import BaseModel, ValidationError

from octolens_mcp.errors import OctolensError

# Discriminator tags pydantic puts in error locations; they are not fields the agent sent.
_UNION_TAGS = {"simple", "advanced"}


def parse(model: type[BaseModel], arguments: dict[str, Any], schema: dict[str, Any]) -> BaseModel:
    """``model`` validated from ``arguments``; raises VALIDATION_ERROR (nothing sent) naming each bad field."""
    try:
        return model.model_validate(_decode_json_strings(arguments, schema))
    except ValidationError as exc:
        details = [
            {"path": _path(error["loc"]), "message": _message(error["msg"]), "type": error["type"]}
            for error in exc.errors(include_url=False, include_input=False)
        ]
        raise OctolensError(
            "VALIDATION_ERROR",
            "Invalid arguments; nothing was sent to Octolens.",
            status=400,
            details=details,
            extra={"sent": False},
        ) from None


def _decode_json_strings(arguments: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Some hosts send object and array arguments as JSON text; decode those where a string is not expected."""
    properties = schema.get("properties", {})
    decoded = dict(arguments)
    for key, value in arguments.items():
        expected = properties.get(key, {})
        if not isinstance(value, str) or expected.get("type") == "string" or "enum" in expected:
            continue
        if value.strip()[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                decoded[key] = json.loads(value)
    return decoded


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


def _message(message: str) -> str:
    return message.removeprefix("Value error, ")
