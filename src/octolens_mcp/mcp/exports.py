"""Exports go to files, not into the model's context: the file, its row count, columns and a short preview.

A ``POST /mentions/export`` answer can hold 50,000 mentions. ``export_mentions`` (unless
``output: "result"``) writes the full answer to a new file under the export directory and returns
where it is, how many rows it has, their columns, and the first rows, compact. The file is written
in a worker thread, atomically (a temporary name, then renamed), never overwriting another export.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

PREVIEW_ROWS = 3
csv.field_size_limit(2**31 - 1)  # a long post body is one CSV field; the default limit (128 KiB) would refuse it


def default_directory() -> Path:
    """The user's data directory for exports (XDG on Linux, Application Support on macOS, LOCALAPPDATA)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "octolens-mcp" / "exports"


async def to_file(structured: dict[str, Any], directory: str | None) -> dict[str, Any]:
    """``structured`` (an export result) written to a file; the result names the file and previews it."""
    return await anyio.to_thread.run_sync(_write, structured, directory)


def _write(structured: dict[str, Any], directory: str | None) -> dict[str, Any]:
    fmt = structured.get("format", "json")
    folder = _writable(Path(directory) if directory else default_directory())
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = folder / f"mentions-{stamp}-{secrets.token_hex(3)}.{fmt}"
    if fmt == "csv":
        text = structured.get("csv") or ""
        table = list(csv.DictReader(io.StringIO(text)))
        columns = list(table[0].keys()) if table else next(csv.reader(io.StringIO(text)), [])
        payload, rows, preview = text, len(table), table[:PREVIEW_ROWS]
    else:
        data = structured.get("data") or []
        columns = list(dict.fromkeys(key for row in data if isinstance(row, dict) for key in row))
        payload = json.dumps({"data": data, "total": structured.get("total")}, ensure_ascii=False)
        rows, preview = len(data), data[:PREVIEW_ROWS]
    _atomic_write(path, payload)
    kept = {k: v for k, v in structured.items() if k not in {"data", "csv"}}
    return {**kept, "path": str(path), "rows": rows, "columns": columns, "preview": preview}


def _writable(folder: Path) -> Path:
    """``folder``, created if needed; the system temporary directory when it cannot be (a read-only home)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{secrets.token_hex(4)}"
        probe.write_bytes(b"")
        probe.unlink()
        return folder
    except OSError:
        fallback = Path(tempfile.gettempdir()) / "octolens-mcp-exports"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def _atomic_write(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8", newline="")
    os.replace(partial, path)
