"""CONTRIBUTING.md's recipe for adding an operation stays true: its facts live only in the files it names.

An operation's path is written only in its own catalog module (the declaration) and its own sandbox route
module (the reference's implementation): no other module keeps a table by path. Its models are in
``catalog/models``, the reference's copy lists it, and the recipe names each of these places.
"""

from __future__ import annotations

import importlib
import re
import subprocess

from octolens_mcp.catalog.inventory import OPERATIONS
from tests.conftest import COMPOSED_TOOLS, DATA, REPO

RECIPE = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")


def tracked_sources() -> dict[str, str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "src"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {name: (REPO / name).read_text(encoding="utf-8") for name in listed if name.endswith(".py")}


def recipe_steps() -> str:
    return RECIPE.split("## Add an operation", 1)[1].split("\n## ", 1)[0]


def test_an_operations_path_is_written_only_where_the_recipe_says() -> None:
    sources = tracked_sources()
    for op in OPERATIONS:
        if op.name in COMPOSED_TOOLS:
            # Built on another operation: it names that one's path through it, and writes none itself.
            assert any(o.path == op.path and o.name not in COMPOSED_TOOLS for o in OPERATIONS), op.name
            continue
        quoted = re.compile(r"[\"']" + re.escape(op.path) + r"[\"']")
        writers = {name for name, text in sources.items() if quoted.search(text)}
        declarations = _declaring_files(op.name)
        routes = {name for name in writers if name.startswith("src/octolens_sandbox/routes/")}
        assert writers <= declarations | routes, f"{op.name}: {sorted(writers - declarations)} keep a table by path"
        assert writers & declarations and routes, f"{op.name}: declared in {declarations}, routed in {routes}"


def test_an_operations_models_and_reference_entry_are_where_the_recipe_says() -> None:
    reference = (DATA / "octolens-operations.json").read_text(encoding="utf-8")
    for op in OPERATIONS:
        for model in (op.input, op.output):
            assert model.__module__.startswith("octolens_mcp.catalog.models."), f"{op.name}: {model.__name__}"
        assert f'"{op.path}"' in reference, f"{op.name}: the reference's copy does not list {op.path}"


def test_the_recipe_names_every_place_and_each_exists() -> None:
    steps = [line for line in recipe_steps().splitlines() if re.match(r"\d+\. ", line)]
    named = {path for line in steps for path in re.findall(r"`((?:src|tests)/[^`]+|README.md)`", line)}
    expected = {
        "src/octolens_mcp/catalog/models/<area>.py",
        "src/octolens_mcp/catalog/<area>.py",
        "src/octolens_sandbox/routes/<area>.py",
        "tests/data/octolens-operations.json",
        "tests/test_variants.py",
        "src/octolens_mcp/mcp/tools.json",
    }
    assert expected <= named, sorted(expected - named)
    for place in named:
        if "<area>" in place:
            assert list(REPO.glob(place.replace("<area>", "*"))), place
        else:
            assert (REPO / place).exists() or "*" in place or "test_" in place, place
    assert len(named) <= 7, f"an operation that is one request touches at most 7 files: {sorted(named)}"


def _declaring_files(tool: str) -> set[str]:
    """The catalog modules that hold the operation of ``tool`` as one of their names (where it is declared)."""
    found = set()
    for path in sorted((REPO / "src/octolens_mcp/catalog").glob("*.py")):
        module = importlib.import_module(f"octolens_mcp.catalog.{path.stem}")
        held = [value for value in vars(module).values() if getattr(value, "name", None) == tool]
        if path.stem != "inventory" and held:
            found.add(str(path.relative_to(REPO)))
    assert found, f"no catalog module declares {tool}"
    return found
