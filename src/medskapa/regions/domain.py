"""Regions and healthcare regions (sjukvårdsregioner) as data, and the pure rules on their
codes. The reference data itself lives in the database (sql/0019_regions.sql)."""

from __future__ import annotations

import re

import msgspec

# A region's code is its two-digit county code (länskod), e.g. "12" for Region Skåne.
REGION_CODE = re.compile(r"^[0-9]{2}$")
HEALTHCARE_REGION_CODE = re.compile(r"^[a-z]+(-[a-z]+)*$")
HEALTHCARE_REGION_CODE_MAX = 40


class RegionChoice(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str
    part: str | None = None
    """The municipalities meant, when only part of the region is in this healthcare region."""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.part})" if self.part else self.name


class HealthcareRegion(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str
    regions: list[RegionChoice]


def is_region_code(value: str) -> bool:
    return bool(REGION_CODE.match(value))


def is_healthcare_region_code(value: str) -> bool:
    return len(value) <= HEALTHCARE_REGION_CODE_MAX and bool(HEALTHCARE_REGION_CODE.match(value))


def each_region_once(grouped: list[HealthcareRegion]) -> list[RegionChoice]:
    """The regions of ``grouped`` by name, each once (without the part of a split region)."""
    by_code = {r.code: RegionChoice(code=r.code, name=r.name) for h in grouped for r in h.regions}
    return sorted(by_code.values(), key=lambda r: r.name)
