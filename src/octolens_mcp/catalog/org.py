"""Organization, usage, billing link, company profile, members and key introspection."""

from __future__ import annotations

from typing import Any

from octolens_mcp.catalog.models.common import NoInput
from octolens_mcp.catalog.models.members import (
    Invitation,
    InvitationList,
    InviteMemberInput,
    MemberList,
    MemberRemoval,
    RemoveMemberInput,
)
from octolens_mcp.catalog.models.misc import AuthInfo
from octolens_mcp.catalog.models.org import (
    Company,
    Organization,
    UpdateCompanyInput,
    UpdateOrgInput,
    UpgradeLink,
    Usage,
)
from octolens_mcp.catalog.operation import ItemKind, Items, Operation, lean
from octolens_mcp.catalog.scope_names import scope_names

MEMBER = ItemKind(name="member", compact=lean("createdAt", "updatedAt"))
INVITATION = ItemKind(name="invitation", compact=lean())


def auth_info(body: Any) -> Any:
    """The key's scopes as one array, whatever shape the answer gave them (``scope_names``)."""
    if not isinstance(body, dict):
        return body
    result = dict(body)
    workspace = body.get("workspace")
    if isinstance(workspace, dict):
        for key in ("organizationId", "name", "plan"):
            result.setdefault(key, workspace.get(key))
    result.pop("scope", None)
    result["scopes"] = scope_names(body)
    return result


GET_ORG = Operation(
    name="get_org",
    method="GET",
    path="/org",
    scope="read",
    toolset="org",
    title="Get workspace",
    description="Get the workspace: id, name, plan and org-wide platforms.",
    input=NoInput,
    output=Organization,
    read_only=True,
    destructive=False,
    idempotent=True,
    cache="org",
)

UPDATE_ORG = Operation(
    name="update_org",
    method="PATCH",
    path="/org",
    scope="write",
    toolset="org",
    title="Update workspace",
    description='Rename the workspace and/or set its platforms ("all" or a list of slugs). May need an admin key.',
    input=UpdateOrgInput,
    output=Organization,
    read_only=False,
    destructive=False,
    idempotent=True,
    changes=frozenset({"org"}),
    verify="call get_org and compare",
)

USAGE = Operation(
    name="get_usage",
    method="GET",
    path="/org/usage",
    scope="read",
    toolset="org",
    title="Get usage",
    description="Mention and keyword usage against plan limits, flex budget, and lifetime searches on the Agents plan.",
    input=NoInput,
    output=Usage,
    read_only=True,
    destructive=False,
    idempotent=True,
    cache="usage",
)

UPGRADE = Operation(
    name="create_upgrade_link",
    method="POST",
    path="/org/upgrade-link",
    scope="write",
    toolset="org",
    title="Create upgrade link",
    description="Mint a single-use signed-in upgrade/billing link (valid ~10 min) for the user: the fix for UPGRADE_REQUIRED.",
    input=NoInput,
    output=UpgradeLink,
    read_only=False,
    destructive=False,
    idempotent=False,
    changes=frozenset(),
    verify="simply create another link: links are single-use and expire",
)

GET_COMPANY = Operation(
    name="get_company",
    method="GET",
    path="/org/company",
    scope="read",
    toolset="org",
    title="Get company profile",
    description="Get the company profile that steers AI relevance and tagging (description, competitors, guidelines).",
    input=NoInput,
    output=Company,
    read_only=True,
    destructive=False,
    idempotent=True,
    cache="company",
)

UPDATE_COMPANY = Operation(
    name="update_company",
    method="PATCH",
    path="/org/company",
    scope="write",
    toolset="org",
    title="Update company profile",
    description=(
        "Change company profile fields; only newly scored mentions are affected. domain, website, industry, "
        "sector, tags are read-only. competitors is a JSON string."
    ),
    input=UpdateCompanyInput,
    output=Company,
    read_only=False,
    destructive=False,
    idempotent=True,
    changes=frozenset({"company"}),
    verify="call get_company and compare",
)

LIST_MEMBERS = Operation(
    name="list_members",
    method="GET",
    path="/org/members",
    scope="read",
    toolset="members",
    title="List members",
    description="List accepted workspace members (orgmem_ ids). Pending invitations: list_invitations.",
    input=NoInput,
    output=MemberList,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="data", kind=MEMBER),
    cache="members",
    lists_ids=("MEMBER_NOT_FOUND",),
)

LIST_INVITATIONS = Operation(
    name="list_invitations",
    method="GET",
    path="/org/members/invitations",
    scope="read",
    toolset="members",
    title="List invitations",
    description="List pending invitations (orginv_ ids).",
    input=NoInput,
    output=InvitationList,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="data", kind=INVITATION),
    cache="invitations",
    lists_ids=("MEMBER_NOT_FOUND",),
)

INVITE = Operation(
    name="invite_member",
    method="POST",
    path="/org/members/invite",
    scope="admin",
    toolset="members",
    title="Invite member",
    description="Invite a work email as member (default) or admin; re-inviting returns the open invitation. Admin key.",
    input=InviteMemberInput,
    output=Invitation,
    read_only=False,
    destructive=False,
    idempotent=True,
    changes=frozenset({"members", "invitations"}),
    verify="call list_invitations and look for the email",
)

REMOVE = Operation(
    name="remove_member",
    method="DELETE",
    path="/org/members/{id}",
    scope="admin",
    toolset="members",
    title="Remove member",
    description="Remove a member (orgmem_ id) or revoke an invitation (orginv_ id); never the last admin. Admin key.",
    input=RemoveMemberInput,
    output=MemberRemoval,
    read_only=False,
    destructive=True,
    idempotent=True,
    changes=frozenset({"members", "invitations"}),
    verify="call list_members or list_invitations to see whether it is gone",
)

AUTH = Operation(
    name="get_auth_info",
    method="GET",
    path="/auth",
    scope="read",
    toolset="org",
    title="Check API key",
    description="Which workspace the API key reaches and its live scopes (read < write < admin): check before writing.",
    input=NoInput,
    output=AuthInfo,
    read_only=True,
    destructive=False,
    idempotent=True,
    shape=auth_info,
)

OPERATIONS = (
    GET_ORG,
    UPDATE_ORG,
    USAGE,
    UPGRADE,
    GET_COMPANY,
    UPDATE_COMPANY,
    LIST_MEMBERS,
    LIST_INVITATIONS,
    INVITE,
    REMOVE,
    AUTH,
)
