"""REST: issuing, listing and fetching credentials; verifying any credential without a token."""

import json

import pytest
from django.core.cache import cache

from lrs.records.services import event_withdraw
from tests.credentials.conftest import ids
from tests.factories import make_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()


def call(client, method, path, user=None, body=None):
    headers = {"Authorization": f"Bearer {make_token(user)}"} if user else {}
    return getattr(client, method)(
        f"/api/v1{path}",
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers,
    )


def test_issue_list_fetch_and_verify_through_the_api(
    client, ao_user, provider_user, learner, events
):
    issued = call(
        client,
        "post",
        "/credentials",
        provider_user,
        {"uln": learner.uln, "events": ids(events), "kind": "clr"},
    )
    assert issued.status_code == 201, issued.json()
    [clr] = issued.json()
    assert clr["kind"] == "clr"
    assert sorted(clr["events"]) == sorted(ids(events))
    document = clr["document"]

    listed = call(client, "post", "/credentials/search", provider_user, {"uln": learner.uln}).json()
    assert [c["id"] for c in listed] == [clr["id"]]
    assert listed[0]["document"] is None

    fetched = call(client, "get", f"/credentials/{clr['id']}", provider_user).json()
    assert fetched["document"] == document

    verified = call(client, "post", "/credentials/verify", body=document)
    assert verified.status_code == 200
    report = verified.json()
    assert (report["verified"], report["state"], report["kind"]) == (
        True,
        "verified",
        "ClrCredential",
    )
    assert [c["verified"] for c in report["credentials"]] == [True, True]
    assert report["learner"] == {"name": "Olivia Thornbury", "uln": learner.uln}

    event_withdraw(actor=ao_user, event=events[0], reason="Awarded in error")
    report = call(
        client, "post", "/credentials/verify", body={"verifiableCredential": document}
    ).json()
    assert (report["verified"], report["revoked"]) == (False, True)
    assert report["checks"][-1]["text"].startswith(
        "Revoked: the awarding organisation withdrew this achievement on "
    )
    listed = call(client, "post", "/credentials/search", provider_user, {"uln": learner.uln}).json()
    assert (listed[0]["revoked"], listed[0]["revoked_reason"]) == (True, "withdrawn")


def test_refusals_use_the_one_error_shape(client, provider_user, learner, events):
    refused = call(
        client,
        "post",
        "/credentials",
        provider_user,
        {"uln": learner.uln, "events": [], "kind": "clr"},
    )
    assert refused.status_code == 422
    assert refused.json() == {
        "code": "validation_failed",
        "message": "events: Choose at least one learning event",
        "errors": [{"field": "events", "rule": "Choose at least one learning event"}],
    }
    unknown = call(
        client, "post", "/credentials", provider_user, {"uln": "9999999999", "events": ids(events)}
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    missing = call(
        client, "get", "/credentials/00000000-0000-4000-8000-000000000000", provider_user
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    unauthenticated = call(client, "post", "/credentials/search", body={"uln": learner.uln})
    assert (unauthenticated.status_code, unauthenticated.json()["code"]) == (401, "unauthorised")
    bad = client.post(
        "/api/v1/credentials/verify", data="not json", content_type="application/json"
    )
    assert bad.status_code in (400, 422)
    assert "code" in bad.json()


def test_verifying_something_that_is_not_a_credential_says_so(client):
    report = call(client, "post", "/credentials/verify", body={"name": "x"}).json()
    assert report["verified"] is False
    assert (
        report["checks"][0]["text"]
        == "This is not a verifiable credential (its type says otherwise)."
    )
