"""Organization, usage, upgrade link and company profile (§5.7-5.9, §5.18, §6.10)."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from octolens_mcp.catalog.models.common import ApiModel, InputModel, Number, Slug


class Organization(ApiModel):
    """The workspace."""

    organizationId: str | None = Field(default=None, description="org_… id.")
    name: str | None = Field(default=None, description="Workspace name.")
    plan: str | None = Field(default=None, description="e.g. Pro_v3, Agents; null without a plan.")
    isAnnualPlan: bool | None = Field(default=None, description="Annual billing.")
    platforms: str | list[str] | None = Field(default=None, description='"all" or platform slugs.')
    createdAt: str | None = Field(default=None, description="ISO 8601.")
    onboardingFinishedAt: str | None = Field(default=None, description="ISO 8601.")
    freeTrialExpired: bool | None = Field(default=None, description="Trial over.")


class UpdateOrgInput(InputModel):
    name: str | None = Field(default=None, min_length=1)
    platforms: Literal["all"] | list[Slug] | None = Field(default=None, description='"all" or platform slugs.')

    @model_validator(mode="after")
    def _something(self) -> UpdateOrgInput:
        if not self.model_fields_set:
            raise ValueError("send name and/or platforms")
        return self


class Counter(ApiModel):
    """Used against allowed."""

    count: Number | None = Field(default=None, description="Used.")
    limit: Number | None = Field(default=None, description="Allowed.")
    resetAt: str | None = Field(default=None, description="Next reset (ISO 8601).")


class Flex(ApiModel):
    """Usage-based pricing."""

    enabled: bool | None = Field(default=None, description="On.")
    budgetCents: Number | None = Field(default=None, description="Budget.")
    used: Number | None = Field(default=None, description="Spent.")
    resetAt: str | None = Field(default=None, description="Next reset.")


class SearchAllowance(ApiModel):
    """Agents plan lifetime searches."""

    used: Number | None = Field(default=None, description="Used.")
    limit: Number | None = Field(default=None, description="Lifetime cap.")
    remaining: Number | None = Field(default=None, description="Left.")


class Usage(ApiModel):
    """Usage against plan limits."""

    plan: str | None = Field(default=None, description="Plan.")
    mentions: Counter | None = Field(default=None, description="AI-scored mentions this cycle.")
    keywords: Counter | None = Field(default=None, description="Live keywords.")
    flex: Flex | None = Field(default=None, description="Present when flex pricing is on.")
    searches: SearchAllowance | None = Field(default=None, description="Agents plan only.")


class UpgradeLink(ApiModel):
    """A single-use signed-in link (about 10 minutes)."""

    url: str | None = Field(default=None, description="Open in a browser.")
    destination: str | None = Field(default=None, description="Page it leads to.")
    plan: str | None = Field(default=None, description="Current plan.")
    expiresAt: str | None = Field(default=None, description="ISO 8601.")
    expiresInSeconds: Number | None = Field(default=None, description="Seconds left.")


class Company(ApiModel):
    """The monitored company profile that steers AI relevance."""

    id: int | None = Field(default=None, description="Profile id.")
    name: str | None = Field(default=None, description="Company name.")
    domain: str | None = Field(default=None, description="Read-only.")
    website: str | None = Field(default=None, description="Read-only.")
    logo: str | None = Field(default=None, description="Logo URL.")
    industry: str | None = Field(default=None, description="Read-only.")
    sector: str | None = Field(default=None, description="Read-only.")
    tags: str | None = Field(default=None, description="Read-only, comma-separated.")
    description: str | None = Field(default=None, description="What the company does.")
    linkedin: str | None = Field(default=None, description="Company slug.")
    twitter: str | None = Field(default=None, description="Handles without @, comma-separated.")
    relevanceContext: str | None = Field(default=None, description="Context for relevance scoring.")
    productUseCases: str | None = Field(default=None, description="Use cases.")
    competitors: str | None = Field(default=None, description="JSON-encoded [{name, description?}].")
    companyMoat: str | None = Field(default=None, description="Differentiation.")
    relevanceGuidelines: str | None = Field(default=None, description="Relevance rules.")
    classificationGuidelines: str | None = Field(default=None, description="Tagging rules.")


class UpdateCompanyInput(InputModel):
    name: str | None = Field(default=None, min_length=1)
    description: str | None = None
    relevanceContext: str | None = Field(default=None, max_length=400)
    relevanceGuidelines: str | None = None
    classificationGuidelines: str | None = None
    companyMoat: str | None = None
    competitors: str | list[dict[str, Any]] | None = Field(
        default=None, description='JSON string [{"name":…,"description":…}]; an array is sent encoded.'
    )
    linkedin: str | None = Field(default=None, description="Company slug.")
    logo: str | None = Field(default=None, description="Absolute http(s) image URL.")
    productUseCases: str | None = None
    twitter: str | None = Field(default=None, description="Comma-separated handles without @.")

    @model_validator(mode="after")
    def _something(self) -> UpdateCompanyInput:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change (domain, website, industry are read-only)")
        return self

    @field_validator("competitors")
    @classmethod
    def _as_json_text(cls, value: str | list[dict[str, Any]] | None) -> str | list[dict[str, Any]] | None:
        """The API stores competitors as JSON text; an array is accepted and sent encoded."""
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if isinstance(value, list) else value
