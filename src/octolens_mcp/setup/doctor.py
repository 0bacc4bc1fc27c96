"""``octolens-mcp doctor``: what a host would only show as "server disconnected", checked and explained.

A checklist: ✓ fine, ! worth fixing, ✗ blocks (the exit status is 1 when there is one); each ! and ✗ with
its fix. It covers this installation, the key (shown by its last 4 characters only), the API's
reachability, rate budget and clock, every host configuration here that names this server (each started
as its host starts it), and with ``--api`` the live OpenAPI document against this server's declarations.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import platform
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

import anyio
import httpx2

from octolens_mcp import __version__
from octolens_mcp.config import ConfigError, Settings, check, from_env
from octolens_mcp.setup.hosts import KEY_VARIABLE, Places
from octolens_mcp.setup.launch import configured, start
from octolens_mcp.setup.probe import Probe, probe, proxies

Status = Literal["ok", "warn", "fail"]
MARKS: dict[Status, str] = {"ok": "✓", "warn": "!", "fail": "✗"}
SCOPE_RANK = {"read": 0, "write": 1, "admin": 2}
KEY_SHAPE = re.compile(r"^ak_[A-Za-z0-9_-]{8,}$")
SKEW_LIMIT = 30.0
"""Seconds of clock difference past which the rate-limit reset and timestamps read wrong."""
NEW_KEY = "create a key in Octolens (Settings → API) and give it to each host (`octolens-mcp install HOST`)"


@dataclass(frozen=True)
class Check:
    check: str
    status: Status
    detail: str
    fix: str | None = None


def shown(key: str) -> str:
    """A key as doctor shows it: its last 4 characters."""
    return f"…{key[-4:]}" if len(key) > 8 else "…"


def _versions() -> Check:
    try:
        sdk = version("mcp")
    except PackageNotFoundError:
        sdk = "missing"
    python = platform.python_version()
    detail = f"Python {python} ({sys.executable}), octolens-mcp {__version__}, mcp SDK {sdk}"
    if sys.version_info < (3, 11) or sdk == "missing":
        return Check("versions", "fail", detail, "install into Python 3.11 or newer: pip install . (in a venv)")
    return Check("versions", "ok", detail)


def _key_shape(key: str | None) -> Check:
    if not key:
        return Check(
            "key shape",
            "warn",
            f"{KEY_VARIABLE} is not set in this shell (host configurations are checked with their own keys below)",
            f"read -rs {KEY_VARIABLE} && export {KEY_VARIABLE}, then run doctor again to check it",
        )
    if key != key.strip() or key[:1] in "\"'" or not KEY_SHAPE.match(key.strip()):
        return Check(
            "key shape",
            "fail",
            f"{KEY_VARIABLE} ({shown(key)}) does not look like an Octolens key (ak_…, no spaces or quotes)",
            "copy the whole key from Octolens (Settings → API), without quotes or spaces",
        )
    return Check("key shape", "ok", f"{KEY_VARIABLE} is set ({shown(key)}) and has a key's shape")


def _reach(found: Probe, base_url: str) -> Check:
    via = proxies()
    through = f"; proxy variables: {', '.join(f'{k}={v}' for k, v in via.items())}" if via else ""
    if found.problem is not None:
        return Check("reachability", "fail", f"{base_url}: {found.problem}{through}", found.fix)
    latency = (found.latency or 0) * 1000
    status: Status = "warn" if latency > 3000 else "ok"
    fix = "a slow network or proxy: raise OCTOLENS_TIMEOUT if calls time out" if status == "warn" else None
    return Check("reachability", status, f"{base_url} answered in {latency:.0f} ms{through}", fix)


def _needed(settings: Settings) -> tuple[str, list[str]]:
    """The scope the configured tools need, and the tools that need the most."""
    from octolens_mcp.catalog.inventory import OPERATIONS
    from octolens_mcp.catalog.toolsets import DEFAULT_TOOLSETS, TOOLSETS

    toolsets = settings.toolsets or DEFAULT_TOOLSETS
    names = set(TOOLSETS) if "all" in toolsets else set(toolsets)
    operations = [op for op in OPERATIONS if op.toolset in names and (op.read_only or not settings.read_only)]
    if not operations:
        return "read", []
    top = max((op.scope for op in operations), key=SCOPE_RANK.__getitem__)
    return top, [op.name for op in operations if op.scope == top]


def _key_checks(found: Probe, key: str, settings: Settings, where: str = "") -> list[Check]:
    """Whether the API takes the key, and whether its scope covers the tools configured."""
    label = f"key{where}"
    if found.status == 401:
        return [
            Check(
                label,
                "fail",
                f"the API rejects {shown(key)} (401 {found.code or 'UNAUTHORIZED'}): wrong, expired or revoked",
                NEW_KEY,
            )
        ]
    if found.status == 403:
        return [
            Check(
                label,
                "fail",
                f"the API refuses {shown(key)} (403 {found.code}): {_message(found) or 'no API access'}",
                "API access needs an active plan: renew the workspace's plan in the Octolens web app",
            )
        ]
    if found.status != 200:
        return [
            Check(
                label,
                "fail",
                f"GET /auth answered {found.status} {found.code or ''}".strip(),
                "try again later; if it persists, the API is having trouble",
            )
        ]
    scopes = found.scopes or []
    workspace = found.body.get("name") if isinstance(found.body, dict) else None
    detail = f"{shown(key)} works: workspace {workspace or '?'}, scopes {', '.join(scopes) or 'unknown'}"
    checks = [Check(label, "ok", detail + (f", expires {found.expires}" if found.expires else ""))]
    expiry = _expiry_days(found.expires)
    if expiry is not None and expiry < 14:
        checks[0] = Check(label, "warn", detail + f", expires in {expiry:.0f} days ({found.expires})", NEW_KEY)
    granted = max((SCOPE_RANK.get(s, -1) for s in scopes), default=-1)
    scope, tools = _needed(settings)
    if scopes and granted < SCOPE_RANK[scope]:
        names = ", ".join(tools[:4]) + (f" and {len(tools) - 4} more" if len(tools) > 4 else "")
        checks.append(
            Check(
                f"scope{where}",
                "fail",
                f"{shown(key)} has scope {', '.join(scopes)}; the tools configured need {scope} ({names})",
                f"create a key with {scope} scope (Settings → API), or offer only what it can: "
                "--read-only (OCTOLENS_READ_ONLY=true) or fewer --toolsets",
            )
        )
    return checks


def _message(found: Probe) -> str | None:
    error = found.body.get("error") if isinstance(found.body, dict) else None
    return str(error["message"]) if isinstance(error, dict) and error.get("message") else None


def _expiry_days(expires: str | None) -> float | None:
    if not expires:
        return None
    try:
        when = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    except ValueError:
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return (when - datetime.now(UTC)).total_seconds() / 86400


def _budget_and_clock(found: Probe) -> list[Check]:
    checks: list[Check] = []
    skew = found.skew
    if skew is not None:
        ahead = "ahead of" if skew > 0 else "behind"
        if abs(skew) > SKEW_LIMIT:
            checks.append(
                Check(
                    "clock",
                    "warn",
                    f"this machine's clock is {_duration(abs(skew))} {ahead} the API's (its Date header): rate-limit "
                    "resets and timestamps read wrong",
                    "turn on automatic time (Linux: timedatectl set-ntp true; macOS/Windows: Date & Time → set "
                    "automatically)",
                )
            )
        else:
            checks.append(Check("clock", "ok", f"within {abs(skew):.0f} s of the API's clock"))
    limit, remaining, reset = (found.headers.get(f"x-ratelimit-{n}") for n in ("limit", "remaining", "reset"))
    if remaining is not None and reset is not None:
        server_now = time.time() - (skew or 0.0)
        try:
            left, resets_in = int(remaining), float(reset) - server_now
        except ValueError:
            return checks
        at = datetime.fromtimestamp(float(reset), UTC).strftime("%H:%M:%S UTC")
        detail = f"{left} of {limit or '?'} requests left this hour; resets at {at} (in {_duration(resets_in)})"
        if left == 0:
            checks.append(Check("rate budget", "fail", detail, f"wait {_duration(resets_in)} for the next window"))
        else:
            checks.append(
                Check(
                    "rate budget",
                    "ok" if left >= 25 else "warn",
                    detail,
                    None if left >= 25 else "few requests left: other keys of the workspace share them",
                )
            )
    return checks


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


async def _hosts(places: Places, cwd: Path, settings: Settings, secrets: set[str]) -> list[Check]:
    entries, unreadable = configured(places, cwd)
    checks = [
        Check(
            f"{u.host.label} config",
            "fail",
            f"{u.path} does not parse ({u.problem}): the host cannot read it",
            "fix the file (octolens-mcp install refuses to touch it until it parses)",
        )
        for u in unreadable
    ]
    if not entries:
        checks.append(
            Check(
                "hosts",
                "warn",
                "no host configuration here names this server",
                "octolens-mcp install HOST (claude-desktop, cursor, vscode, windsurf, zed, claude-code)",
            )
        )
    for item in entries:
        label = f"{item.host.label} “{item.name}”"
        started = await start(item, places)
        if started.key:
            secrets.add(started.key)
        where = f" ({item.path})"
        if started.problem is not None:
            checks.append(Check(label, "fail", started.problem + where, started.fix))
            continue
        notes = f" ({'; '.join(started.notes)})" if started.notes else ""
        if started.tools is None:
            checks.append(Check(label, "ok", f"{'; '.join(started.notes)}{where}"))
            continue
        checks.append(
            Check(label, "ok", f"starts as {item.host.label} starts it and lists {started.tools} tools{where}{notes}")
        )
        if started.key:
            base = started.base_url or settings.base_url
            found = await probe(base, started.key)
            if found.problem is not None:
                checks.append(Check(f"{label} key", "fail", f"{base}: {found.problem}", found.fix))
            else:
                checks += _key_checks(found, started.key, _entry_settings(item.entry, settings), f" of {label}")
    return checks


def _entry_settings(entry: dict[str, Any], settings: Settings) -> Settings:
    """The settings an entry's server runs with, as far as scope goes: its args over its env."""
    from octolens_mcp.cli import settings_from

    args = [str(a) for a in entry.get("args") or []]
    env = {str(k): str(v) for k, v in (entry.get("env") or {}).items()}
    after = next((i + 1 for i, a in enumerate(args) if a in {"octolens_mcp", "octolens-mcp"}), 0)
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # argparse's complaint about a launcher's own args
            return settings_from(args[after:], base=from_env(env))
    except (ConfigError, SystemExit):
        return settings


