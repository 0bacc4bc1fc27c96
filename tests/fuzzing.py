"""Hostile-input fuzzing of every tool: the argument rules, the example generators and the checks.

Shared by ``tests/test_fuzz.py`` (a small budget, run in CI) and ``scripts/fuzz.py`` (a large one). The
script puts the repository root on ``sys.path`` and imports this module as ``tests.fuzzing``, exactly as
pytest does, so both run the same code. Nothing here is a test itself.

Each case is one ``tools/call`` through an in-memory ``mcp.Client`` (``tests.conftest.connect``) against a
``FuzzSandbox``: the sandbox, plus a log of every request as it went over the wire (the raw, still
percent-encoded path and query string). One sandbox and one session serve all of a tool's cases; a
session is reopened after a call that raised. For every call the checks are:

1. no result carries the error code INTERNAL_ERROR (nor does the call fail with JSON-RPC -32603);
2. no request reaches the sandbox for arguments the rules refuse: arguments that fail the tool's input
   schema after the accepted normalisation (``normalise``), that contain a lone surrogate (which must
   also be answered VALIDATION_ERROR), or that put "." or ".." in a path parameter;
3. the call does not raise, and a successful result's structuredContent validates against the tool's
   outputSchema (JSON Schema 2020-12);
4. no request path has a "."/".." segment, every request path is one of the API's routes (httpx removes
   dot segments, so an escaped path shows up as a request to some other path), no request URL is longer
   than 8,000 characters, and no query value is the text "None" unless an argument was that text.

The property is one-way: the server may refuse arguments that pass the schema (cross-field rules).

Where examples come from, per tool (all deterministic for a given seed):

- ``core_cases``: a fixed list built on one realistic valid base (ids that exist in the sandbox):
  every property set to null, omitted, and to each hostile value suited to its type (booleans and
  floats and digit strings for integers, dot segments, huge and odd unicode strings for strings, JSON
  text, deep nesting and nulls for arrays and objects); nested fields of the base get a few too;
  plus unknown extra keys, a lone surrogate as a key, and an empty call.
- ``random_cases``: ``count`` examples drawn by Hypothesis: a valid base from the input schema, some
  properties replaced by realistic values, then zero to three hostile mutations at random places.

The valid strategies are translated from the schemas here (``valid``), not taken from
``hypothesis_jsonschema.from_schema``: with hypothesis 6.170 its object strategy fails
(``AttributeError: 'many' object has no attribute 'more'``), and every top-level schema is an object.
Examples are drawn with a throwaway ``@given`` function that records what it is given (``draw``),
not with ``.example()``; then all of a tool's cases run in one session, which keeps the budget small.

Deep nesting: the MCP client itself refuses arguments nested more than about 255 levels (pydantic's
``Maximum serialization depth exceeded``) before anything reaches the server, so nesting of 1,000+
levels is sent the way hosts do send objects and arrays, as JSON text (``DEEP_TEXT``), which the server
decodes; nesting sent as JSON values goes 200 levels deep. For the same reason a lone surrogate in a
nested object key (which the client cannot encode) is sent as JSON text with a ``\\ud800`` escape.
"""

from __future__ import annotations

import contextlib
import json
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from urllib.parse import unquote

import anyio
import hypothesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from mcp import Client, MCPError
from mcp_types import CallToolResult

from octolens_mcp.mcp.manifest import MANIFEST_PATH
from octolens_sandbox import SANDBOX_BASE_URL, Sandbox
from octolens_sandbox.app import BASE_PATH, LoggedRequest
from tests.conftest import CANARY_KEY, READ_KEY, SECRETS, WRITE_KEY, connect

T = TypeVar("T")
Schema = dict[str, Any]
Where = tuple[str | int, ...]

TOOLS_JSON = MANIFEST_PATH
MAX_URL = 8_000
CALL_TIMEOUT = 30.0
ORIGIN = SANDBOX_BASE_URL.removesuffix(BASE_PATH)
JSON_RPC_INTERNAL_ERROR = -32603
DIGITS = re.compile(r"[0-9]+")
"""The one string an integer field accepts: ASCII decimal digits, nothing else (no sign, no spaces)."""
SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_REFUSAL = "contains a lone surrogate"


# --- tools -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    """One tool as tools.json declares it."""

    name: str
    method: str
    template: str
    input_schema: Schema
    output_schema: Schema | None
    realistic: dict[str, list[Any]] = field(default_factory=dict, compare=False)
    """Values that exist in one sandbox, per argument name (see ``with_sandbox``)."""

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", self.template))

    @property
    def properties(self) -> dict[str, Schema]:
        props: dict[str, Schema] = self.input_schema.get("properties", {})
        return props

    @property
    def required(self) -> set[str]:
        return set(self.input_schema.get("required", []))


