import io
import json

import pytest
from django.core.management import CommandError, call_command, load_command_class

from lrs.access import Role
from lrs.audit.models import AuditEntry
from lrs.core import codes
from lrs.core.errors import NotPermitted
from lrs.core.models import AllocatedUln
from lrs.identifiers import uln as uln_rules
from lrs.learners.bulk import learners_bulk_load
from lrs.learners.models import Learner
from lrs.learners.services import LearnerError, learner_find, learner_register
from lrs.matching import KEY_COLUMNS
from lrs.synthetic import QUERY_KINDS
from tests.factories import make_organisation, make_user
from tests.learners.helpers import person

pytestmark = pytest.mark.django_db

DERIVED = (*KEY_COLUMNS, "demographics_key", "last_known_postcode", "version_number")


def people(n):
    given = ["Amelia", "Noah", "Isla", "Oscar", "Freya", "Arthur", "Ivy", "Theo"]
    return [
        person(
            given_name=given[i % len(given)],
            family_name=f"Family-{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}",
            date_of_birth=f"{1990 + i % 20}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        )
        for i in range(n)
    ]


@pytest.fixture
def online_user():
    return make_user(make_organisation(), Role.ONLINE_USER)


def test_a_bulk_loaded_learner_has_exactly_the_derived_columns_registration_computes(online_user):
    registered = learner_register(actor=online_user, data=person()).learner
    messy = person(given_name="  olivia ", family_name="THORNBURY", last_known_postcode="CV4 9EE")
    assert learners_bulk_load(records=[messy]) == 1
    loaded = Learner.objects.exclude(pk=registered.pk).get()
    for column in DERIVED:
        assert getattr(loaded, column) == getattr(registered, column), column
    assert loaded.last_known_postcode == "CV4 9EE"
    assert loaded.version_number == 1
    assert loaded.created_at == loaded.updated_at
    assert loaded.uln != registered.uln


def test_a_bulk_loaded_learner_is_found_as_an_exact_match_like_a_registered_one(online_user):
    learners_bulk_load(records=[person(), person(given_name="Jack", gender="1")])
    olivia = Learner.objects.get(given_name="Olivia")
    found = learner_find(actor=online_user, data=person(last_known_postcode="CV4 9EE"))
    assert found.response_code == codes.EXACT
    assert [c.uln for c in found.candidates] == [olivia.uln]


def test_registration_refuses_a_person_already_bulk_loaded_by_the_same_demographics_key(
    online_user,
):
    learners_bulk_load(records=[person()])
    with pytest.raises(LearnerError) as refused:
        learner_register(actor=online_user, data=person(given_name="OLIVIA"))
    assert refused.value.response_code == codes.ALREADY_REGISTERED


def test_bulk_load_issues_valid_unique_ulns_recorded_in_allocated_uln_and_audits_once():
    batches = []
    loaded = learners_bulk_load(
        records=iter(people(23)),
        batch_size=5,
        source="test",
        on_batch=lambda count, ulns: batches.append((count, list(ulns))),
    )
    assert loaded == 23
    ulns = list(Learner.objects.values_list("uln", flat=True))
    assert len(ulns) == len(set(ulns)) == 23
    assert all(uln_rules.is_valid(u) for u in ulns)
    allocated = AllocatedUln.objects.filter(uln__in=ulns)
    assert allocated.count() == 23
    assert set(allocated.values_list("purpose", flat=True)) == {"bulk_load"}
    assert [count for count, _ in batches] == [5, 10, 15, 20, 23]
    assert sorted(u for _, batch in batches for u in batch) == sorted(ulns)
    entry = AuditEntry.objects.get(action="learner.bulk_load")
    assert entry.detail["count"] == 23
    assert entry.detail["source"] == "test"
    assert AuditEntry.objects.count() == 1


def test_a_drawn_uln_that_was_already_issued_is_redrawn_instead_of_failing_the_load(
    monkeypatch,
):
    learners_bulk_load(records=[person()])
    taken = Learner.objects.get().uln
    real = uln_rules.random_ulns
    calls = []

    def draws_the_taken_one_first(count):
        calls.append(count)
        if len(calls) == 1:
            yield taken
            count -= 1
        yield from real(count)

    monkeypatch.setattr(uln_rules, "random_ulns", draws_the_taken_one_first)
    assert learners_bulk_load(records=people(3), batch_size=3) == 3
    assert calls == [3, 1]
    ulns = list(Learner.objects.values_list("uln", flat=True))
    assert len(ulns) == len(set(ulns)) == 4
    assert AllocatedUln.objects.count() == 4


def test_an_invalid_record_names_itself_and_leaves_the_register_unchanged():
    records = [person(), person(given_name="Noah", last_known_postcode="not a postcode")]
    with pytest.raises(LearnerError) as refused:
        learners_bulk_load(records=records)
    assert refused.value.message.startswith("Record 2: last_known_postcode")
    assert not Learner.objects.exists()
    assert not AllocatedUln.objects.exists()
    assert not AuditEntry.objects.filter(action="learner.bulk_load").exists()


def test_a_missing_mandatory_field_is_refused_but_the_age_limit_is_not_applied():
    with pytest.raises(LearnerError) as refused:
        learners_bulk_load(records=[person(verification_type=None)])
    assert refused.value.problems[0].field == "verification_type"
    # A learner migrated from an old register may now be older than a new ULN allows.
    assert learners_bulk_load(records=[person(date_of_birth="1910-01-01")]) == 1


def test_an_actor_who_may_not_register_learners_may_not_bulk_load_them():
    viewer = make_user(make_organisation(), Role.VIEW_LEARNER_ONLY)
    with pytest.raises(NotPermitted):
        learners_bulk_load(records=[person()], actor=viewer)
    assert not Learner.objects.exists()


def test_generate_loads_learners_and_writes_queries_whose_true_ulns_are_registered(
    tmp_path, online_user
):
    path = tmp_path / "queries.jsonl"
    out = io.StringIO()
    call_command("generate", learners=200, queries=50, queries_file=path, stdout=out)
    assert "Loaded 200 learners" in out.getvalue()
    assert Learner.objects.count() == 200
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 50
    true_ulns = {line["true_uln"] for line in lines} - {None}
    assert true_ulns
    assert Learner.objects.filter(uln__in=true_ulns).count() == len(true_ulns)
    assert {line["kind"] for line in lines} <= {
        *QUERY_KINDS,
        "absent_twin",
        "absent_relative",
        "absent_stranger",
    }
    clean = [line for line in lines if line["kind"] == "clean"]
    for line in clean:
        found = learner_find(actor=online_user, data=line["query"])
        assert [c.uln for c in found.candidates][:1] == [line["true_uln"]]


def test_generate_refuses_queries_without_a_file_and_has_help():
    with pytest.raises(CommandError, match="go together"):
        call_command("generate", learners=10, queries=5)
    parser = load_command_class("lrs.learners", "generate").create_parser("lrs", "generate")
    assert "--queries-file" in parser.format_help()
