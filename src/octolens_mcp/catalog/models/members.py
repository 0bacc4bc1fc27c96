"""Workspace members and invitations (§5.10, §6.10)."""

from __future__ import annotations

from pydantic import Field

from octolens_mcp.catalog.models.common import ApiModel, InputModel, PathText, Role


class Member(ApiModel):
    """An accepted member."""

    id: str | None = Field(default=None, description="orgmem_… membership id (use to remove).")
    userId: str | None = Field(default=None, description="user_… id.")
    email: str | None = Field(default=None, description="Email.")
    firstName: str | None = Field(default=None, description="First name.")
    lastName: str | None = Field(default=None, description="Last name.")
    role: str | None = Field(default=None, description="admin or member.")
    createdAt: str | None = Field(default=None, description="ISO 8601.")


class MemberList(ApiModel):
    """Accepted members (invitations are separate)."""

    data: list[Member] | None = Field(default=None, description="Members.")


class Invitation(ApiModel):
    """A pending invitation."""

    id: str | None = Field(default=None, description="orginv_… id (use to revoke).")
    email: str | None = Field(default=None, description="Invitee.")
    role: str | None = Field(default=None, description="admin or member.")
    createdAt: str | None = Field(default=None, description="ISO 8601.")
    alreadyInvited: bool | None = Field(default=None, description="Invite only: an open invitation existed.")


class InvitationList(ApiModel):
    """Pending invitations."""

    data: list[Invitation] | None = Field(default=None, description="Invitations.")


class InviteMemberInput(InputModel):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", description="Work email (personal domains refused).")
    role: Role | None = Field(default=None, description="Default member.")


class RemoveMemberInput(InputModel):
    id: PathText = Field(description="orgmem_… member or orginv_… invitation id (not an email).")


class MemberRemoval(ApiModel):
    """Removal report."""

    id: str | None = Field(default=None, description="Id removed.")
    removed: bool | None = Field(default=None, description="True when removed.")
