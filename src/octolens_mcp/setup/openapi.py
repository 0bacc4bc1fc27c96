"""An OpenAPI 3.1 document of what this server declares: each catalog ``Operation`` with its pydantic models.

It is what ``doctor --api`` holds the live ``GET /openapi.json`` against, and what tests change on purpose
to stand for an API that drifted. Path fields are path parameters; the rest of the input is the query of a
GET or the JSON body of anything else, minus the arguments that only shape the result (``LOCAL_ARGUMENTS``);
the output model is the 200 answer. Each operation carries ``x-required-scope``, as the live document does.
"""

from __future__ import annotations

import json
import re
from typing import Any

from octolens_mcp import __version__
from octolens_mcp.catalog.inventory import OPERATIONS
from octolens_mcp.catalog.models.common import LOCAL_ARGUMENTS
from octolens_mcp.catalog.operation import Operation

_PATH_PARAM = re.compile(r"{(\w+)}")
_REF = "#/components/schemas/"


def _lifted(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` moved to the document's components and its references pointed there."""
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    text = json.dumps(schema).replace('"#/$defs/', f'"{_REF}')
    lifted: dict[str, Any] = json.loads(text)
    return lifted


def _operation(operation: Operation, components: dict[str, Any]) -> dict[str, Any]:
    schema = _lifted(operation.input.model_json_schema(by_alias=True), components)
    properties: dict[str, Any] = dict(schema.get("properties", {}))
    required = set(schema.get("required", []))
    for local in LOCAL_ARGUMENTS:
        properties.pop(local, None)
    in_path = _PATH_PARAM.findall(operation.path)
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": properties.pop(name, {"type": "string"})}
        for name in in_path
    ]
    document: dict[str, Any] = {
        "operationId": operation.name,
        "summary": operation.title,
        "x-required-scope": operation.scope,
    }
    if operation.method == "GET":
        parameters += [
            {"name": name, "in": "query", "required": name in required, "schema": field}
            for name, field in properties.items()
        ]
    elif properties:
        body = {"type": "object", "properties": properties}
        needed = sorted(required & set(properties))
        if needed:
            body["required"] = needed
        document["requestBody"] = {"required": bool(needed), "content": {"application/json": {"schema": body}}}
    if parameters:
        document["parameters"] = parameters
    output = _lifted(operation.output.model_json_schema(by_alias=True, mode="serialization"), components)
    document["responses"] = {"200": {"description": "OK", "content": {"application/json": {"schema": output}}}}
    return document


def declared_document() -> dict[str, Any]:
    """The OpenAPI document of every operation this server declares."""
    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Octolens REST API v2, as octolens-mcp declares it", "version": __version__},
        "servers": [{"url": "https://app.octolens.com/api/v2"}],
        "paths": paths,
        "components": {"schemas": components},
    }
