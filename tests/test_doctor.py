"""``octolens-mcp doctor`` against the sandbox served over real HTTP, with a temporary HOME for host files.

Each failure a user would otherwise meet as "server disconnected" is set up for real and must come back as a
✗ (or !) with its fix: a wrong key, a key without the scope, an unreachable URL (directly and through a
proxy), a skewed clock, a host configuration whose command is not on a GUI PATH, an API document that
drifted. Doctor runs as the installed command does, in a subprocess; its output never holds a key.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from octolens_mcp.catalog.inventory import OPERATIONS
from octolens_mcp.setup.drift import compare
from octolens_mcp.setup.hosts import HOSTS, KEY_VARIABLE, VSCODE_INPUT, Places
from octolens_mcp.setup.openapi import declared_document
from octolens_sandbox import Fault, FaultySandbox, Sandbox
from tests.conftest import CANARY_KEY, COMPOSED_TOOLS, READ_KEY, SECRETS, TOOL_COUNT, WRITE_KEY
from tests.http_harness import free_port

WRONG_KEY = "ak_live_not_a_real_key_9x8y"
KEYS = {CANARY_KEY: "admin", READ_KEY: "read", WRITE_KEY: "write"}


@contextmanager
def served(sandbox: Sandbox, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """``sandbox`` over HTTP on loopback (HTTPS with ``tls``: key and certificate); its base URL. Its Date header
    is its own clock's (uvicorn's is off)."""
    port = free_port()
    config = uvicorn.Config(
        sandbox,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        date_header=False,
        lifespan="off",
        ssl_keyfile=str(tls[0]) if tls else None,
        ssl_certfile=str(tls[1]) if tls else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.02)
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}/api/v2"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def api() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(keys=dict(KEYS))  # type: ignore[arg-type]
    with served(sandbox) as url:
        yield sandbox, url


def doctor(home: Path, *args: str, plain: bool = False, **env: str) -> tuple[int, dict[str, Any], str]:
    """Exit status, the --json document and (with ``plain``) the checklist of ``octolens-mcp doctor ARGS``."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OCTOLENS_") and "proxy" not in k.lower() and k not in {"APPDATA", "XDG_CONFIG_HOME"}
    }
    base.update(HOME=str(home), **env)
    runs = []
    for output in (["--json"], []) if plain else (["--json"],):
        done = subprocess.run(
            [sys.executable, "-m", "octolens_mcp", "doctor", *args, *output],
            env=base,
            cwd=home,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        for secret in (*SECRETS, WRONG_KEY):
            assert secret not in done.stdout + done.stderr, "doctor printed a key"
        runs.append(done)
    json_run, *plain_run = runs
    text = plain_run[0].stdout if plain_run else ""
    assert not plain_run or plain_run[0].returncode == json_run.returncode, text
    return json_run.returncode, json.loads(json_run.stdout), text


def checks(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [c for c in document["checks"] if c["check"] == name or c["check"].startswith(name + ": ")]


def one(document: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = checks(document, name)
    return found


def host_file(home: Path, host: str, entries: dict[str, Any], **extra: Any) -> Path:
    path = HOSTS[host].user_file(Places(home=home))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({HOSTS[host].container: entries, **extra}, indent=2))
    return path


def ours(url: str, key: str, *args: str) -> dict[str, Any]:
    """An entry starting this installation against the sandbox, as ``install`` writes it (plus the base URL)."""
    return {
        "command": sys.executable,
        "args": ["-m", "octolens_mcp", *args],
        "env": {KEY_VARIABLE: key, "OCTOLENS_BASE_URL": url},
    }


# ---------------------------------------------------------------- all well


def test_a_working_setup_passes_every_check(api: tuple[Sandbox, str], tmp_path: Path) -> None:
    _, url = api
    host_file(tmp_path, "cursor", {"octolens": ours(url, CANARY_KEY, "--toolsets", "all")})
    status, document, text = doctor(tmp_path, plain=True, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=CANARY_KEY)
    assert status == 0, text
    assert document["ok"] is True
    assert all(c["status"] == "ok" for c in document["checks"]), text
    assert "…" + CANARY_KEY[-4:] in one(document, "key")["detail"]
    assert "of 500 requests left" in one(document, "rate budget")["detail"]
    assert f"lists {TOOL_COUNT} tools" in one(document, "Cursor “octolens”")["detail"]
    assert "✓ reachability" in text and "Nothing blocks the server." in text


# ---------------------------------------------------------------- the key


def test_a_wrong_key_is_reported_with_its_fix(api: tuple[Sandbox, str], tmp_path: Path) -> None:
    _, url = api
    host_file(tmp_path, "windsurf", {"octolens": ours(url, WRONG_KEY)})
    status, document, text = doctor(tmp_path, plain=True, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=WRONG_KEY)
    assert status == 1
    key = one(document, "key")
    assert key["status"] == "fail" and "401" in key["detail"] and "…" + WRONG_KEY[-4:] in key["detail"]
    assert "Settings → API" in key["fix"] and "octolens-mcp install" in key["fix"]
    host_key = one(document, "key of Windsurf “octolens”")
    assert host_key["status"] == "fail" and "401" in host_key["detail"]
    assert "✗ key" in text and "fix: create a key" in text


def test_a_plan_without_api_access_is_reported(api: tuple[Sandbox, str], tmp_path: Path) -> None:
    sandbox, url = api
    sandbox.plan_active = False
    status, document, _ = doctor(tmp_path, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=CANARY_KEY)
    key = one(document, "key")
    assert status == 1 and key["status"] == "fail" and "403 FORBIDDEN" in key["detail"] and "upgrade" in key["detail"]
    assert "active plan" in key["fix"]


def test_a_key_of_the_wrong_shape_is_reported(api: tuple[Sandbox, str], tmp_path: Path) -> None:
    _, url = api
    status, document, _ = doctor(tmp_path, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=f'"{CANARY_KEY}"')
    shape = one(document, "key shape")
    assert status == 1 and shape["status"] == "fail" and "quotes" in shape["fix"]


def test_a_key_without_the_scope_is_reported_with_its_fix(api: tuple[Sandbox, str], tmp_path: Path) -> None:
    _, url = api
    status, document, _ = doctor(tmp_path, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=READ_KEY)
    assert status == 1
    scope = one(document, "scope")
    assert scope["status"] == "fail" and "scope read" in scope["detail"] and "need write" in scope["detail"]
    assert "create_keyword" in scope["detail"] or "more" in scope["detail"]
    assert "write scope" in scope["fix"] and "--read-only" in scope["fix"]
    status, document, _ = doctor(tmp_path, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=READ_KEY, OCTOLENS_READ_ONLY="true")
    assert not checks(document, "scope") and one(document, "key")["status"] == "ok"
    status, document, _ = doctor(tmp_path, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=WRITE_KEY, OCTOLENS_TOOLSETS="all")
    assert "need admin" in one(document, "scope")["detail"], "members need admin"


# ---------------------------------------------------------------- the network and the clock


def test_an_unreachable_url_is_reported_with_its_fix(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v2"
    status, document, _ = doctor(tmp_path, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=CANARY_KEY)
    assert status == 1
    reach = one(document, "reachability")
    assert reach["status"] == "fail" and "cannot connect to 127.0.0.1" in reach["detail"]
    assert "HTTPS_PROXY" in reach["fix"]
    assert not checks(document, "rate budget") and not checks(document, "clock")


def test_a_proxy_in_the_way_is_named(tmp_path: Path) -> None:
    proxy = f"http://user:secret@127.0.0.1:{free_port()}"
    status, document, _ = doctor(
        tmp_path, OCTOLENS_BASE_URL="http://api.octolens.test/api/v2", OCTOLENS_API_KEY=CANARY_KEY, HTTP_PROXY=proxy
    )
    reach = one(document, "reachability")
    assert status == 1 and reach["status"] == "fail"
    assert "HTTP_PROXY=http://***@127.0.0.1" in reach["detail"] and "secret" not in json.dumps(document)
    assert "check the proxy" in reach["fix"]


def test_tls_interception_is_explained(tmp_path: Path) -> None:
    key, certificate = tmp_path / "key.pem", tmp_path / "cert.pem"
    self_signed = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
    subprocess.run(
        ["openssl", *self_signed, "-keyout", str(key), "-out", str(certificate)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    with served(Sandbox(keys=dict(KEYS)), tls=(key, certificate)) as url:  # type: ignore[arg-type]
        status, document, _ = doctor(tmp_path, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=CANARY_KEY)
    reach = one(document, "reachability")
    assert status == 1 and reach["status"] == "fail" and "TLS failed with 127.0.0.1" in reach["detail"]
    assert "SSL_CERT_FILE" in reach["fix"] and "never turn verification off" in reach["fix"]


def test_an_expiring_key_and_a_spent_budget_are_reported(tmp_path: Path) -> None:
    soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    sandbox = FaultySandbox(keys=dict(KEYS), rate_limit=1)
    sandbox.faults.append(Fault("add_field", route="GET /auth", name="expiresAt", value=soon))
    with served(sandbox) as url:
        status, document, _ = doctor(tmp_path, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=CANARY_KEY)
    key = one(document, "key")
    assert key["status"] == "warn" and "expires in 3 days" in key["detail"] and "Settings → API" in key["fix"]
    budget = one(document, "rate budget")
    assert status == 1 and budget["status"] == "fail" and "0 of 1 requests left" in budget["detail"]
    assert budget["fix"].startswith("wait ")


def test_a_skewed_clock_is_reported_with_its_fix(tmp_path: Path) -> None:
    sandbox = Sandbox(keys=dict(KEYS), clock=lambda: time.time() + 600)  # type: ignore[arg-type]
    with served(sandbox) as url:
        _, document, text = doctor(tmp_path, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=CANARY_KEY)
    clock = one(document, "clock")
    assert clock["status"] == "warn" and "10 min behind the API's" in clock["detail"]
    assert "automatic time" in clock["fix"]
    # The reset is told by the API's clock: the window ends within the hour, not an hour and ten minutes away.
    assert "min)" in one(document, "rate budget")["detail"] and "1.2 h" not in text


# ---------------------------------------------------------------- host configurations


def test_a_host_command_not_on_a_gui_path_is_reported_with_its_fix(api: tuple[Sandbox, str], tmp_path: Path) -> None:
    _, url = api
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    uvx = bin_dir / "uvx"
    uvx.write_text("#!/bin/sh\nexit 1\n")
    uvx.chmod(0o755)
    path = host_file(
        tmp_path,
        "claude-desktop",
        {"octolens": {"command": "uvx", "args": ["octolens-mcp"], "env": {KEY_VARIABLE: CANARY_KEY}}},
    )
    status, document, text = doctor(
        tmp_path, plain=True, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=CANARY_KEY, PATH=f"{bin_dir}:{os.environ['PATH']}"
    )
    assert status == 1
    entry = one(document, "Claude Desktop “octolens”")
    assert entry["status"] == "fail" and "`uvx` is not on Claude Desktop's PATH (/usr/bin:/bin)" in entry["detail"]
    assert "spawn uvx ENOENT" in entry["detail"] and str(path) in entry["detail"]
    assert f'"command": "{uvx}"' in entry["fix"] and "octolens-mcp install claude-desktop" in entry["fix"]
    assert "✗ Claude Desktop “octolens”" in text


@pytest.mark.parametrize("host", ["vscode", "zed"])
def test_jsonc_host_files_are_read_and_vscode_inputs_filled_from_the_shell(
    api: tuple[Sandbox, str], host: str, tmp_path: Path
) -> None:
    _, url = api
    entry = ours(url, f"${{input:{VSCODE_INPUT}}}" if host == "vscode" else CANARY_KEY)
    if host == "vscode":
        entry["type"] = "stdio"
    path = host_file(tmp_path, host, {"octolens": entry})
    path.write_text("// mine\n" + path.read_text())
    status, document, text = doctor(tmp_path, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=CANARY_KEY)
    assert status == 0, text
    started = one(document, f"{HOSTS[host].label} “octolens”")
    assert started["status"] == "ok" and "lists" in started["detail"]
    if host == "vscode":
        assert "asked by the host" in started["detail"]


def test_a_host_file_that_does_not_parse_and_a_server_that_exits_are_reported(
    api: tuple[Sandbox, str], tmp_path: Path
) -> None:
    _, url = api
    broken = HOSTS["windsurf"].user_file(Places(home=tmp_path))
    broken.parent.mkdir(parents=True)
    broken.write_text('{"mcpServers": {')
    host_file(tmp_path, "cursor", {"octolens": {"command": sys.executable, "args": ["-m", "octolens_mcp"]}})
    status, document, _ = doctor(tmp_path, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=CANARY_KEY)
    assert status == 1
    assert "does not parse" in one(document, "Windsurf config")["detail"]
    cursor = one(document, "Cursor “octolens”")
    assert "no OCTOLENS_API_KEY" in cursor["detail"] and "octolens-mcp install cursor" in cursor["fix"]


# ---------------------------------------------------------------- API drift


def drifted() -> dict[str, Any]:
    """Our own document with deliberate changes: an operation gone and one new, a field renamed, a new
    required field, a new enum value."""
    document = copy.deepcopy(declared_document())
    del document["paths"]["/tags"]
    document["paths"]["/attention"] = {"get": {"x-required-scope": "read", "responses": {}}}
    body = document["paths"]["/feeds"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    body["properties"]["title"] = body["properties"].pop("name")
    body["properties"]["color"] = {"type": "string"}
    body["required"] = ["title", "color"]
    for parameter in document["paths"]["/analytics/volume"]["get"]["parameters"]:
        if parameter["name"] == "granularity":
            parameter["schema"]["anyOf"][0]["enum"].append("week")
    return document


def test_our_own_document_declares_every_operation() -> None:
    document = declared_document()
    operations = [(m, p) for p, item in document["paths"].items() for m in item]
    # The webhook tools are this server's own (no API path of theirs): the API's document has no place for them.
    assert len(operations) == TOOL_COUNT - len(COMPOSED_TOOLS) == len(OPERATIONS) - len(COMPOSED_TOOLS)
    assert all(
        item[m]["x-required-scope"] in {"read", "write", "admin"} for p, item in document["paths"].items() for m in item
    )
    assert compare(document, document) == []


def test_an_api_document_that_drifted_is_reported_with_fixes(api: tuple[Sandbox, str], tmp_path: Path) -> None:
    sandbox, url = api
    sandbox.openapi = declared_document()
    status, document, _ = doctor(tmp_path, "--api", OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=CANARY_KEY)
    assert one(document, "API drift")["status"] == "ok" and status == 0
    sandbox.openapi = drifted()
    status, document, text = doctor(tmp_path, "--api", plain=True, OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=CANARY_KEY)
    assert status == 1
    drift = checks(document, "API drift")
    details = "\n".join(f"{c['check'].removeprefix('API drift: ')} {c['status']} {c['detail']}" for c in drift)
    assert "GET /tags fail removed: list_tags calls an operation the API no longer lists" in details
    assert "GET /attention warn added" in details
    assert "POST /feeds fail renamed: request field name is now title" in details
    assert "POST /feeds fail required: the API requires color, which create_feed does not send" in details
    assert "GET /analytics/volume fail enum: granularity takes week" in details
    assert all(c["fix"] for c in drift)
    assert "fix: update create_feed's declaration" in text


def test_no_api_document_is_reported(api: tuple[Sandbox, str], tmp_path: Path) -> None:
    _, url = api
    status, document, _ = doctor(tmp_path, "--api", OCTOLENS_BASE_URL=url, OCTOLENS_API_KEY=CANARY_KEY)
    drift = one(document, "API drift")
    assert status == 1 and drift["status"] == "fail" and "openapi.json" in drift["fix"]
