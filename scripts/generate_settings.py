"""Regenerate the configuration tables (README.md, docs/team-server.md) and server.json's variables from SETTINGS.

Usage: python scripts/generate_settings.py [--check]
--check writes nothing and exits 1 when either is stale (a test runs it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from octolens_mcp.cli import default_of, filled, plain
from octolens_mcp.config import SETTINGS, Setting, Settings

REPO = Path(__file__).resolve().parents[1]
README_PATH = REPO / "README.md"
TEAM_SERVER_PATH = REPO / "docs" / "team-server.md"
SERVER_JSON_PATH = REPO / "server.json"
TABLES = {
    "settings": lambda s: not s.http,
    "http-settings": lambda s: s.http,
}
"""Marker name → which settings its table lists."""
DOCUMENTS = {"settings": README_PATH, "http-settings": TEAM_SERVER_PATH}
"""Marker name → the document its table is in."""
FORMATS = {"bool": "boolean", "float": "number", "int": "number", "path": "filepath"}


def shown_default(setting: Setting) -> str:
    if setting.shown is not None:
        return filled(setting.shown)
    if setting.kind == "bool":
        return "on" if getattr(Settings(), setting.field) else "off"
    return f"`{default_of(setting)}`"


def readme_table(name: str) -> str:
    lines = [f"<!-- {name}:start -->", "| Variable | Flag | Default | Meaning |", "|---|---|---|---|"]
    for setting in filter(TABLES[name], SETTINGS):
        variable = f"`{setting.env}`" if setting.env else "—"
        flag = f"`{setting.flag}`" if setting.flag else "—"
        choices = f"One of {', '.join(f'`{c}`' for c in setting.choices)}." if setting.choices else ""
        meaning = " ".join(part for part in (filled(setting.about) + ".", choices, filled(setting.more)) if part)
        lines.append(f"| {variable} | {flag} | {shown_default(setting)} | {meaning} |")
    lines.append(f"<!-- {name}:end -->")
    return "\n".join(lines)


def readme_with_tables(readme: str) -> str:
    """``readme`` (any document) with each table whose markers it holds made anew."""
    for name in TABLES:
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        if start not in readme:
            continue
        before, rest = readme.split(start, 1)
        readme = before + readme_table(name) + rest.split(end, 1)[1]
    return readme


def variable(setting: Setting, *, image: bool) -> dict[str, Any]:
    """One registry ``environmentVariables`` entry; the image's may carry the image's own default."""
    assert setting.env is not None
    default = setting.image_default if image and setting.image_default else default_of(setting)
    about = plain(setting.about)
    described = f"HTTP mode: {about[0].lower()}{about[1:]}" if setting.http else about
    if default is None and setting.shown is not None and not setting.secret:
        described += f" (default: {plain(setting.shown)})"
    entry: dict[str, Any] = {"name": setting.env, "description": described, "isRequired": setting.required}
    if setting.secret:
        entry["isSecret"] = True
    entry["format"] = FORMATS.get(setting.kind, "string")
    if default is not None and not setting.secret:
        entry["default"] = default
    if setting.choices:
        entry["choices"] = list(setting.choices)
    return entry


def server_json(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with each package's variables made from the settings (the PyPI entry is stdio only)."""
    for package in document["packages"]:
        image = package["registryType"] == "oci"
        declared = [s for s in SETTINGS if s.env and (image or not s.http)]
        package["environmentVariables"] = [variable(s, image=image) for s in declared]
    return document


def main(argv: list[str]) -> int:
    server_now = SERVER_JSON_PATH.read_text(encoding="utf-8")
    server = json.dumps(server_json(json.loads(server_now)), indent=2, ensure_ascii=False) + "\n"
    files = {path: path.read_text(encoding="utf-8") for path in sorted(set(DOCUMENTS.values()))}
    for name, path in DOCUMENTS.items():
        assert f"<!-- {name}:start -->" in files[path], f"{path} has lost the {name} table's markers"
    wanted = {path: readme_with_tables(now) for path, now in files.items()}
    wanted[SERVER_JSON_PATH], files[SERVER_JSON_PATH] = server, server_now
    if "--check" in argv:
        stale = [str(path.relative_to(REPO)) for path, now in files.items() if now != wanted[path]]
        for name in stale:
            print(f"{name} is stale: run python scripts/generate_settings.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in wanted.items():
        path.write_text(text, encoding="utf-8")
    print("wrote the configuration tables and server.json's variables", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