def load_tools() -> list[Tool]:
    tools = []
    for entry in json.loads(TOOLS_JSON.read_text(encoding="utf-8")):
        method, template = entry["_meta"]["octolens/operation"].split(" ", 1)
        tools.append(Tool(entry["name"], method, template, entry["inputSchema"], entry.get("outputSchema")))
    return tools


TOOLS = load_tools()
TOOL_NAMES = [tool.name for tool in TOOLS]
_VALIDATORS: dict[int, tuple[Schema, Any]] = {}
_PROPERTY_VALIDATORS: dict[tuple[str, str], Any] = {}


def validator(schema: Schema) -> Any:
    """A Draft 2020-12 validator for ``schema``, a schema that lives as long as the process (cached by id)."""
    key = id(schema)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = (schema, Draft202012Validator(schema))  # holding the schema keeps its id unique
    return _VALIDATORS[key][1]


def property_validator(tool: Tool, key: str) -> Any:
    """A validator for one top-level property of ``tool`` (its ``$ref``s resolve against the tool's $defs)."""
    if (tool.name, key) not in _PROPERTY_VALIDATORS:
        schema = {**tool.properties[key], "$defs": tool.input_schema.get("$defs", {})}
        _PROPERTY_VALIDATORS[tool.name, key] = Draft202012Validator(schema)
    return _PROPERTY_VALIDATORS[tool.name, key]


def tool_seed(name: str, seed: int) -> int:
    return (zlib.crc32(name.encode()) ^ seed) & 0xFFFFFFFF


# --- schema helpers --------------------------------------------------------------------------------


def resolve(schema: Schema, root: Schema) -> Schema:
    """``schema`` with its ``$ref`` (``#/$defs/X``) replaced by the target, sibling keys kept."""
    for _ in range(32):
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            return schema
        node: Any = root
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
    raise ValueError(f"$ref chain too long: {schema}")


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


ANY_TYPE = {"null", "boolean", "integer", "number", "string", "array", "object"}


def types_of(schema: Schema, root: Schema) -> set[str]:
    """The JSON types ``schema`` admits."""
    s = resolve(schema, root)
    if "const" in s:
        return {json_type(s["const"])}
    if "enum" in s:
        return {json_type(v) for v in s["enum"]}
    declared = s.get("type")
    out = {declared} if isinstance(declared, str) else set(declared or [])
    branches = s.get("anyOf", []) + s.get("oneOf", [])
    for branch in branches:
        out |= types_of(branch, root)
    if not out and not branches:
        out = {"object"} if "properties" in s else set(ANY_TYPE)
    return out


# --- the argument rules ----------------------------------------------------------------------------


def walk(value: Any) -> Iterator[Any]:
    """Every value, key and item inside ``value`` (iterative: arguments may be nested 1,000+ deep)."""
    stack = [value]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def has_lone_surrogate(value: Any) -> bool:
    return any(isinstance(item, str) and SURROGATE.search(item) is not None for item in walk(value))


def strings_in(value: Any) -> set[str]:
    return {item for item in walk(value) if isinstance(item, str) and len(item) < 100}


def drop_nulls(value: Any) -> Any:
    """``value`` without the object keys whose value is null, at any depth (nulls in arrays stay)."""
    holder: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(value, holder, 0)]
    while stack:
        source, target, key = stack.pop()
        if isinstance(source, dict):
            new: dict[Any, Any] = {}
            target[key] = new
            for k, v in source.items():
                if v is not None:
                    new[k] = None
                    stack.append((v, new, k))
        elif isinstance(source, list):
            items: list[Any] = [None] * len(source)
            target[key] = items
            stack.extend((v, items, i) for i, v in enumerate(source))
        else:
            target[key] = source
    return holder[0]


def coerce_integers(value: Any, schema: Schema, root: Schema, depth: int = 0) -> Any:
    """``value`` with every string of ASCII digits in an integer-only position made an integer."""
    if depth > 40:
        return value
    s = resolve(schema, root)
    kinds = types_of(s, root)
    if isinstance(value, str):
        if "integer" in kinds and "string" not in kinds and DIGITS.fullmatch(value):
            try:
                return int(value)
            except ValueError:  # more digits than int() accepts
                return value
        return value
    branches = s.get("anyOf", []) + s.get("oneOf", [])
    for branch in branches:
        if json_type(value) in types_of(branch, root):
            return coerce_integers(value, branch, root, depth + 1)
    if isinstance(value, dict):
        props = s.get("properties", {})
        extra = s.get("additionalProperties")
        out = {}
        for k, v in value.items():
            sub = props.get(k, extra if isinstance(extra, dict) else None)
            out[k] = coerce_integers(v, sub, root, depth + 1) if sub is not None else v
        return out
    if isinstance(value, list) and isinstance(s.get("items"), dict):
        return [coerce_integers(v, s["items"], root, depth + 1) for v in value]
    return value


