import csv
import io

import pytest

from lrs.audit.models import AuditEntry
from lrs.batches.models import BatchRow
from lrs.batches.processing import process
from lrs.batches.selectors import batch_exceptions, batch_output
from lrs.batches.services import batch_exception_resolve, batch_submit
from lrs.batchfiles.return_codes import ReturnCode as RC
from lrs.core.errors import Conflict, NotPermitted, ValidationFailed
from lrs.learners.models import Learner
from lrs.learners.services import learner_register
from tests.factories import batch_record, batch_upload, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def exception_batch(batch_user):
    """A processed batch whose row 2 is a possible match (RC007) for an existing learner."""
    existing = learner_register(actor=batch_user, data=batch_record(2).learner_data()).learner
    records = [batch_record(2, given_name="Anne", last_known_postcode="B15 2TT")]
    batch = batch_submit(
        actor=batch_user, upload=batch_upload(batch_user.organisation.ukprn, records)
    )
    process(batch.pk)
    batch.refresh_from_db()
    row = BatchRow.objects.get(batch=batch, row_number=2)
    assert row.return_code == RC.RC007
    return batch, existing


def resolve(user, batch, action, **kwargs):
    return batch_exception_resolve(actor=user, batch=batch, row_number=2, action=action, **kwargs)


def test_choosing_a_candidate_assigns_its_uln_rc014_and_moves_the_count(
    batch_user, exception_batch
):
    batch, existing = exception_batch
    row = resolve(batch_user, batch, "choose", uln=existing.uln)
    assert (row.return_code, row.uln, row.is_exception) == (RC.RC014, existing.uln, False)
    batch.refresh_from_db()
    assert (batch.possible_matches, batch.existing_learners) == (0, 1)
    assert AuditEntry.objects.filter(action="batch.resolve_exception").count() == 1


def test_only_a_listed_candidate_can_be_chosen(batch_user, exception_batch):
    batch, _ = exception_batch
    with pytest.raises(ValidationFailed):
        resolve(batch_user, batch, "choose", uln="9276308686")


def test_confirming_a_new_learner_needs_a_reason_then_issues_a_uln_rc015(
    batch_user, exception_batch
):
    batch, existing = exception_batch
    with pytest.raises(ValidationFailed, match="different person"):
        resolve(batch_user, batch, "new")
    row = resolve(batch_user, batch, "new", reason="Different person: checked passport")
    assert row.return_code == RC.RC015
    assert row.uln != existing.uln
    assert Learner.objects.count() == 2


def test_amending_the_details_matches_again_rc017(batch_user, exception_batch):
    batch, existing = exception_batch
    row = resolve(
        batch_user, batch, "amend", amended={"given_name": "Ann", "last_known_postcode": "CV4 9EE"}
    )
    assert (row.return_code, row.uln) == (RC.RC017, existing.uln)


def test_dismissing_issues_nothing_rc016_and_a_resolved_row_cannot_be_resolved_again(
    batch_user, exception_batch
):
    batch, _ = exception_batch
    assert resolve(batch_user, batch, "dismiss").return_code == RC.RC016
    with pytest.raises(Conflict):
        resolve(batch_user, batch, "dismiss")


def test_another_organisation_cannot_resolve_the_exceptions(exception_batch):
    batch, _ = exception_batch
    with pytest.raises(NotPermitted):
        resolve(make_user(role="batch_user"), batch, "dismiss")


def test_exceptions_are_listed_per_batch_and_across_the_organisation(batch_user, exception_batch):
    batch, _ = exception_batch
    assert [r.row_number for r in batch_exceptions(actor=batch_user, batch=batch)] == [2]
    assert batch_exceptions(actor=batch_user, return_code="RC008").count() == 0
    assert batch_exceptions(actor=make_user(role="batch_user")).count() == 0


def test_the_output_file_reflects_resolutions_and_neutralises_formulas(batch_user, exception_batch):
    batch, existing = exception_batch
    name, stream = batch_output(actor=batch_user, batch=batch)
    text = stream.read().decode("utf-8-sig")
    first = list(csv.DictReader(io.StringIO(text)))
    assert name.endswith("_OUTPUT.CSV")
    assert first[0]["ReturnCode"] == "RC007"
    assert existing.uln in text
    resolve(batch_user, batch, "choose", uln=existing.uln)
    _, stream = batch_output(actor=batch_user, batch=batch)
    rows = list(csv.DictReader(io.StringIO(stream.read().decode("utf-8-sig"))))
    assert (rows[0]["ReturnCode"], rows[0]["ULN"]) == ("RC014", existing.uln)


def test_a_formula_in_a_record_is_neutralised_in_the_output(batch_user):
    batch = batch_submit(
        actor=batch_user,
        upload=batch_upload(
            batch_user.organisation.ukprn, [batch_record(2, notes='=HYPERLINK("x")')]
        ),
    )
    process(batch.pk)
    batch.refresh_from_db()
    _, stream = batch_output(actor=batch_user, batch=batch)
    assert "'=HYPERLINK" in stream.read().decode("utf-8-sig")


@pytest.mark.parametrize("fmt", ["xml", "xlsx"])
def test_the_output_can_be_had_in_every_format(batch_user, exception_batch, fmt):
    batch, _ = exception_batch
    name, stream = batch_output(actor=batch_user, batch=batch, fmt=fmt)
    assert name.endswith(f"_OUTPUT.{fmt.upper()}")
    assert stream.read(4)
