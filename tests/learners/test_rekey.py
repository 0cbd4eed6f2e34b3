"""Stored normal forms and keys: written by every write, re-keyed by ``lrs rekey``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from lrs.audit.models import AuditEntry
from lrs.core import codes
from lrs.duplicates.services import learners_merge, learners_unmerge
from lrs.learners.bulk import learners_bulk_load
from lrs.learners.models import Learner, LearnerRekey
from lrs.learners.selectors import (
    PERSON_FIELDS,
    learner_candidates,
    learner_demographics,
    learner_keys_settled,
    learner_keys_settled_forget,
)
from lrs.learners.services import (
    learner_address_update,
    learner_columns,
    learner_find,
    learner_match,
    learner_update,
    learners_insert_many,
)
from lrs.matching import (
    FORM_VERSION,
    KEY_COLUMNS,
    loose_key,
    prepare,
    query_keys,
    stored_form,
    stored_keys,
)
from lrs.validation.learner import Purpose, validate_learner
from tests.duplicates.factories import make_desk_user
from tests.factories import make_learner, make_provider_user
from tests.learners.helpers import person

pytestmark = pytest.mark.django_db

# Common given names (their sounds carry their whole code in the keys) and rare ones.
NAMES = [
    ("Olivia", "Smith"),
    ("Oliver", "Smith"),
    ("Jack", "Jones"),
    ("Amelia", "Brown"),
    ("Xanthe", "Quigley"),
    ("Zebedee", "Okonkwo"),
]


@pytest.fixture(autouse=True)
def _fresh_settled_answer():
    learner_keys_settled_forget()
    yield
    learner_keys_settled_forget()


def _assert_current(learner: Learner) -> None:
    learner.refresh_from_db()
    d = learner_demographics({f: getattr(learner, f) for f in PERSON_FIELDS})
    assert learner.match_form == stored_form(d)
    assert learner.match_form.startswith(FORM_VERSION)
    for column, value in stored_keys(d).items():
        assert getattr(learner, column) == value, column


def _make_old(learner_ids: list[int] | None = None) -> None:
    """Turn rows back into what the register held before this version: the loose keys,
    no day-of-birth key and no stored forms; and the re-key not yet run."""
    rows = (
        Learner.objects.all() if learner_ids is None else Learner.objects.filter(pk__in=learner_ids)
    )
    for learner in rows:
        for column in KEY_COLUMNS:
            value = getattr(learner, column)
            setattr(learner, column, loose_key(value) if value else value)
        learner.bk_family_given_yd = None
        learner.match_form = None
        learner.save()
    LearnerRekey.objects.all().delete()
    learner_keys_settled_forget()


def _register_everyone() -> list[Learner]:
    provider = make_provider_user()
    return [
        make_learner(
            provider,
            given_name=given,
            family_name=family,
            date_of_birth=dt.date(2007, 1 + i % 12, 1 + i),
            last_known_postcode=f"CV4 {i}EE",
        )
        for i, (given, family) in enumerate(NAMES)
    ]


def test_registration_stores_the_normal_forms_and_keys():
    _assert_current(make_learner())


def test_an_update_and_an_address_update_store_them_again():
    provider = make_provider_user()
    learner = make_learner(provider)
    learner_update(
        actor=provider,
        uln=learner.uln,
        version_number=learner.version_number,
        data={"family_name": "Okonkwo", "given_name": "Amelia"},
    )
    _assert_current(learner)
    learner.refresh_from_db()
    changed = learner_address_update(
        actor=provider,
        learner=learner,
        address={"last_known_postcode": "B15 2TT", "date_of_address_capture": dt.date.today()},
        action="batch_address",
    )
    assert changed
    _assert_current(learner)
    assert learner.match_form.split("|")[8] == "B15 2TT"


def test_batch_registration_and_the_bulk_loader_store_them():
    provider = make_provider_user()
    values, problems = validate_learner(person(given_name="Jack"), purpose=Purpose.REGISTER)
    assert not problems
    assert learner_columns(values)["match_form"] == stored_form(learner_demographics(values))
    [uln] = learners_insert_many(actor=provider, values_list=[values], action="batch_register")
    _assert_current(Learner.objects.get(uln=uln))
    learners_bulk_load(records=[person(given_name="Amelia", date_of_birth="2006-05-06")])
    _assert_current(Learner.objects.get(given_name="Amelia"))


def test_a_merge_and_its_undo_leave_the_stored_forms_true():
    desk = make_desk_user()
    master = make_learner()
    other = make_learner(given_name="Olivai", confirmation_reason="Not the same person")
    merge = learners_merge(
        actor=desk, master_uln=master.uln, other_ulns=[other.uln], reason="Same person"
    )
    _assert_current(other)
    learners_unmerge(actor=desk, merge=merge, reason="Not the same person after all")
    _assert_current(other)
    _assert_current(master)


def test_a_candidate_is_scored_from_its_stored_forms_as_if_normalised_afresh():
    learner = make_learner(**person())
    values = validate_learner(person(), purpose=Purpose.REGISTER)[0]
    [row] = learner_candidates(query_keys(learner_demographics(values)))
    assert row["match_form"] == learner.match_form
    assert learner_match(values).response_code == codes.EXACT


def test_rekey_brings_old_rows_up_to_date_and_audits_once():
    learners = _register_everyone()
    _make_old()
    assert not learner_keys_settled()
    call_command("rekey", batch_size=2, stdout=None)
    for learner in learners:
        _assert_current(learner)
    state = LearnerRekey.objects.get(version=FORM_VERSION)
    assert state.finished_at is not None
    assert state.rows_rewritten == len(NAMES)
    assert learner_keys_settled()
    [entry] = AuditEntry.objects.filter(action="learner.rekey")
    assert entry.detail["rows_rewritten"] == len(NAMES)


def test_a_stopped_rekey_resumes_where_it_stopped_and_a_second_run_changes_nothing():
    learners = _register_everyone()
    _make_old()
    call_command("rekey", batch_size=2, max_batches=1, stdout=None)
    state = LearnerRekey.objects.get(version=FORM_VERSION)
    assert state.finished_at is None
    assert state.rows_rewritten == 2
    by_id = sorted(learners, key=lambda learner: learner.pk)
    _assert_current(by_id[0])
    _assert_current(by_id[1])
    by_id[2].refresh_from_db()
    assert by_id[2].match_form is None
    call_command("rekey", batch_size=2, stdout=None)
    state.refresh_from_db()
    assert state.finished_at is not None
    assert state.rows_rewritten == len(NAMES)
    before = {learner.pk: learner.match_form for learner in Learner.objects.all()}
    call_command("rekey", batch_size=2, stdout=None)
    state.refresh_from_db()
    assert state.rows_rewritten == len(NAMES)
    assert {learner.pk: learner.match_form for learner in Learner.objects.all()} == before
    assert AuditEntry.objects.filter(action="learner.rekey").count() == 1


def test_a_find_on_a_half_rekeyed_register_finds_everyone_with_the_same_candidates():
    provider = make_provider_user()
    learners = _register_everyone()

    def candidates_and_answers() -> list[tuple[list[str], str]]:
        answers = []
        for learner in learners:
            data = {f: getattr(learner, f) for f in PERSON_FIELDS}
            data["date_of_birth"] = learner.date_of_birth.isoformat()
            query = learner_demographics(validate_learner(data, purpose=Purpose.REGISTER)[0])
            rows = learner_candidates(query_keys(prepare(query)))
            found = learner_find(actor=provider, data=data)
            assert found.response_code == codes.EXACT
            assert [c.uln for c in found.candidates] == [learner.uln]
            answers.append((sorted(row["uln"] for row in rows), found.candidates[0].uln))
        return answers

    settled = candidates_and_answers()
    # Half the register (every other learner) still holds the old keys and no forms.
    _make_old([learner.pk for learner in learners[::2]])
    assert not learner_keys_settled()
    assert candidates_and_answers() == settled
    call_command("rekey", batch_size=2, max_batches=1, stdout=None)
    learner_keys_settled_forget()
    assert candidates_and_answers() == settled
    call_command("rekey", stdout=None)
    assert learner_keys_settled()
    assert candidates_and_answers() == settled
