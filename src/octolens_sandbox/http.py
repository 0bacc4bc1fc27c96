"""Request, response and error types of the sandbox, and the checks its handlers validate input with.

The sandbox validates independently of octolens_mcp.catalog.models, the way the real API would, so a wrong
model in the server is caught by the sandbox rather than agreed with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

Json = Any


class ApiError(Exception):
    """An error answered with the v2 envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details is not None:
            error["details"] = self.details
        error.update(self.extra)
        return {"error": error}


def validation(path: str, message: str) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", f"{path}: {message}", details=[{"path": path, "message": message}])


def not_found(code: str, what: str) -> ApiError:
    return ApiError(404, code, f"{what} not found")


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    body: Json
    params: dict[str, str] = field(default_factory=dict)
    scope: str = "read"

    def arg(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None

    def args(self, name: str) -> list[str]:
        values: list[str] = []
        for key, value in self.query:
            if key == name:
                values.extend(part for part in value.split(",") if part != "")
        return values


@dataclass
class Response:
    status: int = 200
    body: Json = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    """A non-JSON body (csv), sent as is."""


class Check:
    """Collects validation failures with their paths; ``done()`` raises them as one VALIDATION_ERROR."""

    def __init__(self, data: Json, prefix: str = "") -> None:
        self.prefix = prefix
        self.errors: list[dict[str, Any]] = []
        if not isinstance(data, dict):
            self.fail("", "expected a JSON object")
            data = {}
        self.data: dict[str, Any] = data

    def path(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix and key else (self.prefix or key or "(body)")

    def fail(self, key: str, message: str) -> None:
        self.errors.append({"path": self.path(key), "message": message})

    def only(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in self.data:
            if key not in allowed:
                self.fail(key, "unknown field")

    def has(self, key: str) -> bool:
        return key in self.data

    def string(
        self,
        key: str,
        *,
        required: bool = False,
        min_len: int = 0,
        max_len: int | None = None,
        pattern: str | None = None,
        nullable: bool = False,
    ) -> str | None:
        if key not in self.data:
            if required:
                self.fail(key, "required")
            return None
        value = self.data[key]
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            self.fail(key, "expected a string")
            return None
        if len(value.strip()) < min_len:
            self.fail(key, f"at least {min_len} characters")
        if max_len is not None and len(value) > max_len:
            self.fail(key, f"at most {max_len} characters")
        if pattern is not None and not re.fullmatch(pattern, value):
            self.fail(key, "invalid format")
        return value

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        if key not in self.data:
            if required:
                self.fail(key, "required")
            return None
        value = self.data[key]
        if not isinstance(value, bool):
            self.fail(key, "expected a boolean")
            return None
        return value

    def integer(self, key: str, *, required: bool = False, lo: int | None = None, hi: int | None = None) -> int | None:
        if key not in self.data:
            if required:
                self.fail(key, "required")
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, "expected an integer")
            return None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.fail(key, f"must be between {lo} and {hi}")
            return None
        return value

    def number(self, key: str) -> float | None:
        if key not in self.data:
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(key, "expected a number")
            return None
        return float(value)

    def enum(self, key: str, values: Sequence[Any], *, required: bool = False) -> Any:
        if key not in self.data:
            if required:
                self.fail(key, "required")
            return None
        value = self.data[key]
        if value not in values or isinstance(value, bool) != any(isinstance(v, bool) for v in values):
            self.fail(key, f"must be one of {', '.join(map(str, values))}")
            return None
        return value

    def strings(
        self, key: str, *, required: bool = False, allowed: Sequence[str] | None = None, min_items: int = 0
    ) -> list[str] | None:
        if key not in self.data:
            if required:
                self.fail(key, "required")
            return None
        value = self.data[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, "expected an array of strings")
            return None
        if len(value) < min_items:
            self.fail(key, f"at least {min_items} item(s)")
        if allowed is not None:
            for index, item in enumerate(value):
                if item not in allowed:
                    self.fail(f"{key}[{index}]", f"unknown value {item!r}")
        return value

    def done(self) -> None:
        if self.errors:
            first = self.errors[0]
            raise ApiError(400, "VALIDATION_ERROR", f"{first['path']}: {first['message']}", details=self.errors)
