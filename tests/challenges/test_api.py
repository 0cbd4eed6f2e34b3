from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from lrs.challenges.models import ChallengeEvidence
from tests.factories import make_token, make_user, raise_args
from tests.upload_samples import PROGRAM

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()


def auth(user):
    return {"Authorization": f"Bearer {make_token(user)}"}


def test_the_whole_journey_through_the_api(client, provider_user, ao_user, desk_user, event):
    raiser, owner = auth(provider_user), auth(ao_user)
    created = client.post(
        "/api/v1/challenges", raise_args(event), content_type="application/json", headers=raiser
    )
    assert created.status_code == 201, created.content
    ref = created.json()["reference"]
    assert created.json()["next_moves"] == ["withdrawn"]
    mine = client.get("/api/v1/challenges?status=submitted", headers=owner).json()["items"]
    assert [c["reference"] for c in mine] == [ref]
    assert mine[0]["next_moves"] == ["acknowledged"]
    evidence = client.post(
        f"/api/v1/challenges/{ref}/evidence",
        {"file": SimpleUploadedFile("cert.pdf", b"%PDF-1.4", "application/pdf")},
        headers=raiser,
    )
    evidence_id = evidence.json()["evidence"][0]["id"]
    got = client.get(f"/api/v1/challenges/{ref}/evidence/{evidence_id}", headers=owner)
    assert got.status_code == 200
    outsider = auth(make_user(role="online_user"))
    assert (
        client.get(f"/api/v1/challenges/{ref}/evidence/{evidence_id}", headers=outsider).status_code
        == 404
    )
    assert client.post(
        f"/api/v1/challenges/{ref}/acknowledge", {}, content_type="application/json", headers=owner
    ).json()["status"] == ("acknowledged")
    resolved = client.post(
        f"/api/v1/challenges/{ref}/resolve",
        {"outcome": "amend", "reason": "Remarked", "amended": {"grade": "8"}},
        content_type="application/json",
        headers=owner,
    ).json()
    assert (resolved["status"], resolved["outcome"]) == ("resolved", "amend")
    assert [t["to_status"] for t in resolved["timeline"]] == [
        "submitted",
        "acknowledged",
        "resolved",
    ]
    illegal = client.post(
        f"/api/v1/challenges/{ref}/withdraw", {}, content_type="application/json", headers=raiser
    )
    assert (illegal.status_code, illegal.json()["code"]) == (409, "illegal_transition")
    report = client.get("/api/v1/challenges/report.csv", headers=auth(desk_user))
    assert b"Median days to resolve" in report.content


@pytest.mark.parametrize("body", ["42", "[null, null]", '"withdraw"', "null"])
def test_a_body_that_is_not_a_json_object_withdraws_nothing(client, provider_user, event, body):
    raiser = auth(provider_user)
    created = client.post(
        "/api/v1/challenges", raise_args(event), content_type="application/json", headers=raiser
    )
    ref = created.json()["reference"]
    refused = client.post(
        f"/api/v1/challenges/{ref}/withdraw", body, content_type="application/json", headers=raiser
    )
    assert refused.status_code == 400, refused.content
    assert refused.json() == {
        "code": "bad_request",
        "message": "The request body must be a JSON object, such as {}",
        "errors": [],
    }
    still = client.get(f"/api/v1/challenges/{ref}", headers=raiser).json()
    assert still["status"] == "submitted"


def test_evidence_whose_content_is_not_its_declared_type_gets_the_json_error_and_is_not_kept(
    client, provider_user, event, settings, tmp_path
):
    raiser = auth(provider_user)
    ref = client.post(
        "/api/v1/challenges", raise_args(event), content_type="application/json", headers=raiser
    ).json()["reference"]
    response = client.post(
        f"/api/v1/challenges/{ref}/evidence",
        {"file": SimpleUploadedFile("cert.pdf", PROGRAM, "application/pdf")},
        headers=raiser,
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["errors"] == [
        {
            "field": "evidence",
            "rule": "cert.pdf must be a PDF, PNG, JPEG or plain text file: it says it is a PDF, "
            "but its content is not",
        }
    ]
    assert ChallengeEvidence.objects.count() == 0
    assert not any(p.is_file() for p in Path(settings.LRS_UPLOADS_DIR).rglob("*"))