def normalise(tool: Tool, arguments: dict[str, Any]) -> Any:
    """The arguments as the server must read them: JSON text decoded, nulls dropped, digit strings made ints.

    JSON text is decoded only where the text itself is not already a valid value (a property that also
    admits a string keeps it). Where a rule could be read two ways this takes the more permissive
    reading, so the check stays one-way (it never demands a refusal the rules do not).
    """
    root = tool.input_schema
    decoded = {}
    for key, value in arguments.items():
        schema = tool.properties.get(key)
        if (
            isinstance(value, str)
            and schema is not None
            and types_of(schema, root) & {"object", "array"}
            and not property_validator(tool, key).is_valid(value)
        ):
            with contextlib.suppress(ValueError, RecursionError):
                value = json.loads(value)
        decoded[key] = value
    normal = coerce_integers(drop_nulls(decoded), root, root)
    # A keyword's platforms also accepts a comma-separated string (the third documented coercion).
    if tool.name in {"add_keyword", "update_keyword"} and isinstance(normal, dict):
        platforms = normal.get("platforms")
        if isinstance(platforms, str):
            normal["platforms"] = [part.strip() for part in platforms.split(",") if part.strip()]
    return normal


def refusal(tool: Tool, arguments: dict[str, Any]) -> str | None:
    """Why the rules refuse ``arguments`` (the server must send nothing), or None if they may be sent."""
    normal = normalise(tool, arguments)
    if has_lone_surrogate(arguments) or has_lone_surrogate(normal):
        return SURROGATE_REFUSAL
    error = next(iter(validator(tool.input_schema).iter_errors(normal)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(arguments)"
        return f"schema: {where}: {shorten(error.message, 160)}"
    for name in tool.path_params:
        if isinstance(normal, dict) and normal.get(name) in (".", ".."):
            return f"path parameter {name}={normal[name]!r}"
    return None


# --- hostile values --------------------------------------------------------------------------------


def deep_object(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def deep_list(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


DIRECT_DEPTH = 200
HUGE = "A" * 100_000
Labelled = list[tuple[str, Any]]

STRINGS: Labelled = [
    ("'..'", ".."),
    ("'.'", "."),
    ("'a/../b'", "a/../b"),
    ("'../../keywords/1'", "../../keywords/1"),
    ("'./x'", "./x"),
    ("'/'", "/"),
    ("'%2e%2e'", "%2e%2e"),
    ("'?x=1&y=2#f'", "?x=1&y=2#f"),
    ("CRLF header injection", "a\r\nX-Injected: 1"),
    ("RTL override", "\u202eevil\u202c"),
    ("bidi marks", "\u200f\u200e"),
    ("zero-width chars", "a\u200b\u2060\ufeffb"),
    ("NUL byte", "a\x00b"),
    ("lone high surrogate", "\ud800"),
    ("lone low surrogate inside", "x\udfffy"),
    ("emoji", "\U0001f600"),
    ("combining mark", "e\u0301"),
    ("'None'", "None"),
    ("empty string", ""),
    ("one space", " "),
    ("100k chars", HUGE),
]
NUMBERS: Labelled = [
    ("true", True),
    ("false", False),
    ("1.5", 1.5),
    ("1e308", 1e308),
    ("-0.0", -0.0),
    ("10**30", 10**30),
    ("-10**30", -(10**30)),
    ("2**63", 2**63),
    ("0", 0),
    ("-1", -1),
]
INTEGER_TEXT: Labelled = [
    ("'42'", "42"),
    ("'007'", "007"),
    ("' 7'", " 7"),
    ("'7 '", "7 "),
    ("'3\\n' (trailing newline)", "3\n"),
    ("'\\t7'", "\t7"),
    ("superscript '\u00b2'", "\u00b2"),
    ("'-1'", "-1"),
    ("'+7'", "+7"),
    ("fullwidth digits '\uff11\uff12'", "\uff11\uff12"),
    ("arabic-indic digits '\u0661\u0662'", "\u0661\u0662"),
    ("'1e3'", "1e3"),
    ("'0x10'", "0x10"),
    ("'1.0'", "1.0"),
    ("'1_000'", "1_000"),
    ("5,000 digits", "9" * 5_000),
    ("'true'", "true"),
    ("'..'", ".."),
]
BOOLEAN_TEXT: Labelled = [
    ("'true'", "true"),
    ("'false'", "false"),
    ("'1'", "1"),
    ("1", 1),
    ("0", 0),
    ("1.0", 1.0),
    ("'null'", "null"),
]
CONTAINERS: Labelled = [
    ("[]", []),
    ("{}", {}),
    ("[null]", [None]),
    ("['x']", ["x"]),
    ("[1]", [1]),
    ("{'zz': null}", {"zz": None}),
    ("[100k chars]", [HUGE]),
    ("[lone surrogate]", ["\ud800"]),
    (f"object nested {DIRECT_DEPTH} deep", deep_object(DIRECT_DEPTH)),
    (f"list nested {DIRECT_DEPTH} deep", deep_list(DIRECT_DEPTH)),
]
DEEP_TEXT: Labelled = [
    ("JSON text: object nested 1,500 deep", '{"a":' * 1_500 + "1" + "}" * 1_500),
    ("JSON text: list nested 20,000 deep", "[" * 20_000 + "]" * 20_000),
    ("JSON text: malformed", '{"a": [1, 2'),
    ("JSON text: null", "null"),
    ("JSON text: {'zz': null}", '{"zz": null}'),
    ("JSON text: lone surrogate escape", '["\\ud800"]'),
    ("JSON text: lone surrogate key", '{"\\ud800": 1}'),
]
NESTED: Labelled = [
    ("null", None),
    ("true", True),
    ("'42'", "42"),
    ("'3\\n'", "3\n"),
    ("1.5", 1.5),
    ("'..'", ".."),
    ("lone surrogate", "\ud800"),
    ("[]", []),
]
SCALARS: Labelled = [("'x'", "x"), ("1", 1), ("true", True), ("1.5", 1.5)]
ALL_HOSTILE: Labelled = STRINGS + NUMBERS + INTEGER_TEXT + BOOLEAN_TEXT + CONTAINERS + DEEP_TEXT + [("null", None)]
EXTRA_KEYS: Labelled = [
    ("unknown key", {"zzUnknown": 1}),
    ("unknown key set to null", {"zzUnknown": None}),
    ("lone surrogate as key", {"\ud800": 1}),
    ("empty key", {"": 1}),
    ("__proto__ key", {"__proto__": {"polluted": True}}),
    (f"unknown key nested {DIRECT_DEPTH} deep", {"zzDeep": deep_object(DIRECT_DEPTH)}),
]


def hostile_values(schema: Schema, root: Schema, valid_example: Any = None) -> Labelled:
    """The hostile values worth trying in a position of ``schema``."""
    kinds = types_of(schema, root)
    out: Labelled = [("null", None)]
    if "integer" in kinds or "number" in kinds:
        out += NUMBERS + INTEGER_TEXT + [("'x'", "x"), ("[]", []), ("{}", {}), ("[1]", [1])]
    if "string" in kinds:
        out += [*STRINGS, ("0", 0), ("1.5", 1.5), ("true", True), ("[]", []), ("{}", {}), ("['x']", ["x"])]
    if "boolean" in kinds:
        out += [*BOOLEAN_TEXT, ("[true]", [True]), ("{}", {})]
    if kinds & {"array", "object"}:
        out += CONTAINERS + DEEP_TEXT + SCALARS
        if valid_example is not None:
            out.append(("valid value as JSON text", json.dumps(valid_example)))
            out.append(("valid value as JSON text with nulls", json.dumps(with_nulls(valid_example))))
        if "array" in kinds and isinstance(valid_example, list) and valid_example:
            out.append(("5,000-item list", valid_example[:1] * 5_000))
    seen: set[str] = set()
    unique: Labelled = []
    for label, value in out:
        if label not in seen:
            seen.add(label)
            unique.append((label, value))
    return unique


def with_nulls(value: Any) -> Any:
    """``value`` with an extra null-valued key in every object (which the rules drop again)."""
    if isinstance(value, dict):
        return {**{k: with_nulls(v) for k, v in value.items()}, "zzNull": None}
    if isinstance(value, list):
        return [with_nulls(v) for v in value]
    return value


# --- valid arguments -------------------------------------------------------------------------------


def json_values() -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(10**6), 10**6)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=12)
    )
    return st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    )


