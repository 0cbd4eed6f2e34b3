"""The learner's own endpoints in the REST API: a learner token from the learner's
session (their "apps" page), the one error shape, and OpenAPI."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lrs.learnerportal.models import LearnerToken, Share
from lrs.learnerportal.services import learner_token_create
from tests.portal.helpers import text_of

pytestmark = pytest.mark.django_db


def _in(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def bearer(identity):
    _, plaintext = learner_token_create(identity=identity, name="Careers app", expires_on=_in(30))
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def test_an_app_reads_the_record_and_who_viewed_it(client, bearer, olivia, olivia_events):
    record = client.get("/api/v1/learner/record", **bearer).json()
    assert record["uln"] == olivia.uln
    assert [e["subject"] for e in record["events"]] == [
        "GCSE (9 to 1) in Mathematics",
        "GCSE (9 to 1) in English Language",
    ]
    assert record["organisations_may_see_events"] is True
    assert client.get("/api/v1/learner/viewers", **bearer).json() == []


def test_an_app_shares_part_of_the_record_and_ends_the_share(client, bearer, olivia_events):
    created = client.post(
        "/api/v1/learner/shares",
        {
            "recipient": "Acme Ltd",
            "expires_on": _in(10).isoformat(),
            "event_ids": [str(olivia_events[0].public_id)],
        },
        content_type="application/json",
        **bearer,
    )
    assert created.status_code == 201
    body = created.json()
    assert body["link"].startswith("http://testserver/shared/")
    assert len(body["access_code"]) == 9
    opened = client.post(
        body["link"].removeprefix("http://testserver"), {"code": body["access_code"]}
    )
    assert "Mathematics" in text_of(opened)
    listed = client.get("/api/v1/learner/shares", **bearer).json()
    assert listed[0]["views"]
    assert listed[0]["status"] == "active"
    ended = client.post(f"/api/v1/learner/shares/{body['id']}/revoke", **bearer)
    assert ended.json()["status"] == "revoked"
    assert Share.objects.get().revoked_at is not None


def test_errors_are_json_in_the_one_shape(client, bearer, olivia_events):
    too_long = client.post(
        "/api/v1/learner/shares",
        {"recipient": "Acme", "expires_on": _in(200).isoformat()},
        content_type="application/json",
        **bearer,
    )
    assert too_long.status_code == 422
    assert too_long.json()["code"] == "validation_failed"
    assert too_long.json()["errors"][0]["field"] == "expires_on"
    missing = client.post(f"/api/v1/learner/shares/{'0' * 32}/revoke", **bearer)
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    nobody = client.get("/api/v1/learner/record")
    assert nobody.status_code == 401
    assert nobody.json()["code"] == "unauthorised"


def test_a_revoked_or_expired_token_stops_working(client, identity, bearer):
    token = LearnerToken.objects.get()
    LearnerToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert client.get("/api/v1/learner/record", **bearer).json()["message"] == (
        "The learner token has expired"
    )


def test_the_learner_makes_and_stops_a_token_on_their_apps_page(learner_client, identity):
    day = _in(5)
    created = learner_client.post(
        "/learner/apps/new",
        {
            "name": "My wallet",
            "expires_on_day": day.day,
            "expires_on_month": day.month,
            "expires_on_year": day.year,
        },
    )
    assert "lrsl_" in text_of(created)
    token = LearnerToken.objects.get()
    learner_client.post(f"/learner/apps/{token.pk}/revoke")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_learner_endpoints_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/learner/record" in document["paths"]
    assert "/api/v1/learner/shares/{share_id}/revoke" in document["paths"]
    assert "LearnerBearerToken" in document["components"]["securitySchemes"]
    operation = document["paths"]["/api/v1/learner/record"]["get"]
    assert operation["security"] == [{"LearnerBearerToken": []}]
