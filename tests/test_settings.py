"""Each setting is declared once (``config.SETTINGS``): its variable and its flag both work, and the
configuration tables (README.md, docs/team-server.md) and server.json's variables are exactly what the
declaration generates."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from octolens_mcp.cli import settings_from
from octolens_mcp.config import SETTINGS, Setting, Settings, from_env
from tests.conftest import REPO

SAMPLES: dict[str, tuple[str, Any]] = {
    "api_key": ("ak_test_sample", "ak_test_sample"),
    "demo": ("", True),
    "base_url": ("https://octolens.example/api/v2", "https://octolens.example/api/v2"),
    "toolsets": ("feeds, org", ("feeds", "org")),
    "log_level": ("debug", "DEBUG"),
    "timeout": ("7.5", 7.5),
    "search_wait": ("0", 0.0),
    "rate_limit_wait_cap": ("12", 12.0),
    "cache_ttl": ("0.5", 0.5),
    "max_response_bytes": ("4096", 4096),
    "export_dir": ("/nonexistent/exports", "/nonexistent/exports"),
    "result_tokens": ("1234", 1234),
    "body_chars": ("99", 99),
    "redis_url": ("redis://127.0.0.1:6390/0", "redis://127.0.0.1:6390/0"),
    "transport": ("HTTP", "http"),
    "host": (" 0.0.0.0 ", "0.0.0.0"),
    "port": ("8765", 8765),
    "allowed_hosts": ("a.example,b.example", ("a.example", "b.example")),
    "allowed_origins": ("https://a.example", ("https://a.example",)),
    "max_request_bytes": ("2048", 2048),
    "shutdown_grace": ("3", 3.0),
    "public_url": ("https://mcp.example.com", "https://mcp.example.com"),
    "oauth_secret": ("s" * 40, "s" * 40),
    "oauth_dir": ("/nonexistent/oauth", "/nonexistent/oauth"),
    "oauth_token_ttl": ("900", 900.0),
    "oauth_rate_per_address": ("0.5", 0.5),
    "oauth_key_checks_per_minute": ("0", 0),
    "log_format": ("JSON", "json"),
    "http_rate_per_address": ("0", 0.0),
    "http_rate_per_key": ("12.5", 12.5),
    "http_unverified_per_address": ("7", 7),
    "http_streams_per_key": ("2", 2),
    "http_header_timeout": ("2.5", 2.5),
    "http_max_connections": ("50", 50),
    "trusted_proxies": ("10.0.0.1, 10.1.0.0/16", ("10.0.0.1", "10.1.0.0/16")),
    "webhook_secret": ("s3cret-webhooks", "s3cret-webhooks"),
    "inbox_max_items": ("50", 50),
    "inbox_max_age": ("600", 600.0),
    "poll_interval": ("30", 30.0),
}
"""A value for each setting that is not its default, as written and as read."""


def _sample(setting: Setting) -> tuple[str, Any]:
    if setting.kind == "bool" and setting.field not in SAMPLES:
        default = getattr(Settings(), setting.field)
        return ("false" if default else "true", not default)
    return SAMPLES[setting.field]


def test_every_setting_has_a_sample() -> None:
    assert {s.field for s in SETTINGS if s.kind != "bool"} <= set(SAMPLES)


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.env], ids=lambda s: s.env)
def test_the_variable_sets_the_setting(setting: Setting) -> None:
    raw, expected = _sample(setting)
    assert getattr(from_env({setting.env or "": raw}), setting.field) == expected
    assert getattr(from_env({}), setting.field) == getattr(Settings(), setting.field)


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.flag], ids=lambda s: s.flag)
def test_the_flag_sets_the_setting_over_the_variable(setting: Setting) -> None:
    raw, expected = _sample(setting)
    argv = [setting.flag or ""] if setting.kind == "bool" else [f"{setting.flag}={raw}"]
    # The environment says the default (or nothing, for a flag alone): the flag wins.
    default = setting.value_text(getattr(Settings(), setting.field))
    env = {"OCTOLENS_API_KEY": "ak_test_env", **({setting.env: default} if setting.env and default else {})}
    assert getattr(settings_from(argv, from_env(env)), setting.field) == expected


def test_the_readme_tables_and_server_json_are_generated_from_the_declaration() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/generate_settings.py", "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
