"""Where the OAuth server keeps clients, pending consents, codes, grants and tokens: Redis or one local file.

Every value is sealed (Fernet: AES-128-CBC with HMAC-SHA256) under a key derived from ``OCTOLENS_OAUTH_SECRET``
with HKDF, so neither store holds an API key, a client secret or a token grant in the clear. Tokens are never
stored at all: records are named by an HMAC of the token (``Sealer.name``), which the token alone cannot be
recovered from.

With ``OCTOLENS_REDIS_URL`` the records live in Redis with their TTLs, so every replica honours every token;
``take`` (read and delete at once, ``GETDEL``) is how a code or a refresh token is used exactly once across
replicas. Without Redis they live in one JSON file (mode 0600, in a 0700 directory), rewritten atomically.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Protocol

import anyio
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from octolens_mcp.config import BY_FIELD, ConfigError

logger = logging.getLogger(__name__)

REDIS_PREFIX = "octolens-mcp:oauth:"
FILE_NAME = "oauth-store.json"
MAX_FILE_ENTRIES = 20_000
"""Records the file store holds before it takes no new registrations or sign-ins (each write rewrites the file)."""


def derive(secret: str, purpose: str) -> bytes:
    """32 bytes for one ``purpose``, derived from the server secret (HKDF-SHA256)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"octolens-mcp oauth v1", info=purpose.encode())
    return hkdf.derive(secret.encode("utf-8"))


class Sealer:
    """Encrypts records and names tokens, under keys derived from the server secret."""

    def __init__(self, secret: str) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(derive(secret, "record encryption")))
        self._naming = derive(secret, "token names")
        self.csrf_key = derive(secret, "consent csrf")

    def name(self, token: str) -> str:
        """The record name of ``token``: an HMAC, so the store never holds a usable token."""
        return hmac.new(self._naming, token.encode("utf-8"), hashlib.sha256).hexdigest()

    def seal(self, record: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(record, separators=(",", ":")).encode("utf-8"))

    def open(self, sealed: bytes | None) -> dict[str, Any] | None:
        """The record ``sealed`` holds; None when absent, or not sealed under this secret (then it is unusable)."""
        if sealed is None:
            return None
        try:
            record = json.loads(self._fernet.decrypt(sealed))
        except (InvalidToken, ValueError):
            logger.warning("an OAuth record could not be opened (sealed under another secret?); it is ignored")
            return None
        return record if isinstance(record, dict) else None


class Store(Protocol):
    """Named byte values with a lifetime."""

    async def put(self, name: str, value: bytes, ttl: float) -> None: ...

    async def get(self, name: str) -> bytes | None: ...

    async def take(self, name: str) -> bytes | None:
        """The value, deleted in the same step: of two concurrent takes, one gets it."""
        ...

    async def delete(self, name: str) -> None: ...

    async def crowded(self) -> bool:
        """Whether new clients and consents should be turned away for now (what exists keeps working)."""
        ...

    async def aclose(self) -> None: ...


class FileStore:
    """One JSON file of ``{name: [expires_at, base64 value]}``, mode 0600, for a single server process."""

    def __init__(self, directory: Path) -> None:
        self._path = directory / FILE_NAME
        self._lock = anyio.Lock()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._entries: dict[str, tuple[float, str]] = self._load()

    def _load(self) -> dict[str, tuple[float, str]]:
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            logger.warning("the OAuth store %s could not be read (%s); starting empty", self._path, type(exc).__name__)
            return {}
        now = time.time()
        entries: dict[str, tuple[float, str]] = {}
        for name, entry in raw.items() if isinstance(raw, dict) else ():
            if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], str):
                expires, value = entry
                if isinstance(expires, int | float) and expires > now:
                    entries[str(name)] = (float(expires), value)
        return entries

    def _write(self, entries: dict[str, tuple[float, str]]) -> None:
        text = json.dumps({name: [expires, value] for name, (expires, value) in entries.items()})
        fd, temporary = tempfile.mkstemp(prefix=".oauth-", dir=self._path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self._path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def _save(self) -> None:
        now = time.time()
        self._entries = {name: entry for name, entry in self._entries.items() if entry[0] > now}
        await anyio.to_thread.run_sync(self._write, dict(self._entries))

    def _live(self, name: str) -> bytes | None:
        entry = self._entries.get(name)
        if entry is None or entry[0] <= time.time():
            return None
        return base64.b64decode(entry[1])

    async def put(self, name: str, value: bytes, ttl: float) -> None:
        async with self._lock:
            self._entries[name] = (time.time() + ttl, base64.b64encode(value).decode("ascii"))
            await self._save()

    async def get(self, name: str) -> bytes | None:
        return self._live(name)

    async def take(self, name: str) -> bytes | None:
        async with self._lock:
            value = self._live(name)
            if name in self._entries:
                del self._entries[name]
                await self._save()
            return value

    async def delete(self, name: str) -> None:
        await self.take(name)

    async def crowded(self) -> bool:
        now = time.time()
        return sum(1 for expires, _ in self._entries.values() if expires > now) >= MAX_FILE_ENTRIES

    async def aclose(self) -> None:
        return None


class StoreUnavailable(Exception):
    """The store could not be reached (Redis down); the message names the error's type only."""


class RedisStore:
    """Records in Redis, under ``octolens-mcp:oauth:``, with their TTLs: shared by every replica."""

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis
        from redis.exceptions import RedisError

        self._redis = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._errors = (RedisError, OSError)

    async def put(self, name: str, value: bytes, ttl: float) -> None:
        try:
            await self._redis.set(REDIS_PREFIX + name, value, px=max(1, int(ttl * 1000)))
        except self._errors as exc:
            raise StoreUnavailable(type(exc).__name__) from None

    async def get(self, name: str) -> bytes | None:
        try:
            return _as_bytes(await self._redis.get(REDIS_PREFIX + name))
        except self._errors as exc:
            raise StoreUnavailable(type(exc).__name__) from None

    async def take(self, name: str) -> bytes | None:
        try:
            return _as_bytes(await self._redis.getdel(REDIS_PREFIX + name))
        except self._errors as exc:
            raise StoreUnavailable(type(exc).__name__) from None

    async def delete(self, name: str) -> None:
        try:
            await self._redis.delete(REDIS_PREFIX + name)
        except self._errors as exc:
            raise StoreUnavailable(type(exc).__name__) from None

    async def crowded(self) -> bool:
        return False  # Redis's own memory limit and eviction are the operator's

    async def aclose(self) -> None:
        await self._redis.aclose()


def _as_bytes(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


def default_directory() -> Path:
    from octolens_mcp.mcp.exports import default_directory as exports_directory

    return exports_directory().parent / "oauth"


def open_store(redis_url: str | None, directory: str | None) -> Store:
    if redis_url is not None:
        return RedisStore(redis_url)
    path = Path(directory) if directory else default_directory()
    try:
        return FileStore(path)
    except OSError as exc:
        raise ConfigError(
            f"{BY_FIELD['oauth_dir'].named}: {path} cannot be used for the OAuth store ({exc.strerror or exc}); "
            f"name a writable directory, or set {BY_FIELD['redis_url'].named}"
        ) from None