def valid(schema: Schema, root: Schema) -> st.SearchStrategy[Any]:
    """Values that satisfy ``schema`` (the subset of JSON Schema the tools' input schemas use)."""
    s = resolve(schema, root)
    branches = s.get("anyOf") or s.get("oneOf")
    if branches:
        return st.one_of([valid(branch, root) for branch in branches])
    if "const" in s:
        return st.just(s["const"])
    if "enum" in s:
        return st.sampled_from(s["enum"])
    declared = s.get("type")
    if isinstance(declared, list):
        return st.one_of([valid({**s, "type": kind}, root) for kind in declared])
    if declared == "string":
        low, high = s.get("minLength", 0), s.get("maxLength")
        if "pattern" in s:
            return st.from_regex(s["pattern"], fullmatch=True).filter(
                lambda v: low <= len(v) and (high is None or len(v) <= high)
            )
        return st.text(min_size=low, max_size=low + 30 if high is None else min(high, low + 30))
    if declared == "integer":
        return st.integers(min_value=s.get("minimum"), max_value=s.get("maximum"))
    if declared == "number":
        return st.floats(s.get("minimum"), s.get("maximum"), allow_nan=False, allow_infinity=False)
    if declared == "boolean":
        return st.booleans()
    if declared == "null":
        return st.none()
    if declared == "array":
        low, high = s.get("minItems", 0), s.get("maxItems")
        return st.lists(
            valid(s.get("items", {}), root), min_size=low, max_size=low + 3 if high is None else min(high, low + 3)
        )
    if declared == "object" or "properties" in s:
        props: dict[str, Schema] = s.get("properties", {})
        required = set(s.get("required", []))
        extra = s.get("additionalProperties", True)
        if props or extra is False:
            return st.fixed_dictionaries(
                {k: valid(v, root) for k, v in props.items() if k in required},
                optional={k: valid(v, root) for k, v in props.items() if k not in required},
            )
        values = json_values() if not isinstance(extra, dict) else valid(extra, root)
        return st.dictionaries(st.text(max_size=8), values, max_size=3)
    return json_values()


