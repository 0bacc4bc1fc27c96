"""Sandbox routes: organization, usage, upgrade link, company profile, members, auth."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from octolens_sandbox.http import ApiError, Check, Request, Response, not_found
from octolens_sandbox.routes._common import Route, no_body, only_query, usage
from octolens_sandbox.seed import KEYWORD_PLATFORMS, iso

if TYPE_CHECKING:
    from octolens_sandbox.app import Sandbox

COMPANY_WRITABLE = (
    "name",
    "description",
    "relevanceContext",
    "relevanceGuidelines",
    "classificationGuidelines",
    "companyMoat",
    "competitors",
    "linkedin",
    "logo",
    "productUseCases",
    "twitter",
)
GENERIC_DOMAINS = {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "proton.me", "aol.com"}


def _org(sb: Sandbox) -> dict[str, Any]:
    if sb.org is None:
        raise not_found("ORG_NOT_FOUND", "Organization")
    return sb.org


def get_org(sb: Sandbox, request: Request) -> Response:
    only_query(request, set())
    return Response(body=_org(sb))


def update_org(sb: Sandbox, request: Request) -> Response:
    org = _org(sb)
    check = Check(request.body)
    check.only({"name", "platforms"})
    name = check.string("name", min_len=1, max_len=200)
    platforms = check.data.get("platforms")
    if "platforms" in check.data and platforms != "all":
        check.strings("platforms", allowed=KEYWORD_PLATFORMS, min_items=1)
    if not check.data:
        check.fail("", "send name and/or platforms")
    check.done()
    if name is not None:
        org["name"] = name
    if "platforms" in check.data:
        org["platforms"] = platforms
    return Response(body=org)


def get_usage(sb: Sandbox, request: Request) -> Response:
    only_query(request, set())
    return Response(body=usage(sb))


def upgrade_link(sb: Sandbox, request: Request) -> Response:
    no_body(request)
    destination = "/me/upgrade?src=agents" if sb.agents_plan else "/me/subscription"
    expires = datetime.now(UTC) + timedelta(seconds=600)
    return Response(
        body={
            "url": f"https://app.octolens.com/api/auth/link?token={secrets.token_urlsafe(16)}",
            "destination": destination,
            "plan": sb.plan,
            "expiresAt": iso(expires),
            "expiresInSeconds": 600,
        }
    )


def _company(sb: Sandbox) -> dict[str, Any]:
    if sb.company is None:
        raise not_found("COMPANY_NOT_FOUND", "Company profile")
    return sb.company


def get_company(sb: Sandbox, request: Request) -> Response:
    only_query(request, set())
    return Response(body=_company(sb))


def update_company(sb: Sandbox, request: Request) -> Response:
    company = _company(sb)
    check = Check(request.body)
    check.only(COMPANY_WRITABLE)
    if not check.data:
        check.fail("", "send at least one field")
    check.string("name", min_len=1)
    check.string("relevanceContext", max_len=400, nullable=True)
    check.string("logo", pattern=r"https?://.+", nullable=True)
    for key in (
        "description",
        "relevanceGuidelines",
        "classificationGuidelines",
        "companyMoat",
        "competitors",
        "linkedin",
        "productUseCases",
        "twitter",
    ):
        check.string(key, nullable=True)
    check.done()
    company.update(check.data)
    return Response(body=company)


def list_members(sb: Sandbox, request: Request) -> Response:
    only_query(request, set())
    return Response(body={"data": list(sb.members.values())})


def list_invitations(sb: Sandbox, request: Request) -> Response:
    only_query(request, set())
    return Response(body={"data": list(sb.invitations.values())})


def invite(sb: Sandbox, request: Request) -> Response:
    check = Check(request.body)
    check.only({"email", "role"})
    email = check.string("email", required=True, pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+")
    role = check.enum("role", ("admin", "member")) or "member"
    check.done()
    assert email is not None
    if email.split("@")[1].lower() in GENERIC_DOMAINS:
        raise ApiError(400, "GENERIC_EMAIL_DOMAIN", "Invite a work email address, not a personal mail domain")
    if not sb.inviter_present:
        raise ApiError(400, "INVITER_REQUIRED", "This API key has no user to send the invitation from")
    existing = next((i for i in sb.invitations.values() if i["email"].lower() == email.lower()), None)
    if existing is not None:
        return Response(body={**existing, "alreadyInvited": True})
    invitation = {"id": f"orginv_{secrets.token_hex(6)}", "email": email, "role": role, "createdAt": sb.timestamp()}
    sb.invitations[invitation["id"]] = invitation
    return Response(body={**invitation, "alreadyInvited": False})


def remove_member(sb: Sandbox, request: Request) -> Response:
    no_body(request)
    target = request.params["id"]
    if target in sb.invitations:
        del sb.invitations[target]
        return Response(body={"id": target, "removed": True})
    member = sb.members.get(target)
    if member is None:
        raise not_found("NOT_FOUND", f"Member or invitation {target}")
    admins = [m for m in sb.members.values() if m["role"] == "admin"]
    if member["role"] == "admin" and len(admins) == 1:
        raise ApiError(400, "LAST_ADMIN", "Cannot remove the only admin of the workspace")
    del sb.members[target]
    return Response(body={"id": target, "removed": True})


def auth(sb: Sandbox, request: Request) -> Response:
    only_query(request, set())
    org = _org(sb)
    scopes = ["read", "write", "admin"][: ["read", "write", "admin"].index(request.scope) + 1]
    return Response(
        body={"organizationId": org["organizationId"], "name": org["name"], "plan": sb.plan, "scope": scopes}
    )


ROUTES: tuple[Route, ...] = (
    ("GET", "/org", "read", get_org),
    ("PATCH", "/org", "write", update_org),
    ("GET", "/org/usage", "read", get_usage),
    ("POST", "/org/upgrade-link", "write", upgrade_link),
    ("GET", "/org/company", "read", get_company),
    ("PATCH", "/org/company", "write", update_company),
    ("GET", "/org/members/invitations", "read", list_invitations),
    ("GET", "/org/members", "read", list_members),
    ("POST", "/org/members/invite", "admin", invite),
    ("DELETE", "/org/members/{id}", "admin", remove_member),
    ("GET", "/auth", "read", auth),
)
