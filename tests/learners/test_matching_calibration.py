"""Matching parameters learnt from the register: versioned, used by finds, rolled back."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from lrs.access import Role
from lrs.audit.models import AuditEntry
from lrs.learners.calibration import (
    active_weights,
    matching_calibrate,
    matching_calibrate_if_due,
    matching_parameters_activate,
    matching_parameters_list,
)
from lrs.learners.scoring import register_scorer
from lrs.learners.services import learner_register
from lrs.matching import default_weights, prepare
from lrs.matching.learn import count_random_pairs, weights_from_register
from tests.factories import make_organisation, make_user
from tests.learners.helpers import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def matching_dir(settings, tmp_path):
    settings.LRS_MATCHING_DIR = tmp_path / "matching"
    return settings.LRS_MATCHING_DIR


@pytest.fixture
def small_register():
    online_user = make_user(make_organisation(), Role.ONLINE_USER)
    names = [("Olivia", "Thornbury"), ("Amelia", "Hartley"), ("Jack", "Smith"), ("Isla", "Khan")]
    for i, (given, family) in enumerate(names * 3):
        learner_register(
            actor=online_user,
            data=person(
                given_name=given,
                family_name=family,
                date_of_birth=f"200{i % 9}-0{1 + i % 9}-1{i % 9}",
                last_known_postcode=f"CV{1 + i} 9EE",
            ),
            confirm_new_learner=True,
            confirmation_reason="Test register",
        )


def test_u_learnt_from_random_pairs_moves_weights_only_where_the_register_differs():
    # A register where everyone shares one postcode: agreeing on it proves little.
    records = [
        prepare(person_demographics)
        for person_demographics in _demographics(
            [
                (f"Name{i}", f"Family{i}", dt.date(2000 + i % 20, 1 + i % 12, 1 + i % 28))
                for i in range(300)
            ]
        )
    ]
    counts = count_random_pairs(records, 5_000, seed=1)
    learnt = weights_from_register(default_weights(), counts, 5_000, prior_pairs=1_000)
    shipped = default_weights().levels["postcode"][0]
    assert learnt.weights.levels["postcode"][0] < shipped - 1
    assert ("postcode", "same postcode") in {(f, level) for f, level, _old, _new in learnt.changes}


def _demographics(rows):
    from lrs.matching import Demographics

    return [Demographics(g, f, d, "1", "CV4 9EE") for g, f, d in rows]


def test_a_small_register_keeps_the_shipped_defaults(matching_dir, small_register):
    assert matching_calibrate() is None
    assert matching_calibrate_if_due() is None
    assert active_weights() is None
    out = StringIO()
    call_command("calibrate_matching", stdout=out)
    assert "shipped defaults serve it" in out.getvalue()


def test_calibrating_writes_a_versioned_set_that_finds_use_and_can_be_rolled_back(
    matching_dir, small_register
):
    made = matching_calibrate(sample=1_000, pairs=2_000, seed=3, force=True)
    assert made is not None
    assert made.active
    saved = json.loads((matching_dir / f"parameters-{made.version}.json").read_text())
    assert saved["register_size"] == 12
    assert saved["pairs"] == 2_000
    assert active_weights() is not None
    assert register_scorer().weights.meta["u"] == saved["weights"]["meta"]["u"]
    assert [s.version for s in matching_parameters_list()] == [made.version]
    assert AuditEntry.objects.filter(action="matching.calibrate", object_id=made.version).exists()

    matching_parameters_activate(version="shipped")
    assert active_weights() is None
    assert register_scorer().weights is default_weights()
    assert not matching_parameters_list()[0].active

    out = StringIO()
    call_command("calibrate_matching", "--activate", made.version, stdout=out)
    assert active_weights() is not None
    call_command("calibrate_matching", "--list", stdout=out)
    assert f"{made.version}" in out.getvalue()
    assert "(active)" in out.getvalue()


def test_activating_an_unknown_set_is_refused(matching_dir):
    with pytest.raises(ValueError, match="no parameter set"):
        matching_parameters_activate(version="20990101T000000000000Z")
