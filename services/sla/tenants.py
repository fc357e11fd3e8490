"""Who each tenant is for the regulators, and where a complaint's region lies.

A tenant declares the jurisdiction it is regulated in (ISO 3166-1 alpha-2, e.g. CN, US, GB)
and its industry (e.g. banking, insurance, retail). Regulatory regimes select on these, never on
a tenant's name. A complaint's calendar follows the customer: the jurisdiction of the region the
complaint came from, else the tenant's. Pure: the file is read in `catalog`.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Jurisdiction = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
ISO_SUBDIVISION = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TenantProfile(Frozen):
    """What a tenant declares about itself."""

    jurisdiction: Jurisdiction = Field(description="Where it is regulated, e.g. CN, US, GB")
    industry: str = Field(min_length=1, description="e.g. banking, insurance, retail")
    policy: str | None = Field(
        None, min_length=1, description="The id of the tenant's own SLA policy (a file in the "
        "policies folder); none: the deployment's default policy")


class Tenants(Frozen):
    """One version of the tenants file."""

    version: str = Field("0", min_length=1)
    tenants: dict[str, TenantProfile] = {}
    regions: dict[Jurisdiction, tuple[str, ...]] = Field(
        {}, description="The regions (province, state) of each jurisdiction, as complaints name "
        "them; matched without regard to case"
    )

    @model_validator(mode="after")
    def check_regions(self) -> Tenants:
        seen: dict[str, str] = {}
        for jurisdiction, regions in self.regions.items():
            for region in regions:
                other = seen.setdefault(region.casefold(), jurisdiction)
                if other != jurisdiction:
                    raise ValueError(f"region {region!r} is in both {other} and {jurisdiction}")
        return self

    def profile(self, tenant: str) -> TenantProfile | None:
        """The tenant's declaration, None for a tenant the file does not declare."""
        return self.tenants.get(tenant)

    def jurisdiction_of(self, region: str | None) -> str | None:
        """The jurisdiction a complaint's region lies in, None when unknown."""
        if not region:
            return None
        wanted = region.strip().casefold()
        listed = next((j for j, regions in self.regions.items()
                       if any(r.casefold() == wanted for r in regions)), None)
        if listed is None and ISO_SUBDIVISION.match(region.strip()):  # e.g. US-CA, CN-BJ
            return region.strip()[:2].upper()
        return listed
