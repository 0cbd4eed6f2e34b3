"""Lists in the API are paged (page, page_size) and say how long they are, never cut
silently; the OpenAPI document declares the page parameters and the page's shape."""

import pytest

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/batches",
    "/api/v1/batches/{batch_id}/exceptions",
    "/api/v1/challenges",
    "/api/v1/achievement-jobs",
]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_declares_its_page_parameters_and_page_shape(client, path):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"][path]["get"]
    parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    assert parameters["page"]["schema"]["minimum"] == 1
    assert parameters["page_size"]["schema"]["anyOf"][0]["maximum"] == 1000
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    page = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    assert set(page["required"]) >= {"items", "count", "page", "page_size"}
    assert page["properties"]["items"]["type"] == "array"
