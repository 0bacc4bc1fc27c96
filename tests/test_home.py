"""The test run keeps out of the user's home (``conftest.home_left_as_found``), and so do the demo and the tour."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from octolens_mcp.mcp.exports import default_directory
from tests.conftest import HOME, leftovers
from tests.installed_command import COMMAND, environment


def test_the_run_has_an_empty_home_of_its_own(home_left_as_found: Path) -> None:
    assert home_left_as_found == HOME and Path.home() == HOME and os.environ["HOME"] == str(HOME)
    assert not {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"} & set(os.environ)
    # The export directory's default is inside it, so an export no test pointed elsewhere would be caught.
    assert default_directory().is_relative_to(HOME)
    assert leftovers(HOME) == []


def test_leftovers_names_files_and_directories_at_any_depth(tmp_path: Path) -> None:
    assert leftovers(tmp_path) == []
    (tmp_path / ".local/share/octolens-mcp/exports").mkdir(parents=True)
    (tmp_path / ".local/share/octolens-mcp/exports/mentions.csv").write_text("x")
    assert leftovers(tmp_path) == [
        ".local",
        ".local/share",
        ".local/share/octolens-mcp",
        ".local/share/octolens-mcp/exports",
        ".local/share/octolens-mcp/exports/mentions.csv",
    ]


def test_the_tour_writes_nothing(tmp_path: Path) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    done = subprocess.run(
        [COMMAND, "tour"],
        env=environment(HOME=str(home), TMPDIR=str(work)),
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert leftovers(home) == [] and leftovers(work) == []
