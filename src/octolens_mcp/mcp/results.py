"""Turns a call's outcome into the MCP tool result an agent reads.

Success: ``structuredContent`` matching the tool's output schema, plus the same JSON as text for
hosts that read only text. Text written by strangers is fenced as untrusted data, with one notice
in each form. Both forms fit the token budget (``budget``), whatever the answer held.

Failure: ``isError`` with one text block whose last line is ``{"error": {envelope}, "hint": "…"}``
and the same object (or, when large, its code and status) in ``_meta["octolens/error"]``, and no
``structuredContent``. Clients built on the
TypeScript SDK (Claude Desktop, Claude Code, the Inspector) validate an error's ``structuredContent``
against the tool's ``outputSchema`` and throw when it does not match, which would hide the code and
the hint from the agent; Claude Code shows the model only the text of an error anyway.

The answer was cleaned and scrubbed of the API key once, before it was shaped (``call``); an error's
envelope is cleaned and scrubbed here.
"""

from __future__ import annotations

from typing import Any

from mcp_types import CallToolResult, ContentBlock, ResourceLink, TextContent

from octolens_mcp.catalog import integrations, notifications, org
from octolens_mcp.catalog.operation import Operation
from octolens_mcp.config import Settings
from octolens_mcp.http.errors import OctolensError
from octolens_mcp.jsontext import json_text, utf8_size
from octolens_mcp.mcp import budget, exports, untrusted
from octolens_mcp.mcp.visibility import Visibility
from octolens_mcp.redaction import redact_value

UNTRUSTED_NOTICE = f"Fenced as untrusted-data: {untrusted.NOTICE}"
CUT_NOTE_TOKENS = 40
"""Tokens kept for the note that says what a cut left out."""
META_BODY_BYTES = 2_000
"""An error body up to this size is repeated whole in ``_meta``; a larger one only by code and status."""
DEMO_NOTICE = "Demo data from the octolens-mcp sandbox, not a real workspace."
LANDED_NOTICE = (
    "The write landed (Octolens answered 2xx) but its answer had an unexpected shape; it is under response. "
    "Do not repeat the write."
)


def _either(*ops: Operation) -> str:
    return " or ".join(op.name for op in ops)


def _lists_for(code: str, op: Operation) -> tuple[Operation, ...]:
    """The lists that give valid ids for a not-found ``code`` (as they declare), else those of ``op``'s toolset."""
    from octolens_mcp.catalog.inventory import OPERATIONS

    named = tuple(other for other in OPERATIONS if code in other.lists_ids)
    return named or tuple(other for other in OPERATIONS if other.toolset == op.toolset and other.lists_ids)


FIXED_HINTS = {
    "UNAUTHORIZED": "The API key is missing, invalid, expired or revoked: create one in Octolens under Settings → "
    "API and set OCTOLENS_API_KEY. Retrying will not help.",
    "QUOTA_EXCEEDED": f"The monthly mention quota is spent: enable flex pricing or upgrade ({org.UPGRADE.name}).",
    "KEYWORD_LIMIT_EXCEEDED": f"The plan's keyword cap is reached: delete an unused keyword or upgrade "
    f"({org.UPGRADE.name}).",
    "LAST_ADMIN": "This is the only admin: make another member admin before removing this one.",
    "ITEM_EXISTS": f"This feed already has a notification: change that one with {notifications.UPDATE.name} "
    f"({notifications.LIST.name} gives its id).",
    "INVALID_TIMEZONE": "Use an IANA time zone such as Europe/Madrid, or an offset such as UTC+2:00.",
    "GENERIC_EMAIL_DOMAIN": "Invite a work email address; personal mail domains are refused.",
    "WEBHOOK_URL_INVALID": "Use a public http(s) URL; private, loopback and link-local hosts are refused.",
    "SLACK_NOT_CONNECTED": f"Slack is not connected: connect it in the Octolens web app ({integrations.STATUS.name} "
    "checks), or use an EMAIL or WEBHOOK destination.",
    "KEYWORD_CHANGED": "The keyword changed at the same time; nothing was written and the suggestion is still "
    "pending. Retry the call.",
    "UPSTREAM_UNREACHABLE": "Nothing was sent, so retrying is safe; check OCTOLENS_BASE_URL and the network.",
    "UPSTREAM_TIMEOUT": "The read may be retried later, or narrowed (filters, limit) to answer faster.",
    "CONNECTION_LOST": "The read may be retried.",
    "RESPONSE_TOO_LARGE": "Narrow the request (filters, a shorter window, a smaller limit), or raise "
    "OCTOLENS_MAX_RESPONSE_BYTES.",
    "COMPANY_NOT_FOUND": "The workspace has no company profile yet; set one up in the Octolens web app.",
    "ORG_NOT_FOUND": f"The API key's workspace does not exist any more; check the key with {org.AUTH.name}.",
    "SETTINGS_NOT_FOUND": "The workspace's filter settings do not exist yet; they are created in the web app.",
    "CONFIRMATION_REQUIRED": "Ask the user to confirm the removals listed in details, then repeat the call "
    "with confirmRemovals=true.",
    "EXPORT_NOT_WRITTEN": 'Set OCTOLENS_EXPORT_DIR to a writable directory, or repeat with output="result" '
    "and a smaller limit.",
    "INTERNAL_ERROR": "Something failed unexpectedly; retry later.",
}


