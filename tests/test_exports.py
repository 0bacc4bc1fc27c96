"""Exports land in files: progress while they are made, and a fallback when the export directory cannot be written."""

from __future__ import annotations

import os
import resource
import signal
import tempfile
from pathlib import Path

import pytest

from octolens_sandbox import Sandbox
from tests.conftest import connect, fails, ok

pytestmark = pytest.mark.anyio


async def test_an_export_reports_progress(sandbox: Sandbox) -> None:
    messages: list[str] = []

    async def progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    async with connect(sandbox) as client:
        result = await client.call_tool("export_mentions", {"limit": 5}, progress_callback=progress)
    assert not result.is_error
    assert any("requesting the export" in m for m in messages) and any("writing the export" in m for m in messages)


@pytest.fixture
def fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where exports fall back to, under a temporary directory of this test's own (not the real /tmp)."""
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    return system_tmp / f"octolens-mcp-exports-{os.getuid()}"


@pytest.fixture
def unwritable(tmp_path: Path) -> str:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    return str(blocker / "exports")


async def test_an_unwritable_export_directory_falls_back_to_the_temporary_directory(
    sandbox: Sandbox, fallback: Path, unwritable: str
) -> None:
    async with connect(sandbox, export_dir=unwritable) as client:
        exported = await ok(client, "export_mentions", {"limit": 2})
    written = Path(exported["path"])
    assert written.parent == fallback and exported["rows"] == 2
    assert os.stat(fallback).st_mode & 0o077 == 0, "other local users cannot list or read the exports"


async def test_a_fallback_directory_another_user_could_reach_is_never_written(
    sandbox: Sandbox, fallback: Path, unwritable: str
) -> None:
    os.mkdir(fallback)
    os.chmod(fallback, 0o777)  # as if another local user had made it first, open to all
    async with connect(sandbox, export_dir=unwritable) as client:
        error = await fails(client, "export_mentions", {"limit": 2})
    assert error["code"] == "EXPORT_NOT_WRITTEN" and "OCTOLENS_EXPORT_DIR" in error["hint"]
    assert files_under(fallback) == []


async def test_an_export_the_disk_cannot_hold_leaves_no_half_file(sandbox: Sandbox, tmp_path: Path) -> None:
    for mention in sandbox.mentions:
        mention["body"] = "a long post " * 300
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    previous_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    try:
        async with connect(sandbox, export_dir=str(tmp_path)) as client:
            resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, previous_limit[1]))  # as if the disk filled up
            try:
                error = await fails(client, "export_mentions", {"limit": 200, "includeAll": True})
            finally:
                resource.setrlimit(resource.RLIMIT_FSIZE, previous_limit)
    finally:
        signal.signal(signal.SIGXFSZ, previous_handler)
    assert error["code"] == "EXPORT_NOT_WRITTEN"
    assert files_under(tmp_path) == []


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]
