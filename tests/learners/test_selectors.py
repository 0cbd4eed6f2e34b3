"""The learners selectors that the finds' answers are built from."""

import pytest

from lrs.access import OrganisationType, Role
from lrs.core.errors import NotPermitted
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.selectors import learners_with_linked
from lrs.learners.services import learner_register
from tests.factories import make_organisation, make_user
from tests.learners.helpers import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar():
    return make_user(make_organisation(), Role.ONLINE_USER)


def test_learners_with_linked_gives_each_learner_as_the_orm_would_with_its_linked_ulns(
    registrar,
):
    master = learner_register(actor=registrar, data=person()).learner
    linked = [
        learner_register(
            actor=registrar,
            data=person(given_name=name, family_name="Other", date_of_birth="1990-01-01"),
            confirm_new_learner=True,
            confirmation_reason="Different person",
        ).learner
        for name in ("Zed", "Abe")
    ]
    Learner.objects.filter(pk__in=[x.pk for x in linked]).update(
        master=master, status=LearnerStatus.LINKED
    )

    found = learners_with_linked(actor=registrar, ids=[master.pk, master.pk])

    assert list(found) == [master.pk]
    learner, linked_ulns = found[master.pk]
    stored = Learner.objects.get(pk=master.pk)
    for field in Learner._meta.concrete_fields:
        assert getattr(learner, field.attname) == getattr(stored, field.attname), field.name
    assert linked_ulns == sorted(x.uln for x in linked)


def test_learners_with_linked_of_no_ids_asks_nothing(registrar, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert learners_with_linked(actor=registrar, ids=[]) == {}


def test_learners_with_linked_is_refused_to_an_organisation_that_may_not_find_learners():
    awarding = make_user(make_organisation(OrganisationType.AWARDING_ORGANISATION), Role.SUPER_USER)
    with pytest.raises(NotPermitted):
        learners_with_linked(actor=awarding, ids=[1])
