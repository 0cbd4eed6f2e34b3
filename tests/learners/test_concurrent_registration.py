import threading

import pytest
from django.db import connection

from lrs.access import Role
from lrs.learners.models import Learner
from lrs.learners.services import LearnerError, learner_register
from tests.factories import make_organisation, make_user
from tests.learners.helpers import person


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_registrations_of_one_person_create_one_uln():
    users = [make_user(make_organisation(), Role.ONLINE_USER) for _ in range(4)]
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def register(user):
        barrier.wait()
        try:
            learner_register(actor=user, data=person())
            outcomes.append("registered")
        except LearnerError as exc:
            outcomes.append(exc.response_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("registered") == 1
    assert Learner.objects.count() == 1
    assert sorted(set(outcomes) - {"registered"}) == ["WSRC0021"]