def realistic_values(tool: Tool, sandbox: Sandbox) -> dict[str, list[Any]]:
    """Values of ids that exist in ``sandbox``, per argument name, so some calls succeed."""
    keywords = sorted(sandbox.keywords)[:5]
    feeds = sorted(sandbox.feeds)[:3]
    values: dict[str, list[Any]] = {
        "filters": [
            {"keyword": [keywords[0]], "sentiment": ["negative"]},
            {"source": ["reddit"], "!tag": ["hiring"], "relevance": [0, 1]},
            {"operator": "OR", "groups": [{"operator": "AND", "conditions": [{"keyword": [keywords[-1]]}]}]},
        ],
        "sourceId": [m["sourceId"] for m in sandbox.mentions[:5]],
        "keywordId": keywords,
        "keywordIds": [[k] for k in keywords],
        "suggestionId": sorted(sandbox.suggestions)[:3],
        "view": feeds,
        "feedId": feeds,
    }
    collection = tool.template.split("/")[1] if "{id}" in tool.template else ""
    ids: dict[str, list[Any]] = {
        "keywords": keywords,
        "feeds": feeds,
        "notifications": sorted(sandbox.notifications)[:3],
        "org": sorted(sandbox.members) + sorted(sandbox.invitations),
    }
    if collection in ids:
        values["id"] = ids[collection]
    return values


def make_realistic(tool: Tool, arguments: dict[str, Any], choose: Callable[[list[Any]], Any | None]) -> dict[str, Any]:
    """``arguments`` with some properties replaced by ``choose``'s pick of realistic values, where still valid."""
    out = dict(arguments)
    for key, options in tool.realistic.items():
        if key not in tool.properties or not options or (key not in out and key not in tool.required):
            continue
        picked = choose(options)
        if picked is not None and validator(tool.input_schema).is_valid({**out, key: picked}):
            out = {**out, key: picked}
    return out


def with_sandbox(tool: Tool, sandbox: Sandbox) -> Tool:
    return replace(tool, realistic=realistic_values(tool, sandbox))


def valid_arguments(tool: Tool) -> st.SearchStrategy[dict[str, Any]]:
    is_valid = validator(tool.input_schema).is_valid
    return valid(tool.input_schema, tool.input_schema).filter(is_valid)


def draw(strategy: st.SearchStrategy[T], count: int, seed: int) -> list[T]:
    """``count`` examples of ``strategy`` (fewer if it has fewer), the same ones for the same ``seed``."""
    out: list[T] = []

    @hypothesis.seed(seed)
    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: T) -> None:
        out.append(value)

    collect()
    return out


# --- cases -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    label: str
    arguments: dict[str, Any]


