"""Exports over HTTP: a resource link into the key's own directory, readable by that key only."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import time
from pathlib import Path

import pytest
from mcp import ClientSession, MCPError
from mcp_types import ResourceLink, TextResourceContents

from octolens_mcp.mcp.backend import key_id
from octolens_sandbox import Fault, FaultySandbox
from tests.conftest import CANARY_KEY, READ_KEY, assert_no_secret
from tests.http_harness import KeyedUpstream, http_settings, mcp_session, running

pytestmark = pytest.mark.anyio

RESOURCE = "octolens://exports/"
JSON_TYPE = {"Content-Type": "application/json"}


def files(folder: Path, pattern: str = "*") -> list[Path]:
    """Every file under ``folder`` matching ``pattern``, at any depth."""
    return [path for path in folder.rglob(pattern) if path.is_file()]


async def exported_uri(session: ClientSession, limit: int = 1) -> str:
    """The resource URI of a JSON export of ``limit`` mentions made with ``session``'s key."""
    result = await session.call_tool("export_mentions", {"limit": limit})
    assert result.structured_content is not None, result.content
    return str(result.structured_content["uri"])


def workspaces() -> KeyedUpstream:
    return KeyedUpstream(
        {
            READ_KEY: FaultySandbox(keys={READ_KEY: "read"}),
            CANARY_KEY: FaultySandbox(keys={CANARY_KEY: "admin"}, seed_value=11, organization_id="org_2betaDEMO000002"),
        }
    )


async def test_an_export_over_http_is_a_resource_link_the_same_key_reads(tmp_path: Path) -> None:
    settings = http_settings(export_dir=str(tmp_path))
    async with running(settings, workspaces()), mcp_session(settings, READ_KEY) as session:
        result = await session.call_tool("export_mentions", {"limit": 4, "format": "csv"})
        assert not result.is_error, result.content
        assert_no_secret(result)
        assert result.structured_content is not None
        exported = result.structured_content
        assert "path" not in exported and str(tmp_path) not in json.dumps(exported)
        assert exported["uri"].startswith(RESOURCE) and exported["rows"] == 4
        links = [block for block in result.content if isinstance(block, ResourceLink)]
        assert [str(link.uri) for link in links] == [exported["uri"]]
        assert links[0].mime_type == "text/csv" and "untrusted" in (links[0].description or "")

        read = await session.read_resource(exported["uri"])
        content = read.contents[0]
        assert isinstance(content, TextResourceContents) and content.mime_type == "text/csv"
        table = list(csv.DictReader(io.StringIO(content.text)))
        assert len(table) == 4 and list(table[0]) == exported["columns"]

        listed = {str(resource.uri): resource for resource in (await session.list_resources()).resources}
        assert listed[exported["uri"]].size == len(content.text.encode())
        assert "octolens://keywords" in listed

    written = files(tmp_path, "mentions-*.csv")
    assert len(written) == 1 and written[0].parent.parent == tmp_path  # in a directory of the key's own
    assert READ_KEY not in str(written[0])


async def test_another_key_can_neither_read_nor_list_an_export(tmp_path: Path) -> None:
    settings = http_settings(export_dir=str(tmp_path))
    async with running(settings, workspaces()):
        async with mcp_session(settings, READ_KEY) as owner:
            uri = await exported_uri(owner, limit=2)
        async with mcp_session(settings, CANARY_KEY) as stranger:
            with pytest.raises(MCPError) as refused:
                await stranger.read_resource(uri)
            assert str(refused.value) == f"Unknown resource: {uri}"
            listed = [str(resource.uri) for resource in (await stranger.list_resources()).resources]
            assert not any(listed_uri.startswith(RESOURCE) for listed_uri in listed)


@pytest.mark.parametrize(
    "uri",
    [
        f"{RESOURCE}../mentions-20260101-000000-abcdef.json",
        f"{RESOURCE}..%2Fmentions-20260101-000000-abcdef.json",
        f"{RESOURCE}mentions-20260101-000000-abcdef.json/../../secrets",
        f"{RESOURCE}/etc/passwd",
        f"{RESOURCE}mentions-20260101-000000-ABCDEF.json",
        f"{RESOURCE}",
    ],
)
async def test_export_uris_name_only_files_the_server_wrote(tmp_path: Path, uri: str) -> None:
    (tmp_path / "secrets").write_text("do not serve")
    settings = http_settings(export_dir=str(tmp_path))
    async with running(settings, workspaces()), mcp_session(settings, READ_KEY) as session:
        await session.call_tool("export_mentions", {"limit": 1})
        with pytest.raises(MCPError, match="Unknown resource"):
            await session.read_resource(uri)