async def _drift(base_url: str, transport: httpx2.AsyncBaseTransport | None = None) -> list[Check]:
    from octolens_mcp.catalog.inventory import OPERATIONS
    from octolens_mcp.setup.drift import compare
    from octolens_mcp.setup.openapi import declared_document

    url = base_url.rstrip("/") + "/openapi.json"
    try:
        async with httpx2.AsyncClient(transport=transport, timeout=20) as client:
            response = await client.get(url, headers={"Accept": "application/json"})
        live = response.json() if response.status_code == 200 else None
    except (httpx2.HTTPError, OSError, ValueError) as exc:
        return [Check("API drift", "fail", f"{url}: {exc}", "check reachability above, then run doctor --api again")]
    if not isinstance(live, dict) or not isinstance(live.get("paths"), dict):
        return [
            Check(
                "API drift",
                "fail",
                f"{url} answered {response.status_code} without an OpenAPI document",
                "check OCTOLENS_BASE_URL; the API serves its document at <base>/openapi.json",
            )
        ]
    tools = {op.operation_id: op.name for op in OPERATIONS}
    findings = compare(live, declared_document(), tools)
    if not findings:
        return [Check("API drift", "ok", f"{url} matches the {len(tools)} operations this server declares")]
    return [
        Check(f"API drift: {f.operation}", "fail" if f.blocks else "warn", f"{f.kind}: {f.detail}", f.fix)
        for f in findings
    ]