def set_at(value: Any, path: Where, new: Any) -> Any:
    """A copy of ``value`` with the item at ``path`` replaced (or the key added); the rest is shared."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        out = dict(value)
        out[head] = set_at(value.get(head), rest, new)
        return out
    if isinstance(value, list) and isinstance(head, int):
        items = list(value)
        items[head] = set_at(items[head], rest, new)
        return items
    return value


def delete_at(value: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k != key}


def nested_positions(value: Any, schema: Schema, root: Schema, path: Where = ()) -> list[tuple[Where, Schema]]:
    """Every position below the top level inside ``value`` with its schema (value is a valid example)."""
    out: list[tuple[Where, Schema]] = []
    s = resolve(schema, root)
    for branch in s.get("anyOf", []) + s.get("oneOf", []):
        if json_type(value) in types_of(branch, root):
            return nested_positions(value, branch, root, path)
    if len(path) > 8:
        return out
    if isinstance(value, dict):
        props = s.get("properties")
        for key, item in value.items():
            # a free-form object (no properties: the mention filter) is entered key by key, as "any"
            sub = {} if props is None else props.get(key)
            if sub is not None:
                here = (*path, key)
                if len(here) > 1:
                    out.append((here, sub))
                out += nested_positions(item, sub, root, here)
    elif isinstance(value, list):
        items = s.get("items", {} if "type" not in s else None)
        if isinstance(items, dict):
            for index, item in enumerate(value[:2]):
                here = (*path, index)
                out.append((here, items))
                out += nested_positions(item, items, root, here)
    return out


def label_path(path: Where) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))


def core_cases(tool: Tool, base: dict[str, Any], examples: Sequence[dict[str, Any]]) -> list[Case]:
    """The fixed hostile cases of ``tool``, built on the valid ``base``; ``examples`` supply valid values."""
    root = tool.input_schema
    cases = [Case("valid base", base), Case("no arguments", {})]
    for label, extra in EXTRA_KEYS:
        cases.append(Case(label, {**base, **extra}))
    optional_nulls = {k: None for k in tool.properties if k not in base}
    if optional_nulls:
        cases.append(Case("every absent property null", {**base, **optional_nulls}))
    for key, schema in tool.properties.items():
        example = base.get(key, next((e[key] for e in examples if key in e), None))
        if key in base and key in tool.required:
            cases.append(Case(f"{key} omitted", delete_at(base, key)))
        for label, value in hostile_values(schema, root, example):
            cases.append(Case(f"{key}={label}", {**base, key: value}))
    for path, _ in nested_positions(base, root, root):
        for label, value in NESTED:
            cases.append(Case(f"{label_path(path)}={label}", set_at(base, path, value)))
    return cases


@st.composite
def hostile_case(draw_: st.DrawFn, tool: Tool) -> Case:
    """A valid call, some ids made realistic, then 0-3 hostile mutations at random places."""
    root = tool.input_schema
    arguments = draw_(valid_arguments(tool))
    arguments = make_realistic(
        tool, arguments, lambda options: draw_(st.sampled_from(options)) if draw_(st.booleans()) else None
    )
    labels = []
    for _ in range(draw_(st.integers(0, 3))):
        positions: list[tuple[Where, Schema | None]] = [((key,), schema) for key, schema in tool.properties.items()]
        positions += nested_positions(arguments, root, root)
        positions.append((("zzUnknown",), None))
        path, schema = draw_(st.sampled_from(positions))
        choices = ALL_HOSTILE if schema is None or draw_(st.booleans()) else hostile_values(schema, root)
        label, value = draw_(st.sampled_from(choices))
        arguments = set_at(arguments, path, value)
        labels.append(f"{label_path(path)}={label}")
    return Case("random: " + ("; ".join(labels) or "valid"), arguments)


def random_cases(tool: Tool, count: int, seed: int) -> list[Case]:
    return draw(hostile_case(tool), count, tool_seed(tool.name, seed)) if count > 0 else []


def cases_for(tool: Tool, random_count: int, seed: int) -> list[Case]:
    examples = draw(valid_arguments(tool), 8, tool_seed(tool.name, seed + 1))
    first = examples[0] if examples else {}
    base = make_realistic(tool, first, lambda options: options[0])
    return core_cases(tool, base, examples) + random_cases(tool, random_count, seed)


# --- running and checking --------------------------------------------------------------------------


@dataclass(frozen=True)
class WireRequest:
    """A request as it went over the wire: the raw path and query string, still percent-encoded."""

    method: str
    raw_path: str
    query_string: str

    @property
    def url_length(self) -> int:
        return len(ORIGIN) + len(self.raw_path) + (1 + len(self.query_string) if self.query_string else 0)


class FuzzSandbox(Sandbox):
    """The sandbox, with no budgets to run out of, logging each request's raw path and query string."""

    def __init__(self) -> None:
        super().__init__(keys={CANARY_KEY: "admin", READ_KEY: "read", WRITE_KEY: "write"})
        self.rate_limit = 10**9
        self.search_limit = 10**6
        self.keyword_limit = 10**6
        self.wire: list[WireRequest] = []

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Any],
        send: Callable[[MutableMapping[str, Any]], Any],
    ) -> None:
        if scope["type"] == "http":
            raw_path = scope.get("raw_path") or scope["path"].encode()
            query = scope.get("query_string", b"")
            self.wire.append(WireRequest(scope["method"], raw_path.decode("latin-1"), query.decode("latin-1")))
        await super().__call__(scope, receive, send)


