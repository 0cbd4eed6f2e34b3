import pytest
from django.core.cache import cache

from lrs.core import codes
from lrs.learners.models import Learner
from tests.factories import make_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()


def fetch(client, user, body):
    return client.post(
        "/api/v1/learners/learning-events",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {make_token(user)}"},
    )


def test_full_and_brief_plr_through_the_api(client, provider_user, learner, event):
    body = {"uln": learner.uln, "given_name": "Olivia", "family_name": "Thornbury"}
    full = fetch(client, provider_user, body)
    assert full.status_code == 200, full.content
    data = full.json()
    assert (data["response_code"], data["found_uln"]) == (codes.EXACT, learner.uln)
    assert data["learning_events"][0]["awarding_organisation_name"] == "Meridian Awards"
    assert data["learning_events"][0]["under_data_challenge"] == "N"
    brief = fetch(client, provider_user, {**body, "detail": "BRIEF"}).json()
    assert brief["learning_events"][0]["awarding_organisation_name"] is None
    assert brief["learning_events"][0]["grade"] == "7"


def test_refusals_carry_their_codes(client, provider_user, learner, event):
    wrong = fetch(
        client, provider_user, {"uln": learner.uln, "given_name": "A", "family_name": "B"}
    )
    assert (wrong.status_code, wrong.json()["response_code"]) == (403, codes.NOT_VERIFIED)
    Learner.objects.filter(pk=learner.pk).update(ability_to_share="2")
    opted_out = fetch(
        client,
        provider_user,
        {"uln": learner.uln, "given_name": "Olivia", "family_name": "Thornbury"},
    )
    assert opted_out.json()["response_code"] == codes.NOT_SHARED
    invalid = fetch(client, provider_user, {"uln": "1", "given_name": "A", "family_name": "B"})
    assert invalid.json()["response_code"] == codes.INVALID_ULN


def test_achievement_job_through_the_api_submit_poll_and_errors(
    client, ao_user, learner, gcse, provider_user, settings, tmp_path
):
    import io

    from lrs.achievementfiles import AchievementRecord, make_header, write_achievements
    from lrs.records.models import AchievementJob
    from lrs.records.uploads import process

    settings.LRS_UPLOADS_DIR = tmp_path
    name = f"ACH_{ao_user.organisation.ukprn}_010920241030.CSV"
    good = AchievementRecord(
        row=2,
        uln=learner.uln,
        given_name="Olivia",
        family_name="Thornbury",
        date_of_birth="2006-03-14",
        reference=gcse.reference,
        grade="7",
        award_date="2022-08-25",
        action="1",
        action_date="2022-08-26",
    )
    bad = AchievementRecord(
        row=3,
        uln=learner.uln,
        given_name="Olivia",
        family_name="Thornbury",
        date_of_birth="2006-03-14",
        reference="601/0000/0",
        grade="7",
        award_date="2022-08-25",
        action="1",
        action_date="2022-08-26",
    )
    buffer = io.BytesIO()
    write_achievements(
        buffer, make_header(name, ao_user.organisation.ukprn, 2), [good, bad], fmt="CSV"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    headers = {"Authorization": f"Bearer {make_token(ao_user)}"}
    response = client.post(
        "/api/v1/achievement-jobs",
        {"file": SimpleUploadedFile(name, buffer.getvalue())},
        headers=headers,
    )
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    assert response.json()["status"] == "Waiting"
    process(AchievementJob.objects.get(public_id=job_id).pk)
    polled = client.get(f"/api/v1/achievement-jobs/{job_id}", headers=headers).json()
    assert polled["status"] == "Successful"
    assert (polled["created"], polled["business_rule_errors"]) == (1, 1)
    assert polled["percentage_successful"] == 50.0
    errors = client.get(f"/api/v1/achievement-jobs/{job_id}/errors", headers=headers)
    assert b"BR01" in b"".join(errors.streaming_content)
    other = client.get(
        f"/api/v1/achievement-jobs/{job_id}",
        headers={"Authorization": f"Bearer {make_token(provider_user)}"},
    )
    assert other.status_code == 403