def success(
    op: Operation, structured: dict[str, Any], meta: dict[str, Any], *, settings: Settings, linked: bool = False
) -> CallToolResult:
    """``structured`` (validated, cleaned, redacted and shaped) as the tool's result, within the budget.

    ``linked``: the call wrote an export served as a resource, which the result also links to.
    """
    notices = [DEMO_NOTICE] if settings.demo else []
    if structured.get("landed") is True and "unexpectedShape" in structured:
        notices.append(LANDED_NOTICE)
    if op.untrusted:
        notices.append(UNTRUSTED_NOTICE)
    payload = _payload(op, structured)
    # The same room the items were fitted to: the envelope the budget keeps free holds the notices. A text
    # of no more bytes than that is surely within it (a token is at least a byte); only a larger one is counted.
    room = budget.available(settings.result_tokens)
    if utf8_size(payload) > room:
        structured = _within(structured, room, budget.Measure(fenced=op.untrusted))
        payload = _payload(op, structured)
    # Hosts that hand the model structuredContent (Claude Code, Codex, VS Code) get the notice there; the
    # text block says it once, above the fence.
    shown = {"notice": untrusted.NOTICE, **structured} if op.untrusted else structured
    content: list[ContentBlock] = [TextContent(type="text", text="\n".join([*notices, payload]))]
    uri = structured.get("uri")
    if linked and isinstance(uri, str) and uri.startswith(exports.URI_PREFIX):
        fmt = structured.get("format", "json")
        content.append(
            ResourceLink(
                type="resource_link",
                uri=uri,
                name=uri.removeprefix(exports.URI_PREFIX),
                description=exports.UNTRUSTED_NOTE,
                mime_type=exports.MIME_TYPES.get(fmt, "application/octet-stream"),
            )
        )
    return CallToolResult(content=content, structured_content=shown, _meta=meta)


def _payload(op: Operation, structured: dict[str, Any]) -> str:
    return untrusted.fenced(json_text(structured)) if op.untrusted else json_text(structured)


def _within(structured: dict[str, Any], room: int, measure: budget.Measure) -> dict[str, Any]:
    """``structured`` cut to ``room`` tokens wherever it is still large, saying so in ``truncated``."""
    if measure.of(structured) <= room:
        return structured
    squeezed, note = budget.squeeze(structured, room - CUT_NOTE_TOKENS, measure, budget.BUDGET_HINT)
    if not isinstance(squeezed, dict):
        squeezed = {}
    if note is not None:
        earlier = squeezed.get("truncated")
        squeezed["truncated"] = {**earlier, "cut": note} if isinstance(earlier, dict) else {"cut": note}
    return squeezed


