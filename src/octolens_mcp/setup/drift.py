"""Drift between the live OpenAPI document and what this server declares (``setup.openapi``).

It lists operations added or removed, fields renamed, enum values the API takes that this server refuses,
and required fields this server does not send; for answers, fields this server needs that the API no
longer returns. Both documents are read the same way: ``$ref`` followed, ``anyOf``/``oneOf``/``allOf``
branches merged, array items as ``field[]``; each field named by its dotted path from the request (query,
path and body fields together) or the answer.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

METHODS = ("get", "post", "put", "patch", "delete")
PUBLIC_ROUTES = {"GET /openapi.json", "GET /docs"}
"""Utility routes of the API that are not workspace operations: no tool wraps them."""
DEPTH = 4

Kind = Literal["added", "removed", "renamed", "enum", "required", "gone", "new"]
BLOCKING: frozenset[Kind] = frozenset({"removed", "renamed", "enum", "required", "gone"})
"""What breaks a tool; ``added`` operations and ``new`` optional fields only mean there is more to offer."""


@dataclass(frozen=True)
class Finding:
    kind: Kind
    operation: str
    """``"METHOD /path"``."""
    detail: str
    fix: str

    @property
    def blocks(self) -> bool:
        return self.kind in BLOCKING


@dataclass(frozen=True)
class Field:
    schema: dict[str, Any]
    required: bool


class _Document:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        servers = document.get("servers") or [{}]
        url = str(servers[0].get("url", "")) if isinstance(servers[0], dict) else ""
        self.prefix = "/" + url.split("://", 1)[-1].split("/", 1)[1] if url.count("/") > 2 else ""

    def resolve(self, schema: Any, seen: int = 0) -> dict[str, Any]:
        while isinstance(schema, dict) and "$ref" in schema and seen < 20:
            target: Any = self.document
            for part in str(schema["$ref"]).removeprefix("#/").split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            schema, seen = target, seen + 1
        return schema if isinstance(schema, dict) else {}

    def branches(self, schema: Any) -> list[dict[str, Any]]:
        """The schema and, recursively, every alternative it allows, each resolved."""
        schema = self.resolve(schema)
        found = [schema]
        for key in ("anyOf", "oneOf", "allOf"):
            for branch in schema.get(key, []) or []:
                found += self.branches(branch)
        return found

    def operations(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for path, item in (self.document.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            short = path[len(self.prefix) :] if self.prefix and path.startswith(self.prefix + "/") else path
            for method in METHODS:
                if isinstance(item.get(method), dict):
                    found[f"{method.upper()} {short}"] = {
                        **item[method],
                        "parameters": [*item.get("parameters", []), *item[method].get("parameters", [])],
                    }
        return {name: op for name, op in found.items() if name not in PUBLIC_ROUTES}

    def fields(
        self, schema: Any, prefix: str = "", required: bool = True, depth: int = 0
    ) -> Iterator[tuple[str, Field]]:
        """Every field under an object schema, by dotted path; required only where each step is."""
        if depth >= DEPTH:
            return
        for branch in self.branches(schema):
            needed = set(branch.get("required", []) or [])
            for name, sub in (branch.get("properties") or {}).items():
                path = f"{prefix}{name}"
                is_required = required and name in needed
                yield path, Field(self.resolve(sub), is_required)
                yield from self.fields(sub, path + ".", is_required, depth + 1)
                for item_branch in self.branches(sub):
                    if "items" in item_branch:
                        yield from self.fields(item_branch["items"], path + "[].", is_required, depth + 1)

    def request(self, operation: dict[str, Any]) -> dict[str, Field]:
        found: dict[str, Field] = {}
        for parameter in operation.get("parameters", []):
            parameter = self.resolve(parameter)
            if parameter.get("in") in {"query", "path"} and "name" in parameter:
                schema = self.resolve(parameter.get("schema", {}))
                found[parameter["name"]] = Field(schema, bool(parameter.get("required")))
                found.update(self.fields(schema, parameter["name"] + ".", bool(parameter.get("required"))))
        body = self.resolve(operation.get("requestBody", {}))
        schema = (body.get("content") or {}).get("application/json", {}).get("schema")
        if schema is not None:
            found.update(self.fields(schema, "", bool(body.get("required", True))))
        return found

    def answer(self, operation: dict[str, Any]) -> dict[str, Field]:
        responses = operation.get("responses") or {}
        ok = self.resolve(responses.get("200") or responses.get("201") or {})
        schema = (ok.get("content") or {}).get("application/json", {}).get("schema")
        return dict(self.fields(schema)) if schema is not None else {}

    def enum(self, schema: dict[str, Any]) -> set[str] | None:
        """The values a field takes when it is a closed set (items' for an array); None when it is open."""
        values: set[str] = set()
        closed = False
        for branch in self.branches(schema):
            if "enum" in branch:
                values.update(str(v) for v in branch["enum"] if v is not None)
                closed = True
            elif "const" in branch:
                values.add(str(branch["const"]))
                closed = True
            elif "items" in branch:
                inner = self.enum(self.resolve(branch["items"]))
                if inner is not None:
                    values |= inner
                    closed = True
            elif _typed(branch) and not any(k in branch for k in ("anyOf", "oneOf", "allOf")):
                return None  # a branch that takes any string (or number…) leaves the set open
        return values if closed else None


def _parent(path: str) -> str:
    return path.rsplit(".", 1)[0] if "." in path else ""


def _shape(field: Field | None) -> str:
    """A field's schema without its words (title, description, examples): what two names of one field share."""
    if field is None:
        return ""
    words = {"title", "description", "examples", "example", "default"}
    return repr(sorted((k, repr(v)) for k, v in field.schema.items() if k not in words))


def _renames(
    gone: set[str], new: set[str], old_fields: dict[str, Field], new_fields: dict[str, Field]
) -> list[tuple[str, str]]:
    """Pairs (old, new) of fields at the same place: alike names, else the one new field of the same schema."""
    pairs: list[tuple[str, str]] = []
    for parent in sorted({_parent(p) for p in gone}):
        olds = sorted(p for p in gone if _parent(p) == parent)
        news = sorted(p for p in new if _parent(p) == parent)
        for old in olds:
            leaf = old.rsplit(".", 1)[-1]
            close = difflib.get_close_matches(leaf, [n.rsplit(".", 1)[-1] for n in news], n=1, cutoff=0.6)
            match = next((n for n in news if n.rsplit(".", 1)[-1] == close[0]), None) if close else None
            same = [n for n in news if _shape(new_fields.get(n)) == _shape(old_fields.get(old))]
            if match is None and len(same) == 1:
                match = same[0]
            if match is None and len(olds) == 1 and len(news) == 1:
                match = news[0]
            if match is not None:
                pairs.append((old, match))
                news.remove(match)
    return pairs


def compare(live: dict[str, Any], ours: dict[str, Any], tools: dict[str, str] | None = None) -> list[Finding]:
    """What changed in ``live`` against ``ours``; ``tools`` names each operation's tool for the fixes."""
    theirs_doc, ours_doc = _Document(live), _Document(ours)
    theirs, mine = theirs_doc.operations(), ours_doc.operations()
    tools = tools or {}
    findings: list[Finding] = []
    for name in sorted(set(theirs) - set(mine)):
        findings.append(Finding("added", name, "the API has an operation this server does not offer", _ADD))
    for name in sorted(set(mine) - set(theirs)):
        tool = tools.get(name, name)
        findings.append(
            Finding("removed", name, f"{tool} calls an operation the API no longer lists", _fix(tool, "remove it"))
        )
    for name in sorted(set(theirs) & set(mine)):
        tool = tools.get(name, name)
        findings += _request(
            name, tool, theirs_doc.request(theirs[name]), ours_doc.request(mine[name]), theirs_doc, ours_doc
        )
        findings += _answer(name, tool, theirs_doc.answer(theirs[name]), ours_doc.answer(mine[name]))
    return findings


_ADD = "declare it in the catalog to offer it (CONTRIBUTING.md: Add an operation)"


def _fix(tool: str, what: str) -> str:
    return f"update {tool}'s declaration in src/octolens_mcp/catalog: {what}"


def _request(
    name: str, tool: str, theirs: dict[str, Field], mine: dict[str, Field], theirs_doc: _Document, ours_doc: _Document
) -> list[Finding]:
    findings: list[Finding] = []
    gone, new = set(mine) - set(theirs), set(theirs) - set(mine)
    for old, renamed in _renames(gone, new, mine, theirs):
        gone.discard(old)
        new.discard(renamed)
        findings.append(
            Finding("renamed", name, f"request field {old} is now {renamed}", _fix(tool, f"send {renamed}, not {old}"))
        )
    for path in sorted(gone):
        if "." not in path:
            findings.append(
                Finding("gone", name, f"{tool} sends {path}, which the API no longer takes", _fix(tool, f"drop {path}"))
            )
    for path in sorted(new):
        if theirs[path].required and not any(path.startswith(g + ".") for g in new if g != path):
            findings.append(
                Finding(
                    "required", name, f"the API requires {path}, which {tool} does not send", _fix(tool, f"add {path}")
                )
            )
        elif "." not in path:
            findings.append(
                Finding("new", name, f"the API takes a new optional field {path}", _fix(tool, f"offer {path}"))
            )
    for path in sorted(set(theirs) & set(mine)):
        if theirs[path].required and not mine[path].required:
            findings.append(
                Finding(
                    "required", name, f"{path} is required now; {tool} may leave it out", _fix(tool, f"require {path}")
                )
            )
        their_values, my_values = theirs_doc.enum(theirs[path].schema), ours_doc.enum(mine[path].schema)
        if their_values is not None and my_values is not None and their_values - my_values:
            refused = ", ".join(sorted(their_values - my_values))
            findings.append(
                Finding(
                    "enum",
                    name,
                    f"{path} takes {refused}, which {tool} refuses",
                    _fix(tool, f"accept {refused} in {path}"),
                )
            )
    return findings


def _answer(name: str, tool: str, theirs: dict[str, Field], mine: dict[str, Field]) -> list[Finding]:
    if not theirs:
        return []  # an answer the document does not describe says nothing about its fields
    needed = {path for path, field in mine.items() if field.required}
    gone = needed - set(theirs)
    findings: list[Finding] = []
    for old, renamed in _renames(gone, set(theirs) - set(mine), mine, theirs):
        gone.discard(old)
        findings.append(
            Finding("renamed", name, f"answer field {old} is now {renamed}", _fix(tool, f"read {renamed}, not {old}"))
        )
    for path in sorted(gone):
        findings.append(
            Finding(
                "gone",
                name,
                f"the API no longer returns {path}, which {tool} needs",
                _fix(tool, f"stop requiring {path}"),
            )
        )
    return findings


def _typed(schema: dict[str, Any]) -> bool:
    """Whether ``schema`` names a type other than null (``type`` may be one name or a list of them)."""
    named = schema.get("type")
    types = named if isinstance(named, list) else [named]
    return any(kind not in (None, "null") for kind in types)
