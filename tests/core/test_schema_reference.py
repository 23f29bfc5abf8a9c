"""The OpenAPI schema is a reference a client developer can work from.

Walks every operation of the served schema: each has a summary and a description written for clients (no notes
about the code), documents the error statuses it can answer with the shared `Error` body, and shows an example of
every request body. A new route that misses any of it fails here, with the operations named.
"""

import re

import pytest

from core.schema import ErrorSerializer

ERROR_REF = "#/components/schemas/Error"
METHODS = ("get", "post", "put", "patch", "delete")
# Words of the code's readers, not of its clients: a description holding one was copied from a docstring.
IMPLEMENTATION_WORDS = re.compile(
    r"get_queryset|queryset|services\.|selectors?\b|docstring|mixin|Put it first|select_for_update|transaction",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", path, method, item[method]


def failures(schema, check) -> list[str]:
    return [
        f"{name}: {problem}" for name, path, method, op in operations(schema) for problem in check(path, method, op)
    ]


def _is_authenticated(op) -> bool:
    return bool(op.get("security")) and {} not in op["security"]


def test_every_operation_has_a_summary_and_a_description_for_clients(schema):
    def check(path, method, op):
        description = op.get("description", "").split("**Roles:**")[0].strip()
        if not op.get("summary", "").strip():
            yield "no summary"
        if not description:
            yield "no description"
        for text in (op.get("summary", ""), op.get("description", "")):
            if IMPLEMENTATION_WORDS.search(text):
                yield f"implementation notes in {text[:80]!r}"

    assert failures(schema, check) == []


def test_every_request_body_has_an_example(schema):
    def check(path, method, op):
        content = op.get("requestBody", {}).get("content", {})
        # JSON where the operation takes it; otherwise its own media type (a file upload).
        media_type = "application/json" if "application/json" in content else next(iter(content), None)
        if media_type and not content[media_type].get("examples"):
            yield f"no example for {media_type}"

    assert failures(schema, check) == []


def test_every_operation_documents_the_errors_it_can_answer_with_the_error_schema(schema):
    def check(path, method, op):
        responses = op["responses"]
        expected = set()
        if _is_authenticated(op):
            expected |= {"401", "403", "429"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in op:
            expected |= {"400", "415"}
        if any(parameter["in"] == "query" for parameter in op.get("parameters", [])):
            expected.add("400")
        if method == "delete":
            expected.add("409")
        for status in sorted(expected - set(responses)):
            yield f"{status} not documented"
        for status, response in responses.items():
            if status.startswith("4"):
                schema_ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
                if schema_ref != ERROR_REF:
                    yield f"{status} does not answer the Error schema"

    assert failures(schema, check) == []


def test_the_error_schema_has_the_contracts_fields(schema):
    error = schema["components"]["schemas"]["Error"]

    assert set(error["required"]) == {"status", "code", "detail"}
    assert {"status", "code", "detail", "errors", "lines", "current_status"} <= set(error["properties"])
    assert set(error["properties"]) == set(ErrorSerializer().fields)


def test_the_409s_of_stock_and_state_name_their_extra_fields(schema):
    approve = schema["paths"]["/api/transfers/{id}/approve/"]["post"]["responses"]["409"]
    example = next(iter(approve["content"]["application/json"]["examples"].values()))["value"]

    assert "`insufficient_stock`" in approve["description"]
    assert "`invalid_transition`" in approve["description"]
    assert example["status"] == 409
    assert example["lines"][0].keys() == {"variant", "sku", "warehouse", "requested", "available"}


def test_the_schema_offers_jwt_only_a_server_and_first_steps(schema):
    assert list(schema["components"]["securitySchemes"]) == ["jwtAuth"]
    assert schema["servers"]
    description = schema["info"]["description"]
    assert "First steps" in description
    assert "without `Bearer `" in description
    assert "/api/auth/refresh/" in description


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_load_nothing_from_another_host(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r"(?:src|href)=[\"']?(?:https?:)?//", html) == []
    assert "fonts.googleapis" not in html


@pytest.mark.django_db
def test_swagger_keeps_the_authorization_across_reloads(api_client):
    html = api_client.get("/api/docs/").content.decode()

    assert '"persistAuthorization": true' in html
