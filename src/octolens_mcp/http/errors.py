"""The one error type every failure becomes, and the codes this server mints itself.

OctolensError            any failed call; ``code`` is what an agent branches on
  codes from the API     the envelope's ``error.code`` (VALIDATION_ERROR, FORBIDDEN, …), passed through
  codes of our own       minted here when there is no envelope to pass through:

VALIDATION_ERROR      our own check refused the arguments; nothing was sent (``details[].path``)
CONFIRMATION_REQUIRED the call would remove data the agent did not confirm; nothing was sent
UPSTREAM_UNREACHABLE  the connection could not be opened; nothing reached Octolens
UPSTREAM_TIMEOUT      a read got no answer within its deadline
CONNECTION_LOST       a read's connection broke before the answer was complete
UPSTREAM_ERROR        a non-2xx answer without the API's error envelope (an HTML 502 page, …)
INVALID_RESPONSE      a 2xx answer to a read that is not JSON, nests too deeply, or is not the documented shape
RESPONSE_TOO_LARGE    a 2xx answer to a read larger than OCTOLENS_MAX_RESPONSE_BYTES; nothing more was read
RESPONSE_LOST         a write was sent but its answer was lost: it may have landed; verify first
EXPORT_NOT_WRITTEN    the export was read but its file could not be written (the disk, permissions)
RATE_LIMITED          also minted locally when the hourly budget is known to be spent
INTERNAL_ERROR        a bug in this server; no internals are shown
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from octolens_mcp.http.wire import RateLimit


class OctolensError(Exception):
    """A failed call, carrying the API's error envelope or one of our own codes."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        details: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
        retry_after: float | None = None,
        rate_limit: RateLimit | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details
        self.extra = dict(extra or {})
        self.retry_after = retry_after
        self.rate_limit = rate_limit
        """The budget stated by the answer that failed, when it stated one."""

    def envelope(self) -> dict[str, Any]:
        """The error as the API's envelope body: code, message, status, details and every additive field."""
        body: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details is not None:
            body["details"] = self.details
        for key, value in self.extra.items():
            body.setdefault(key, value)
        if self.retry_after is not None:
            body.setdefault("retryAfterSeconds", _whole_seconds(self.retry_after))
        return body


def refusal(details: list[dict[str, Any]]) -> OctolensError:
    """Our own refusal of the arguments (VALIDATION_ERROR): ``details[].path`` names each field; nothing was sent."""
    return OctolensError(
        "VALIDATION_ERROR",
        "Invalid arguments; nothing was sent to Octolens.",
        status=400,
        details=details,
        extra={"sent": False},
    )


def refused(path: str, message: str) -> OctolensError:
    """A refusal of one field."""
    return refusal([{"path": path, "message": message}])


def _whole_seconds(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 3)
