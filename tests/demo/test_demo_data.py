import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.utils import timezone

from lrs.access import OrganisationType, Role
from lrs.demo import data
from lrs.demo.services import DEMO_DUPLICATES, DEMO_LEARNERS, demo_load
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation
from lrs.users.models import User

pytestmark = pytest.mark.django_db


def test_demo_creates_an_organisation_of_every_type_and_a_user_for_every_role():
    demo_load(history=False)
    assert {o.type for o in Organisation.objects.all()} == {t.value for t in OrganisationType}
    assert {u.role for u in User.objects.all()} == {r.value for r in Role}


def test_every_demo_user_signs_in_with_the_documented_password():
    demo_load(history=False)
    for person in data.USERS:
        request = RequestFactory().post("/sign-in")
        user = authenticate(request, username=person.username, password=data.DEMO_PASSWORD)
        assert user is not None, person.username
        assert user.capabilities(), person.username


def test_loading_the_demo_twice_changes_nothing():
    demo_load(history=False)
    second = demo_load(history=False)
    assert (second.organisations_created, second.users_created) == (0, 0)
    assert User.objects.count() == len(data.USERS)


def test_the_readme_lists_every_demo_user():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert data.DEMO_PASSWORD in readme
    for person in data.USERS:
        assert f"`{person.username}`" in readme


def test_demo_brings_synthetic_learners_that_a_find_matches_exactly():
    from lrs.core import codes
    from lrs.learners.services import learner_find

    summary = demo_load(history=False)
    assert summary.learners_created == DEMO_LEARNERS + DEMO_DUPLICATES
    learner = Learner.objects.order_by("id").first()
    user = User.objects.get(username="college.online")
    found = learner_find(
        actor=user,
        data={
            "given_name": learner.given_name,
            "family_name": learner.family_name,
            "date_of_birth": learner.date_of_birth.isoformat(),
            "gender": learner.gender,
            "last_known_postcode": learner.last_known_postcode,
        },
    )
    assert found.response_code == codes.EXACT
    assert found.candidates[0].uln == learner.uln


def test_the_demo_register_holds_a_few_people_twice_for_the_duplicate_scan_to_find():
    from lrs.duplicates.models import DuplicatePair, DuplicateScan
    from lrs.duplicates.scan import scan_run

    demo_load(history=False)
    scan = DuplicateScan.objects.create(requested_at=timezone.now())
    scan_run(scan.pk)
    assert DuplicatePair.objects.filter(scan=scan).count() >= DEMO_DUPLICATES


def test_demo_users_who_need_a_second_factor_sign_in_with_the_readmes_key_and_demo_code(client):
    from pathlib import Path

    from django.core.cache import cache

    from lrs.demo.services import demo_two_factor_code
    from lrs.twofactor.services import two_factor_enrolled, two_factor_required

    cache.clear()
    demo_load(history=False)
    required = [
        u for u in User.objects.select_related("organisation") if two_factor_required(user=u)
    ]
    assert {u.username for u in required} >= {"college.super", "desk.super", "desk.user"}
    assert all(two_factor_enrolled(user=u) for u in required)
    assert not two_factor_enrolled(user=User.objects.get(username="college.online"))
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert data.DEMO_TWO_FACTOR_KEY in readme
    client.post("/sign-in", {"username": "desk.user", "password": data.DEMO_PASSWORD})
    response = client.post("/sign-in/code", {"code": demo_two_factor_code()})
    assert response["Location"] == "/"
