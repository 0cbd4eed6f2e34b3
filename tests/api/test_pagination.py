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


@pytest.mark.parametrize("path", ["/api/v1/batches", "/api/v1/challenges"])
def test_a_page_number_past_any_list_is_refused_not_a_server_error(client, path):
    # A page whose offset overflowed the database's integers was a 500 on both databases.
    from django.core.cache import cache

    from lrs.access import Role
    from tests.factories import make_organisation, make_token, make_user

    cache.clear()
    user = make_user(make_organisation(), Role.SUPER_USER)
    headers = {"Authorization": f"Bearer {make_token(user)}"}
    document = client.get("/api/v1/openapi.json").json()
    parameters = document["paths"][path]["get"]["parameters"]
    [page] = [p for p in parameters if p["name"] == "page"]
    assert page["schema"]["maximum"] == 1_000_000_000
    response = client.get(f"{path}?page={10**25}", headers=headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert client.get(f"{path}?page=1000000000", headers=headers).status_code == 200
