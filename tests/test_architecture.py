"""The shape of the code, checked: public SDK names only, layers that depend one way, one route table.

- Every name imported from the MCP SDK is one the SDK exports publicly (``__all__`` of the module imported).
- ``http/`` imports neither the SDK nor the catalog nor the MCP layer; ``catalog/`` does not import the SDK
  or the MCP layer; the shared modules import no layer; the sandbox imports nothing of octolens_mcp.
- The sandbox serves exactly the operations in the repository's inventory (tests/data).
- Every tool named in a hint, a verify instruction or a description exists.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from pathlib import Path

import pytest

from octolens_mcp.catalog.inventory import BY_NAME, OPERATIONS
from octolens_mcp.catalog.operation import OffsetResume
from octolens_mcp.mcp import results
from octolens_mcp.mcp.context import PROMPTS
from octolens_sandbox.routes import ROUTES
from tests.conftest import DATA, REPO

SRC = REPO / "src"
SDK_PACKAGES = ("mcp", "mcp_types")


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every import in ``path``, type-only ones included."""
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package.replace(".", "/")).rglob("*.py"))


def _all_source() -> list[Path]:
    return _modules("octolens_mcp") + _modules("octolens_sandbox")


def test_only_public_sdk_names_are_imported() -> None:
    used: set[tuple[str, str]] = set()
    for path in _all_source():
        for module, names in _imports(path):
            if module.split(".")[0] in SDK_PACKAGES:
                assert names, f"{path}: import the names it uses from {module}, not the module"
                used.update((module, name) for name in names)
    assert used, "the server imports nothing from the SDK?"
    for module, name in sorted(used):
        if (module, name) in DOCUMENTED:
            continue
        public = getattr(importlib.import_module(module), "__all__", None)
        assert public is not None, f"{module} declares no public API (__all__)"
        assert name in public, f"{module}.{name} is not exported by the SDK"


DOCUMENTED = {
    # The SDK's docs show this import for Server.streamable_http_app(transport_security=...), the one way to
    # set the DNS-rebinding allow-lists; its module declares no __all__.
    ("mcp.server.transport_security", "TransportSecuritySettings"),
    # The SDK's authorization-server building blocks, as its own authorization-server example
    # (examples/servers/simple-auth) imports them; mcp.server.auth and mcp.shared.auth declare no __all__.
    ("mcp.server.auth.provider", "AccessToken"),
    ("mcp.server.auth.provider", "AuthorizationCode"),
    ("mcp.server.auth.provider", "AuthorizationParams"),
    ("mcp.server.auth.provider", "AuthorizeError"),
    ("mcp.server.auth.provider", "RefreshToken"),
    ("mcp.server.auth.provider", "RegistrationError"),
    ("mcp.server.auth.provider", "TokenError"),
    ("mcp.server.auth.provider", "construct_redirect_uri"),
    ("mcp.server.auth.routes", "cors_middleware"),
    ("mcp.server.auth.routes", "create_auth_routes"),
    ("mcp.server.auth.settings", "ClientRegistrationOptions"),
    ("mcp.server.auth.settings", "RevocationOptions"),
    ("mcp.shared.auth", "OAuthClientInformationFull"),
    ("mcp.shared.auth", "OAuthMetadata"),
    ("mcp.shared.auth", "OAuthToken"),
    ("mcp.shared.auth", "ProtectedResourceMetadata"),
}


LAYERS: dict[str, tuple[str, ...]] = {
    # package → prefixes it must not import
    "octolens_mcp.http": ("mcp", "mcp_types", "octolens_mcp.catalog", "octolens_mcp.mcp", "octolens_sandbox"),
    "octolens_mcp.catalog": ("mcp", "mcp_types", "octolens_mcp.mcp", "octolens_sandbox"),
    "octolens_mcp.mcp": ("octolens_sandbox",),
    # OAuth sits beside the MCP layer: it checks keys through the server (mcp.server.whoami), not the catalog.
    "octolens_mcp.oauth": ("octolens_sandbox", "octolens_mcp.catalog"),
    "octolens_sandbox": ("octolens_mcp",),
}
SHARED = ("octolens_mcp/config.py", "octolens_mcp/redaction.py", "octolens_mcp/__init__.py")


def _forbidden(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_layers_depend_one_way(package: str) -> None:
    paths = _modules(package)
    assert paths
    for path in paths:
        for module, _ in _imports(path):
            assert not _forbidden(module, LAYERS[package]), f"{path.relative_to(SRC)} imports {module}"


def test_shared_modules_import_no_layer() -> None:
    layers = ("mcp", "mcp_types", "octolens_mcp.http", "octolens_mcp.catalog", "octolens_mcp.mcp")
    for relative in SHARED:
        for module, _ in _imports(SRC / relative):
            assert not _forbidden(module, layers), f"{relative} imports {module}"


def test_the_sandbox_serves_exactly_the_inventory() -> None:
    inventory = json.loads((DATA / "octolens-operations.json").read_text(encoding="utf-8"))
    expected = {(op["method"], op["path"]) for op in inventory}
    served = [(method, template) for method, template, _scope, _handler in ROUTES]
    assert len(served) == len(set(served)), "a route is declared twice"
    assert set(served) == expected
    scopes = {(op["method"], op["path"]): op["scope"] for op in inventory}
    assert {(m, t): scope for m, t, scope, _ in ROUTES} == scopes


def test_the_catalog_declares_exactly_the_inventory() -> None:
    inventory = json.loads((DATA / "octolens-operations.json").read_text(encoding="utf-8"))
    assert {op.operation_id for op in OPERATIONS} == {f"{o['method']} {o['path']}" for o in inventory}


TOOL_LIKE = re.compile(
    r"\b(?:list|get|create|update|delete|add|remove|run|pause|accept|reject|submit|test|search|export|invite|"
    r"replace|generate)_[a-z_]+\b"
)


def test_every_tool_named_in_text_for_the_agent_exists() -> None:
    texts = [
        *results.FIXED_HINTS.values(),
        *(op.verify or "" for op in OPERATIONS),
        *(op.description for op in OPERATIONS),
        *(op.paging.tool for op in OPERATIONS if isinstance(op.paging, OffsetResume)),
        *(prompt.template for prompt in PROMPTS),
    ]
    named = {name for text in texts for name in TOOL_LIKE.findall(text)}
    assert named, "no text names a tool?"
    assert named <= set(BY_NAME), sorted(named - set(BY_NAME))