async def test_a_key_cannot_climb_into_another_keys_export_directory(tmp_path: Path) -> None:
    settings = http_settings(export_dir=str(tmp_path))
    async with running(settings, workspaces()):
        async with mcp_session(settings, READ_KEY) as victim:
            name = (await exported_uri(victim)).removeprefix(RESOURCE)
        (written,) = files(tmp_path, name)
        victim_folder = written.parent.name
        async with mcp_session(settings, CANARY_KEY) as attacker:
            await attacker.call_tool("export_mentions", {"limit": 1})  # the attacker's own folder now exists
            for uri in (
                f"{RESOURCE}../{victim_folder}/{name}",
                f"{RESOURCE}..%2F{victim_folder}%2F{name}",
                f"{RESOURCE}{victim_folder}/{name}",
            ):
                with pytest.raises(MCPError, match="Unknown resource"):
                    await attacker.read_resource(uri)


async def test_an_export_past_retention_is_neither_listed_nor_served(tmp_path: Path) -> None:
    settings = http_settings(export_dir=str(tmp_path))
    async with running(settings, workspaces()), mcp_session(settings, READ_KEY) as session:
        uri = await exported_uri(session)
        (written,) = files(tmp_path, "mentions-*.json")
        day_and_a_bit = time.time() - 25 * 3600
        os.utime(written, (day_and_a_bit, day_and_a_bit))  # not swept yet: the key has not exported since
        with pytest.raises(MCPError, match="Unknown resource"):
            await session.read_resource(uri)
        listed = [str(resource.uri) for resource in (await session.list_resources()).resources]
        assert uri not in listed


@pytest.mark.parametrize("private", [True, False], ids=["private", "open-to-all"])
async def test_the_temporary_fallback_is_read_only_while_it_is_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private: bool
) -> None:
    # A file in the fallback directory is served only while that directory is this user's alone: one
    # another local user could enter may hold files they planted.
    system_tmp = tmp_path / "system-tmp"
    folder = system_tmp / f"octolens-mcp-exports-{os.getuid()}" / key_id(READ_KEY)
    os.makedirs(folder.parent, mode=0o700)  # the mode applies to the last directory only
    os.mkdir(folder, mode=0o700)
    name = "mentions-20261101-000000-abcdef.json"
    (folder / name).write_text('{"data": [], "total": 0}')
    if not private:
        os.chmod(folder.parent, 0o777)
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    settings = http_settings(export_dir=str(tmp_path / "exports"))
    async with running(settings, workspaces()), mcp_session(settings, READ_KEY) as session:
        if private:
            assert (await session.read_resource(RESOURCE + name)).contents
        else:
            with pytest.raises(MCPError, match="Unknown resource"):
                await session.read_resource(RESOURCE + name)


async def test_old_exports_are_swept_when_the_key_exports_again(tmp_path: Path) -> None:
    settings = http_settings(export_dir=str(tmp_path))
    async with running(settings, workspaces()), mcp_session(settings, READ_KEY) as session:
        first = await exported_uri(session)
        (old,) = files(tmp_path, "mentions-*.json")
        day_and_a_bit = time.time() - 25 * 3600
        os.utime(old, (day_and_a_bit, day_and_a_bit))
        bystander = old.parent / "notes.txt"
        bystander.write_text("not an export")
        os.utime(bystander, (day_and_a_bit, day_and_a_bit))
        second = await exported_uri(session)
        with pytest.raises(MCPError, match="Unknown resource"):
            await session.read_resource(first)
        assert (await session.read_resource(second)).contents
    assert not old.exists() and bystander.exists()


async def test_a_uri_in_an_upstream_answer_is_never_made_a_resource_link(tmp_path: Path) -> None:
    planted = f"{RESOURCE}mentions-20260101-000000-abcdef.json"
    answer = json.dumps({"data": [{"id": 1, "sourceId": "reddit_t3_a", "body": "hi"}], "uri": planted, "path": "/etc"})
    planting = FaultySandbox(keys={READ_KEY: "read"})
    planting.faults.append(
        Fault("status", route="POST /mentions/export", status=200, body=answer, headers=JSON_TYPE, times=2)
    )
    settings = http_settings(export_dir=str(tmp_path))
    async with running(settings, KeyedUpstream({READ_KEY: planting})), mcp_session(settings, READ_KEY) as session:
        inline = await session.call_tool("export_mentions", {"limit": 1, "output": "result"})
        to_file = await session.call_tool("export_mentions", {"limit": 1})
    for result in (inline, to_file):
        assert not result.is_error, result.content
        assert not any(isinstance(block, ResourceLink) and str(block.uri) == planted for block in result.content)
    assert to_file.structured_content is not None
    assert to_file.structured_content["uri"] != planted and "path" not in to_file.structured_content


async def test_an_inline_export_over_http_stays_inline(tmp_path: Path) -> None:
    settings = http_settings(export_dir=str(tmp_path))
    async with running(settings, workspaces()), mcp_session(settings, READ_KEY) as session:
        result = await session.call_tool("export_mentions", {"limit": 2, "output": "result"})
    assert result.structured_content is not None and len(result.structured_content["data"]) == 2
    assert not any(isinstance(block, ResourceLink) for block in result.content)
    assert files(tmp_path) == []
