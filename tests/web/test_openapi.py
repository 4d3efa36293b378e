"""The OpenAPI document tells a client every answer an operation can give."""

from __future__ import annotations

from litestar.testing import AsyncTestClient


async def _operations(client: AsyncTestClient) -> dict:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


async def test_validation_errors_are_documented_as_422_problems(client: AsyncTestClient) -> None:
    schema = await _operations(client)
    submit = schema["paths"]["/api/v1/feedback"]["post"]["responses"]
    assert {"201", "400", "403", "413", "415", "422", "429", "431", "503"} <= set(submit)
    # 400 for a malformed request, not validation; Litestar's generic validation 400 is gone.
    assert submit["400"]["description"].startswith("The request is malformed")
    listing = schema["paths"]["/api/v1/documents"]["get"]["responses"]
    assert {"400", "431"} <= set(listing)
    assert not {"403", "413", "415", "429"} & set(listing)
    problem = submit["422"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}
    assert schema["components"]["schemas"]["Problem"]["required"] == ["title", "status"]


async def test_guarded_and_parameterised_operations_document_their_refusals(
    client: AsyncTestClient,
) -> None:
    paths = (await _operations(client))["paths"]
    assert {"401", "403"} <= set(paths["/api/v1/me"]["get"]["responses"])
    public_list = paths["/api/v1/documents"]["get"]["responses"]
    assert "401" not in public_list
    assert "404" in paths["/api/v1/documents/{slug}"]["get"]["responses"]


async def test_every_api_operation_documents_503(client: AsyncTestClient) -> None:
    paths = (await _operations(client))["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                assert "503" in operation["responses"], f"{method.upper()} {path}"


async def test_a_handler_declares_its_own_problem_codes(client: AsyncTestClient) -> None:
    """Wrong credentials at login are a 401 although the route itself is public; a 403 only
    comes from another site's Origin (web/boundary.py)."""
    login = (await _operations(client))["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert "401" in login
    assert "another site" in login["403"]["description"]


async def test_bodies_that_refuse_unknown_fields_say_so(client: AsyncTestClient) -> None:
    schemas = (await _operations(client))["components"]["schemas"]
    assert schemas["FeedbackIn"]["additionalProperties"] is False
    assert schemas["ReceiptIn"]["additionalProperties"] is False