@dataclass
class Failure:
    tool: str
    check: str
    """Which property failed: 1 INTERNAL_ERROR, 2 invalid request sent, 3 raised/output, 4 wire."""
    label: str
    detail: str
    arguments: dict[str, Any]
    requests: list[str]
    result: str

    def headline(self) -> str:
        return f"[{self.check}] {self.tool} {self.label}: {self.detail}"

    def full(self) -> str:
        lines = [
            self.headline(),
            f"    arguments: {brief(self.arguments)}",
            *(f"    sent: {r}" for r in self.requests),
            f"    result: {shorten(self.result, 600)}",
        ]
        return "\n".join(lines)


@dataclass
class Report:
    calls: int = 0
    successes: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    internal_errors: int = 0
    invalid_sent: int = 0
    output_mismatches: int = 0
    raised: int = 0
    wire_violations: int = 0
    failures: list[Failure] = field(default_factory=list)

    def distinct(self) -> list[Failure]:
        """One failure per (tool, check, label, first 80 characters of detail)."""
        seen: set[tuple[str, str, str, str]] = set()
        out = []
        for failure in self.failures:
            key = (failure.tool, failure.check, failure.label, failure.detail[:80])
            if key not in seen:
                seen.add(key)
                out.append(failure)
        return out

    def summary(self, show: int = 10) -> str:
        lines = [
            f"calls: {self.calls}",
            f"successes: {self.successes}",
            "errors by code: " + (", ".join(f"{c}={n}" for c, n in sorted(self.errors.items())) or "none"),
            f"INTERNAL_ERROR: {self.internal_errors}",
            f"invalid requests sent: {self.invalid_sent}",
            f"outputSchema mismatches: {self.output_mismatches}",
            f"calls that raised: {self.raised}",
            f"wire violations (dot segments, unknown routes, URL > {MAX_URL}, query 'None'): {self.wire_violations}",
            f"failing calls: {len(self.failures)} ({len(self.distinct())} distinct)",
        ]
        distinct = self.distinct()
        if distinct:
            lines.append(f"first {min(show, len(distinct))} distinct failures:")
            lines += [failure.full() for failure in distinct[:show]]
        return "\n".join(lines)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


