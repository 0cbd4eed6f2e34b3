import pytest
from django.core.cache import cache

from lrs.learners import codes
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
