"""The installed ``octolens-mcp`` console script, run as a host would, with no OCTOLENS_ setting inherited."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

COMMAND = str(Path(sys.executable).with_name("octolens-mcp"))


def environment(**extra: str) -> dict[str, str]:
    """This process's environment without any OCTOLENS_ variable, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCTOLENS_")}
    env.update(extra)
    return env


def run_command(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``octolens-mcp ARGS`` run to its end (at most 30 s) with ``environment(**env)``; its output as text."""
    return subprocess.run(
        [COMMAND, *args], env=environment(**env), capture_output=True, text=True, timeout=30, check=False
    )
