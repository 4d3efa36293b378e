"""The region reference data in the JSON API."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get

from medskapa.regions import service
from medskapa.security.permissions import Permission, requires
from medskapa.web.deps import Conn


class RegionOut(msgspec.Struct):
    code: str
    name: str
    part: str | None = None


class HealthcareRegionOut(msgspec.Struct):
    code: str
    name: str
    regions: list[RegionOut]


class RegionsOut(msgspec.Struct):
    healthcare_regions: list[HealthcareRegionOut]


class RegionsApi(Controller):
    path = "/api/v1/regions"
    tags = ("regions",)
    opt = requires(Permission.PUBLIC)

    @get(
        "/",
        summary="Sweden's 21 regions by healthcare region (sjukvårdsregion)",
        description="A region's `code` is its two-digit county code (länskod); it is what "
        "`care_region` takes when feedback is submitted. Region Halland is in two healthcare "
        "regions, each with the municipalities (`part`) that belong there.",
    )
    async def regions(self, conn: Conn) -> Response[RegionsOut]:
        grouped = await service.grouped(conn)
        return Response(
            RegionsOut(
                healthcare_regions=[
                    HealthcareRegionOut(
                        code=h.code,
                        name=h.name,
                        regions=[
                            RegionOut(code=r.code, name=r.name, part=r.part) for r in h.regions
                        ],
                    )
                    for h in grouped
                ]
            ),
            headers={"Cache-Control": "public, max-age=3600"},
        )
