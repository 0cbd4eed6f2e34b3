import pytest
from django.core.cache import cache

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.organisations.services import organisation_change_status
from lrs.users.services import api_token_revoke, user_deactivate
from tests.factories import make_organisation, make_token, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle_counters():
    cache.clear()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_openapi_document_is_served_and_documents_error_responses(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    me = schema["paths"]["/api/v1/me"]["get"]["responses"]
    assert {"200", "401", "403", "404", "422", "429"} <= set(me)
    assert "ErrorOut" in schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_browsable_docs_are_served(client):
    assert client.get("/api/v1/docs").status_code == 200


def test_a_request_without_a_token_gets_a_json_401_with_a_stable_code(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorised"
    assert "Bearer" in response["WWW-Authenticate"]


@pytest.mark.parametrize("token", ["garbage", "lrs_abcdefghijkl_" + "x" * 43])
def test_malformed_or_unknown_tokens_are_refused(client, token):
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorised"


def test_a_valid_token_identifies_the_user_their_organisation_and_capabilities(client):
    user = make_user(role=Role.BATCH_USER)
    response = client.get("/api/v1/me", headers=bearer(make_token(user)))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == user.username
    assert body["organisation"]["ukprn"] == user.organisation.ukprn
    assert "submit_batch" in body["capabilities"]
    assert "manage_users" not in body["capabilities"]
    assert response["X-Request-ID"]


def test_tokens_are_stored_only_as_digests():
    user = make_user()
    plaintext = make_token(user)
    token = user.api_tokens.get()
    assert plaintext not in (token.digest, token.key_id)
    assert plaintext.startswith(f"lrs_{token.key_id}_")


def test_a_revoked_token_stops_working(client):
    user = make_user()
    plaintext = make_token(user)
    api_token_revoke(actor=user, token=user.api_tokens.get())
    response = client.get("/api/v1/me", headers=bearer(plaintext))
    assert response.status_code == 401
    assert "revoked" in response.json()["message"]


def test_tokens_stop_working_when_the_user_is_deactivated_or_the_organisation_suspended(client):
    org = make_organisation()
    admin = make_user(org)
    user = make_user(org, Role.ONLINE_USER)
    admin_token, user_token = make_token(admin), make_token(user)
    user_deactivate(actor=admin, user=user)
    assert client.get("/api/v1/me", headers=bearer(user_token)).status_code == 401
    organisation_change_status(actor=None, organisation=org, status="suspended", reason="x")
    response = client.get("/api/v1/me", headers=bearer(admin_token))
    assert response.status_code == 401
    assert "not active" in response.json()["message"]


def test_super_user_manages_users_through_the_api_with_audit(client):
    admin = make_user()
    headers = bearer(make_token(admin))
    response = client.post(
        "/api/v1/users",
        {"username": "api.made", "role": "online_user", "password": "a-long-enough-secret"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201, response.content
    assert (
        AuditEntry.objects.filter(action="user.create", object_id="api.made").get().channel == "api"
    )
    response = client.put(
        "/api/v1/users/api.made/role",
        {"role": "batch_user"},
        content_type="application/json",
        headers=headers,
    )
    assert response.json()["role"] == "batch_user"


def test_invalid_fields_get_422_naming_each_field_and_rule(client):
    headers = bearer(make_token(make_user()))
    response = client.post(
        "/api/v1/users",
        {"username": "x", "role": "wizard", "password": "short"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert {e["field"] for e in body["errors"]} == {"username", "role", "password"}


def test_a_malformed_body_gets_422_naming_the_missing_field(client):
    headers = bearer(make_token(make_user()))
    response = client.post(
        "/api/v1/users", {"username": "abc"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"role", "password"} <= fields


def test_removing_the_last_super_user_through_the_api_is_refused_with_409(client):
    admin = make_user()
    response = client.post(
        f"/api/v1/users/{admin.username}/deactivate", headers=bearer(make_token(admin))
    )
    assert response.status_code == 409
    assert response.json()["code"] == "last_super_user"


def test_a_user_without_manage_users_gets_403_in_json(client):
    user = make_user(make_organisation(), Role.ONLINE_USER)
    response = client.get("/api/v1/users", headers=bearer(make_token(user)))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_an_unknown_user_gets_404_in_json(client):
    response = client.put(
        "/api/v1/users/nobody/role",
        {"role": "batch_user"},
        content_type="application/json",
        headers=bearer(make_token(make_user())),
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_too_many_requests_get_429_with_retry_after(client, settings, monkeypatch):
    from lrs.api.urls import API_THROTTLE as throttle

    monkeypatch.setattr(throttle, "rate", "2/m")
    monkeypatch.setattr(throttle, "num_requests", 2)
    headers = bearer(make_token(make_user()))
    codes = [client.get("/api/v1/me", headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = client.get("/api/v1/me", headers=headers)
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0


def test_service_desk_users_list_their_own_organisations_users_only(client):
    desk_org = make_organisation(OrganisationType.SERVICE_DESK)
    desk_admin = make_user(desk_org)
    make_user()  # someone elsewhere
    response = client.get("/api/v1/users", headers=bearer(make_token(desk_admin)))
    assert [u["username"] for u in response.json()] == [desk_admin.username]


def test_users_list_and_revoke_their_own_tokens_only(client):
    user, other = make_user(), make_user()
    plaintext = make_token(user)
    make_token(other)
    headers = bearer(plaintext)
    tokens = client.get("/api/v1/tokens", headers=headers).json()
    assert len(tokens) == 1
    assert "digest" not in tokens[0]
    other_id = other.api_tokens.get().pk
    assert client.delete(f"/api/v1/tokens/{other_id}", headers=headers).status_code == 404
    assert client.delete(f"/api/v1/tokens/{tokens[0]['id']}", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_every_operation_documents_the_error_responses(client):
    schema = client.get("/api/v1/openapi.json").json()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if not {"401", "403", "404", "422", "429"} <= set(operation["responses"])
    ]
    assert missing == []