async def diagnose(
    api: bool = False, places: Places | None = None, cwd: Path | None = None
) -> tuple[list[Check], set[str]]:
    """Every check, in order; and the keys met on the way (to keep out of any output)."""
    places = places or Places.from_env()
    cwd = cwd or Path.cwd()
    checks = [_versions()]
    secrets: set[str] = set()
    try:
        settings = check(from_env())
    except ConfigError as exc:
        checks.append(Check("settings", "fail", str(exc), "fix that variable (octolens-mcp --help lists each)"))
        settings = Settings()
    key = settings.api_key
    if key:
        secrets.add(key)
    checks.append(_key_shape(key))
    found = await probe(settings.base_url, key.strip() if key else None)
    checks.append(_reach(found, settings.base_url))
    if found.problem is None:
        if key:
            checks += _key_checks(found, key.strip(), settings)
        checks += _budget_and_clock(found)
    checks += await _hosts(places, cwd, settings, secrets)
    if api:
        checks += await _drift(settings.base_url)
    return checks, secrets


def _hidden(text: str, secrets: set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, shown(secret))
    return text


def render(checks: list[Check]) -> str:
    lines = []
    for item in checks:
        lines.append(f"{MARKS[item.status]} {item.check}: {item.detail}")
        if item.fix and item.status != "ok":
            lines.append(f"    fix: {item.fix}")
    failed = sum(1 for c in checks if c.status == "fail")
    lines.append(f"\n{failed} problem(s) block the server." if failed else "\nNothing blocks the server.")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="octolens-mcp doctor",
        description="Check this installation, the key, the API and every host configuration that names this server.",
    )
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.add_argument("--api", action="store_true", help="also compare the live OpenAPI document with this server")
    args = parser.parse_args(list(argv))
    checks, secrets = anyio.run(diagnose, args.api)
    if args.json:
        document = {"ok": not any(c.status == "fail" for c in checks), "checks": [asdict(c) for c in checks]}
        print(_hidden(json.dumps(document, indent=2, ensure_ascii=False), secrets))
    else:
        print(_hidden(render(checks), secrets), end="")
    return 1 if any(c.status == "fail" for c in checks) else 0