def failure(
    op: Operation, error: OctolensError, meta: dict[str, Any], *, settings: Settings, visibility: Visibility
) -> CallToolResult:
    """The error as one text block whose last line is ``{"error": envelope, "hint": …}``, within the budget.

    The envelope may carry what the API sent (message, details): cleaned, redacted and cut like any answer.
    ``_meta`` repeats it only when it is small, and otherwise only its code and status.
    """
    envelope = error.envelope()
    if isinstance(envelope.get("verify"), str):
        envelope["verify"] = visibility.render(envelope["verify"], calling=op.name)
    # The hint may quote the API's details (field paths): cleaned and scrubbed with the envelope.
    shown = visibility.render(hint(op, error), calling=op.name)
    body = redact_value(untrusted.clean_value({"error": envelope, "hint": shown}))
    notices = [DEMO_NOTICE] if settings.demo else []
    room = budget.available(settings.result_tokens)
    if utf8_size(json_text(body)) > room:
        body = _within(body, room, budget.Measure(fenced=False))
    text = "\n".join([*notices, json_text(body)])
    small = utf8_size(text) <= META_BODY_BYTES
    summary = {key: envelope[key] for key in ("code", "status", "sent") if key in envelope}
    described = body if small else {"error": summary, "hint": body.get("hint")}
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        is_error=True,
        _meta={**meta, "octolens/error": described},
    )


def out_of_scope(op: Operation, key_scope: str, *, demo: bool, visibility: Visibility) -> CallToolResult:
    """A call the key's known scope cannot make, refused without a request (the API would answer 403)."""
    error = OctolensError(
        "FORBIDDEN",
        f"{op.name} needs an API key with {op.scope} scope; this key has {key_scope} scope.",
        status=403,
        extra={"sent": False, "requiredScope": op.scope, "keyScope": key_scope},
    )
    return failure(op, error, {}, settings=Settings(demo=demo), visibility=visibility)


def hint(op: Operation, error: OctolensError) -> str:
    """One sentence telling the agent what to do next."""
    code = error.code
    if code in FIXED_HINTS:
        return FIXED_HINTS[code]
    if code in {"FORBIDDEN", "ADMIN_SCOPE_REQUIRED"}:
        create = f"create a key with '{op.scope}' scope (read < write < admin) under Settings → API"
        if error.extra.get("keyScope"):  # the message already says which scope the key has
            return f"Retrying will not help: {create}."
        return (
            f"Retrying will not help. {org.AUTH.name} shows the key's scopes; if they suffice, the plan has no API "
            f"access, else {create}."
        )
    if code == "VALIDATION_ERROR":
        paths = [str(d.get("path")) for d in error.details or [] if isinstance(d, dict) and d.get("path")]
        where = f" at {', '.join(paths)}" if paths else ""
        sent = " Nothing was sent." if error.extra.get("sent") is False else ""
        return f"Fix the arguments{where} as details describe, then call again.{sent}"
    if code == "UPGRADE_REQUIRED":
        link = error.extra.get("upgradeUrl")
        where = f"share {link} with the user" if link else f"call {org.UPGRADE.name} and share the link"
        return f"The plan does not allow this; {where} to upgrade. Retrying will not help."
    if code == "RATE_LIMITED":
        wait = error.envelope().get("retryAfterSeconds")
        when = f"{wait} seconds" if wait is not None else "a while"
        return f"The organization's request budget (500/hour) is spent or Octolens asked to wait: wait {when}."
    if code == "RESPONSE_LOST":
        check = op.verify or "read the resource back"
        return f"The write may have landed. Do not repeat it blindly: {check}."
    if code == "INVALID_RESPONSE":
        if op.writes and error.extra.get("landed"):
            return f"The write succeeded but its answer had an unexpected shape; {op.verify or 'read it back'}."
        return "The answer could not be read; retry later."
    if code == "UPSTREAM_ERROR":
        return (
            "Octolens or a proxy failed; retry later." if (error.status or 500) >= 500 else "The request was refused."
        )
    not_found = code.endswith("NOT_FOUND") or error.status == 404
    lists = _lists_for(code, op) if not_found else ()
    list_tool = _either(*lists) if lists else None
    if list_tool:
        return f"That id does not exist in this workspace (or was already answered): call {list_tool} for valid ids."
    if error.status == 404:
        return "That resource does not exist in this workspace; check the id."
    if error.status is not None and error.status >= 500:
        return "Octolens failed; retry later." + (f" For this write, first {op.verify}." if op.verify else "")
    return "The request was refused; fix it as the message says."
