import csv
import io

import pytest
from django.core.cache import cache

from lrs.batches.models import Batch
from lrs.batches.processing import process
from lrs.learners.services import learner_register
from tests.factories import batch_record, batch_upload, make_token, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()


def auth(user):
    return {"Authorization": f"Bearer {make_token(user)}"}


def submit(client, user, records, headers, **extra):
    file = batch_upload(user.organisation.ukprn, records)
    return client.post("/api/v1/batches", {"file": file, **extra}, headers=headers)


def test_upload_poll_download_and_resolve_through_the_api(client, batch_user):
    headers = auth(batch_user)
    existing = learner_register(actor=batch_user, data=batch_record(2).learner_data()).learner
    records = [batch_record(2), batch_record(3, given_name="Anne", last_known_postcode="B15 2TT")]
    response = submit(client, batch_user, records, headers)
    assert response.status_code == 202, response.content
    batch_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    process(Batch.objects.get(public_id=batch_id).pk)
    status = client.get(f"/api/v1/batches/{batch_id}", headers=headers).json()
    assert status["status"] == "complete"
    assert status["counts"] == {
        "total": 2,
        "processed": 2,
        "new": 0,
        "existing_or_updated": 1,
        "possible_match": 1,
        "not_found": 0,
        "rejected": 0,
    }
    page = client.get(f"/api/v1/batches/{batch_id}/exceptions", headers=headers).json()
    assert (page["count"], page["page"], page["page_size"]) == (1, 1, 1000)
    exceptions = page["items"]
    assert [(e["row"], e["return_code"]) for e in exceptions] == [(3, "RC007")]
    assert exceptions[0]["candidates"][0]["uln"] == existing.uln
    assert exceptions[0]["candidates"][0]["explanation"]
    resolved = client.post(
        f"/api/v1/batches/{batch_id}/exceptions/3/resolve",
        {"action": "choose", "uln": existing.uln},
        content_type="application/json",
        headers=headers,
    )
    assert resolved.json()["return_code"] == "RC014"
    output = client.get(f"/api/v1/batches/{batch_id}/output?format=csv", headers=headers)
    assert output.status_code == 200
    assert "attachment" in output["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(output.streaming_content).decode("utf-8-sig"))))
    assert [r["ReturnCode"] for r in rows] == ["RC002", "RC014"]


def test_a_duplicate_upload_is_409_until_confirmed(client, batch_user):
    headers = auth(batch_user)
    assert submit(client, batch_user, [batch_record(2)], headers).status_code == 202
    again = submit(client, batch_user, [batch_record(2)], headers)
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_file"
    assert (
        submit(client, batch_user, [batch_record(2)], headers, confirm_duplicate="true").status_code
        == 202
    )


def test_a_file_that_is_not_a_batch_file_is_422_naming_the_rule(client, batch_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/api/v1/batches",
        {"file": SimpleUploadedFile("learners.pdf", b"%PDF-1.4")},
        headers=auth(batch_user),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


def test_organisations_see_only_their_own_batches(client, batch_user):
    response = submit(client, batch_user, [batch_record(2)], auth(batch_user))
    batch_id = response.json()["id"]
    outsider = make_user(role="batch_user")
    assert client.get(f"/api/v1/batches/{batch_id}", headers=auth(outsider)).status_code == 404
    assert client.get("/api/v1/batches", headers=auth(outsider)).json() == {
        "items": [],
        "count": 0,
        "page": 1,
        "page_size": 100,
    }


def test_the_output_is_refused_until_the_batch_has_finished(client, batch_user):
    headers = auth(batch_user)
    batch_id = submit(client, batch_user, [batch_record(2)], headers).json()["id"]
    response = client.get(f"/api/v1/batches/{batch_id}/output", headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "not_finished"


def test_the_list_of_batches_is_paged_not_cut(client, batch_user):
    headers = auth(batch_user)
    for row in (2, 3, 4):
        assert submit(client, batch_user, [batch_record(row)], headers).status_code == 202
    first = client.get("/api/v1/batches?page_size=2", headers=headers).json()
    second = client.get("/api/v1/batches?page_size=2&page=2", headers=headers).json()
    assert (first["count"], first["page"], first["page_size"], len(first["items"])) == (3, 1, 2, 2)
    assert (second["count"], second["page"], len(second["items"])) == (3, 2, 1)
    ids = [b["id"] for b in first["items"] + second["items"]]
    assert sorted(ids) == sorted(str(b.public_id) for b in Batch.objects.all())
    too_big = client.get("/api/v1/batches?page_size=1001", headers=headers)
    assert too_big.status_code == 422
    assert too_big.json()["code"] == "validation_failed"