def brief(value: Any, depth: int = 0) -> str:
    """``value`` as compact JSON-ish text, with huge strings and deep nesting summarised."""
    if depth > 6:
        nesting = 0
        inner = value
        while isinstance(inner, dict | list) and len(inner) == 1:
            inner = next(iter(inner.values())) if isinstance(inner, dict) else inner[0]
            nesting += 1
        return f"<{nesting}+ more levels>"
    if isinstance(value, str):
        text = json.dumps(value)
        if len(value) > 60:
            text = json.dumps(value[:24])[:-1] + f'…" ({len(value)} chars)'
        return text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{brief(k, depth + 1)}: {brief(v, depth + 1)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        items = [brief(v, depth + 1) for v in value[:4]]
        if len(value) > 4:
            items.append(f"… {len(value)} items")
        return "[" + ", ".join(items) + "]"
    return json.dumps(value)


def describe(request: LoggedRequest) -> str:
    query = shorten(brief([list(q) for q in request.query]), 300)
    return f"{request.method} {shorten(request.path, 160)} query={query} body={shorten(brief(request.body), 300)}"


def result_text(result: CallToolResult) -> str:
    block = result.content[0] if result.content else None
    return block.text if block is not None and block.type == "text" else ""


def error_code(result: CallToolResult) -> str:
    """The error's code, from ``_meta`` or else the JSON on the text block's last line."""
    meta = (result.meta or {}).get("octolens/error")
    if isinstance(meta, dict) and isinstance(meta.get("error"), dict) and "code" in meta["error"]:
        return str(meta["error"]["code"])
    try:
        # split on "\n" only: str.splitlines() would also split inside a message holding U+0085 or U+2028
        return str(json.loads(result_text(result).split("\n")[-1])["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "UNPARSEABLE_ERROR"


def matches_route(sandbox: Sandbox, method: str, segments: list[str]) -> bool:
    for route in sandbox.routes:
        parts = route.template.split("/")[1:]
        if (
            route.method == method
            and len(parts) == len(segments)
            and all(p == s or (p.startswith("{") and s) for p, s in zip(parts, segments, strict=True))
        ):
            return True
    return False


async def check_call(client: Client, sandbox: FuzzSandbox, tool: Tool, case: Case, report: Report) -> bool:
    """Call ``tool`` with ``case`` and record what broke; True if the call raised (the session may be gone)."""
    reason = refusal(tool, case.arguments)
    before, wire_before = len(sandbox.requests), len(sandbox.wire)
    result: CallToolResult | None = None
    problem: Exception | None = None
    try:
        with anyio.fail_after(CALL_TIMEOUT):
            result = await client.call_tool(tool.name, case.arguments)
    except Exception as exc:
        problem = exc
    sent, wire = sandbox.requests[before:], sandbox.wire[wire_before:]
    report.calls += 1
    found: list[tuple[str, str]] = []

    if problem is not None:
        report.raised += 1
        code = problem.code if isinstance(problem, MCPError) else None
        if code == JSON_RPC_INTERNAL_ERROR:
            report.internal_errors += 1
            found.append(("1", f"JSON-RPC internal error: {problem}"))
        else:
            found.append(("3", f"the call raised {type(problem).__name__}: {shorten(str(problem), 200)}"))
    elif result is not None and result.is_error:
        code_text = error_code(result)
        report.errors[code_text] += 1
        if code_text == "INTERNAL_ERROR":
            report.internal_errors += 1
            found.append(("1", "INTERNAL_ERROR"))
        if reason == SURROGATE_REFUSAL and code_text != "VALIDATION_ERROR":
            found.append(("2", f"lone surrogate answered {code_text}, not VALIDATION_ERROR"))
    elif result is not None:
        report.successes += 1
        if reason == SURROGATE_REFUSAL:
            found.append(("2", "lone surrogate accepted (the call succeeded)"))
        if tool.output_schema is not None:
            error = (
                None
                if result.structured_content is None
                else next(iter(validator(tool.output_schema).iter_errors(result.structured_content)), None)
            )
            if result.structured_content is None or error is not None:
                report.output_mismatches += 1
                where = "" if error is None else "/".join(str(p) for p in error.absolute_path) or "(root)"
                message = "no structuredContent" if error is None else f"{where}: {shorten(error.message, 200)}"
                found.append(("3", f"outputSchema mismatch: {message}"))

    if reason is not None and sent:
        report.invalid_sent += 1
        found.append(("2", f"sent {len(sent)} request(s) for refused arguments ({reason})"))

    wire_problems = []
    for request in wire:
        segments = request.raw_path.removeprefix(BASE_PATH).split("/")[1:]
        if any(unquote(s) in (".", "..") for s in segments):
            wire_problems.append(f"dot segment in path {request.raw_path}")
        elif not matches_route(sandbox, request.method, segments):
            wire_problems.append(f"{request.method} {shorten(request.raw_path, 120)} is no API route (escaped path?)")
        if request.url_length > MAX_URL:
            wire_problems.append(f"URL of {request.url_length} characters sent")
    literal = None
    for logged in sent:
        for key, value in logged.query:
            if value == "None":
                literal = strings_in(case.arguments) if literal is None else literal
                if "None" not in literal:
                    wire_problems.append(f"query {key}=None")
    if wire_problems:
        report.wire_violations += 1
        found += [("4", problem_text) for problem_text in wire_problems]

    text = repr(problem) if problem is not None else result_text(result) if result is not None else ""
    if any(secret in text for secret in SECRETS):
        found.append(("3", "an API key appears in the result"))
    for check, detail in found:
        report.failures.append(
            Failure(
                tool.name,
                check,
                case.label,
                detail,
                case.arguments,
                [describe(r) for r in sent],
                text,
            )
        )
    return problem is not None


WAITS_BOUNDED: dict[str, dict[str, Any]] = {"watch_mentions": {"timeout": 2.0}}
"""Tools that wait as long as asked (waitSeconds up to 50): a short call deadline bounds each wait to about a
second, so fuzzing checks what they answer rather than waiting minutes."""


async def run_tool(tool: Tool, random_count: int, seed: int, report: Report) -> None:
    """Run ``tool``'s core cases and ``random_count`` random ones against a fresh sandbox."""
    sandbox = FuzzSandbox()
    cases = cases_for(with_sandbox(tool, sandbox), random_count, seed)
    index = 0
    while index < len(cases):
        try:
            async with connect(sandbox, **WAITS_BOUNDED.get(tool.name, {})) as client:
                while index < len(cases):
                    index += 1
                    if await check_call(client, sandbox, tool, cases[index - 1], report):
                        break  # reopen the session: the failed call may have broken it
        except Exception as exc:  # a session broken by a failed call may fail to close, too
            report.failures.append(Failure(tool.name, "3", "(session)", f"session failed: {exc!r}", {}, [], ""))
