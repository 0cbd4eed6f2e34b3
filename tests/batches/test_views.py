"""The portal's batch file pages through the test client, on the real database: upload,
progress, output, exceptions and their resolution, and checking a file without sending it.
The worker does not run in tests, so each test processes its batch itself."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import load_workbook

from lrs.access import OrganisationType, Role
from lrs.batches.models import Batch, BatchRow, BatchStatus
from lrs.batches.processing import process
from lrs.batchfiles.return_codes import ReturnCode as RC
from lrs.learners.models import Learner
from lrs.learners.services import learner_register
from tests.factories import batch_record, batch_upload, make_organisation, make_user, verify_record
from tests.portal.helpers import error_summary_links, sign_in_as, text_of, title

pytestmark = pytest.mark.django_db


def _newest() -> Batch:
    return Batch.objects.order_by("-created_at", "-id").first()


def _upload_and_process(client, user, records, **kwargs) -> Batch:
    response = client.post(
        "/batches/upload/", {"file": batch_upload(user.organisation.ukprn, records, **kwargs)}
    )
    batch = _newest()
    assert response.status_code == 302
    assert response["Location"] == f"/batches/{batch.public_id}/"
    process(batch.pk)
    batch.refresh_from_db()
    return batch


def _download(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def signed_in(client, batch_user):
    return sign_in_as(client, batch_user)


@pytest.fixture
def exception_batch(signed_in, batch_user):
    """A processed batch: row 2 new (RC001), row 3 a possible match (RC007) for a learner
    already registered."""
    existing = learner_register(actor=batch_user, data=batch_record(3).learner_data()).learner
    batch = _upload_and_process(
        signed_in,
        batch_user,
        [
            batch_record(2, given_name="Zed", family_name="Newperson", date_of_birth="1999-01-02"),
            batch_record(3, given_name="Anne", last_known_postcode="B15 2TT"),
        ],
    )
    codes = dict(BatchRow.objects.filter(batch=batch).values_list("row_number", "return_code"))
    assert codes == {2: RC.RC001, 3: RC.RC007}
    return batch, existing


def _resolve_url(batch: Batch, row: int = 3) -> str:
    return f"/batches/{batch.public_id}/exceptions/{row}/"


# --- Upload, the batch page and the output file --------------------------------------


def test_the_upload_page_uses_a_gov_uk_file_upload_and_an_empty_post_asks_for_a_file(signed_in):
    page = signed_in.get("/batches/upload/")
    assert page.status_code == 200
    html = page.content.decode()
    assert title("Upload a batch file") in html
    assert 'enctype="multipart/form-data"' in html
    assert 'class="govuk-file-upload" id="file" name="file" type="file"' in html

    response = signed_in.post("/batches/upload/", {})
    assert response.status_code == 200
    assert error_summary_links(response) == [("#file", "Select a batch file")]
    assert Batch.objects.count() == 0


def test_a_file_with_a_wrong_name_is_refused_on_the_upload_page(signed_in, batch_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = signed_in.post(
        "/batches/upload/", {"file": SimpleUploadedFile("learners.pdf", b"%PDF-1.4")}
    )
    assert response.status_code == 200
    [(href, text)] = error_summary_links(response)
    assert href == "#file"
    assert "CSV" in text
    assert Batch.objects.count() == 0


def test_an_uploaded_file_is_processed_and_its_page_shows_the_counts_and_three_outputs(
    signed_in, batch_user
):
    existing = learner_register(actor=batch_user, data=batch_record(3).learner_data()).learner
    batch = _upload_and_process(
        signed_in,
        batch_user,
        [
            batch_record(2, given_name="Zed", family_name="Newperson", date_of_birth="1999-01-02"),
            batch_record(3),
            batch_record(4, given_name=""),
        ],
    )
    assert batch.status == BatchStatus.COMPLETE

    response = signed_in.get(f"/batches/{batch.public_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert title(batch.file_name) in html
    assert '<strong class="govuk-tag govuk-tag--green">Complete</strong>' in html
    assert "New learners 1" in text
    assert "Existing or updated learners 1" in text
    assert "Possible matches 0" in text
    assert "Rejected 1" in text
    assert "<progress" not in html
    assert "progress.js" not in html

    for fmt in ("csv", "xml", "xlsx"):
        assert f'href="/batches/{batch.public_id}/output.{fmt}"' in html
        output = signed_in.get(f"/batches/{batch.public_id}/output.{fmt}")
        assert output.status_code == 200
        assert "attachment" in output["Content-Disposition"]
        assert f"_OUTPUT.{fmt.upper()}" in output["Content-Disposition"]
        body = _download(output)
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
            assert "ReturnCode" in rows[0]
            assert [row["ReturnCode"] for row in rows] == ["RC001", "RC002", "RC006"]
            assert rows[1]["ULN"] == existing.uln
        elif fmt == "xml":
            assert b"RC002" in body
            assert existing.uln.encode() in body
        else:
            sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
            values = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v]
            assert "ReturnCode" in values
            assert "RC001" in values

    assert signed_in.get(f"/batches/{batch.public_id}/output.pdf").status_code == 404


def test_a_batch_still_queued_shows_a_progress_bar_that_polls_and_a_refresh_link(
    signed_in, batch_user
):
    signed_in.post(
        "/batches/upload/", {"file": batch_upload(batch_user.organisation.ukprn, [batch_record(2)])}
    )
    batch = _newest()
    response = signed_in.get(f"/batches/{batch.public_id}/")
    html = response.content.decode()
    assert '<strong class="govuk-tag govuk-tag--grey">Queued</strong>' in html
    assert '<progress class="govuk-!-width-full" id="batch-progress"' in html
    assert 'aria-live="polite"' in html
    assert f'data-progress-url="/batches/{batch.public_id}/progress.json"' in html
    assert '<script type="module" src="/static/filejobs/progress.js">' in html
    assert (
        f'<a class="govuk-link" href="/batches/{batch.public_id}/">Refresh this page</a> to see '
        "the latest progress" in html
    )
    # Without the script nothing updates the page, so it never says it updates itself (the
    # script says so instead of asking for a refresh).
    assert "updates itself" not in html
    # No output until the batch is complete.
    assert "output.csv" not in html
    assert signed_in.get(f"/batches/{batch.public_id}/output.csv").status_code == 404
    # The script is served.
    assert signed_in.get("/static/filejobs/progress.js").status_code == 200


def test_progress_json_reports_status_progress_and_counts(signed_in, batch_user):
    signed_in.post(
        "/batches/upload/",
        {
            "file": batch_upload(
                batch_user.organisation.ukprn, [batch_record(2), batch_record(3, given_name="")]
            )
        },
    )
    batch = _newest()
    url = f"/batches/{batch.public_id}/progress.json"
    before = signed_in.get(url)
    assert before.status_code == 200
    assert before["Content-Type"] == "application/json"
    assert "no-cache" in before["Cache-Control"] or "no-store" in before["Cache-Control"]
    assert json.loads(before.content)["status"] == "queued"

    process(batch.pk)
    after = json.loads(signed_in.get(url).content)
    assert after == {
        "status": "complete",
        "finished": True,
        "processed": 2,
        "total": 2,
        "progress": "Complete",
        "counts": {
            "new": 1,
            "existing_or_updated": 0,
            "possible_match": 0,
            "not_found": 0,
            "rejected": 1,
        },
    }


def test_uploading_the_same_file_again_asks_to_confirm_and_keeps_the_file(signed_in, batch_user):
    """A repeat is a question, not an error that makes you choose the file again: the
    file is kept while you decide."""
    records = [batch_record(2)]
    ukprn = batch_user.organisation.ukprn
    signed_in.post("/batches/upload/", {"file": batch_upload(ukprn, records)})
    assert Batch.objects.count() == 1

    again = signed_in.post("/batches/upload/", {"file": batch_upload(ukprn, records)})
    assert again.status_code == 302
    assert again["Location"] == "/batches/upload/again/"
    assert Batch.objects.count() == 1
    question = signed_in.get("/batches/upload/again/")
    html = question.content.decode()
    assert title("You have uploaded this file before") in html
    assert "so you do not need to choose it again" in text_of(question)
    assert 'type="file"' not in html
    assert "govuk-error-summary" not in html

    unanswered = signed_in.post("/batches/upload/again/", {})
    assert error_summary_links(unanswered) == [
        ("#again", "Select yes if you want to process this file again")
    ]
    confirmed = signed_in.post("/batches/upload/again/", {"again": "yes"})
    assert confirmed.status_code == 302
    assert Batch.objects.count() == 2
    second = _newest()
    assert confirmed["Location"] == f"/batches/{second.public_id}/"
    assert (Path(settings.LRS_UPLOADS_DIR) / second.stored_path).is_file()
    # The question has been answered: it is not asked again.
    assert signed_in.get("/batches/upload/again/")["Location"] == "/batches/upload/"


def test_deciding_not_to_process_a_repeated_file_keeps_nothing_of_it(signed_in, batch_user):
    records = [batch_record(2)]
    ukprn = batch_user.organisation.ukprn
    signed_in.post("/batches/upload/", {"file": batch_upload(ukprn, records)})
    signed_in.post("/batches/upload/", {"file": batch_upload(ukprn, records)})
    pending = Path(settings.LRS_UPLOADS_DIR) / "pending"
    assert len(list(pending.iterdir())) == 1
    declined = signed_in.post("/batches/upload/again/", {"again": "no"})
    assert declined["Location"] == "/batches/"
    assert Batch.objects.count() == 1
    assert list(pending.iterdir()) == []
    assert "was not processed again" in text_of(signed_in.get("/batches/"))


def test_a_file_name_with_an_impossible_date_is_refused_at_upload_not_seconds_later(
    signed_in, batch_user
):
    ukprn = batch_user.organisation.ukprn
    bad = batch_upload(ukprn, [batch_record(2)])
    bad.name = f"LRB_{ukprn}_310220241030.CSV"  # 31 February
    response = signed_in.post("/batches/upload/", {"file": bad})
    assert response.status_code == 200
    assert Batch.objects.count() == 0
    [(href, message)] = error_summary_links(response)
    assert href == "#file"
    assert "'310220241030' in the file name is not a real date and time" in message
    assert "uploaded" not in text_of(response)


def test_a_refused_file_shows_the_reason_and_every_problem_with_row_field_and_code(
    signed_in, batch_user
):
    batch = _upload_and_process(signed_in, batch_user, [batch_record(2), batch_record(3)], count=5)
    assert batch.status == BatchStatus.FAILED
    response = signed_in.get(f"/batches/{batch.public_id}/")
    html = response.content.decode()
    text = text_of(response)
    assert '<strong class="govuk-tag govuk-tag--red">Failed</strong>' in html
    assert "The file was refused" in text
    assert batch.failure_reason in text
    assert 'id="file-problems"' in html
    assert "WSRC0017" in text
    assert "LearnerRecordCount" in text
    assert "output.csv" not in html


# --- Exceptions ------------------------------------------------------------------------


def test_the_exceptions_of_a_batch_are_listed_with_code_name_and_a_resolve_link(
    signed_in, exception_batch
):
    batch, _ = exception_batch
    detail = signed_in.get(f"/batches/{batch.public_id}/")
    assert f'href="/batches/{batch.public_id}/exceptions/?return_code=RC007"' in (
        detail.content.decode()
    )

    response = signed_in.get(f"/batches/{batch.public_id}/exceptions/")
    assert response.status_code == 200
    text = text_of(response)
    assert "RC007 Possible matches: a person must choose" in text
    assert "Anne Example" in text
    assert "S00003" in text
    assert "Zed" not in text
    assert f'href="{_resolve_url(batch)}"' in response.content.decode()


def test_the_exceptions_filter_takes_only_a_return_code_and_refuses_unknown_ones(
    signed_in, exception_batch, batch_user
):
    batch, _ = exception_batch
    base = f"/batches/{batch.public_id}/exceptions/"
    assert "Anne Example" in text_of(signed_in.get(base, {"return_code": "RC007"}))
    filtered = text_of(signed_in.get(base, {"return_code": "RC008"}))
    assert "There are no open exceptions with return code RC008" in filtered
    wrong = signed_in.get(base, {"return_code": "RC001"})
    assert error_summary_links(wrong) == [("#return_code", "Select a return code from the list")]

    across = signed_in.get("/batches/exceptions/", {"return_code": "RC007"})
    assert across.status_code == 200
    assert "Anne Example" in text_of(across)
    assert batch.file_name in text_of(across)
    # Another organisation's batch user sees none of them.
    other = make_user(make_organisation(), Role.BATCH_USER)
    signed_in.force_login(other, backend="lrs.users.backends.OrganisationAwareBackend")
    assert "Anne Example" not in text_of(signed_in.get("/batches/exceptions/"))


def test_the_resolve_page_shows_the_record_the_candidate_with_score_and_the_four_decisions(
    signed_in, exception_batch
):
    batch, existing = exception_batch
    response = signed_in.get(_resolve_url(batch))
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert title(f"Resolve row 3 of {batch.file_name}") in html
    assert "Resolve the exception for row 3" in text
    assert "Given name Anne" in text
    assert "Postcode B15 2TT" in text
    assert f'id="candidate-{existing.uln}"' in html
    assert "Match score" in text
    assert "How the details compare" in text
    for value in ("choose", "new", "amend", "dismiss"):
        assert f'name="action" type="radio" value="{value}"' in html
    assert f'name="uln" type="radio" value="{existing.uln}"' in html
    # The amend form is filled in from the row.
    assert 'id="given_name" name="given_name" type="text" value="Anne"' in html
    assert 'value="2001-04-03"' in html


def test_choosing_the_candidate_resolves_the_row_rc014_with_a_banner(signed_in, exception_batch):
    batch, existing = exception_batch
    response = signed_in.post(
        _resolve_url(batch), {"action": "choose", "uln": existing.uln}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/batches/{batch.public_id}/exceptions/"
    assert f"Row 3 resolved: it is the existing learner with ULN {existing.uln}" in text_of(
        response
    )
    assert "govuk-notification-banner--success" in response.content.decode()
    row = BatchRow.objects.get(batch=batch, row_number=3)
    assert (row.return_code, row.uln, row.is_exception) == (RC.RC014, existing.uln, False)
    batch.refresh_from_db()
    assert batch.possible_matches == 0
    # Resolved: the page no longer offers it.
    again = signed_in.get(_resolve_url(batch), follow=True)
    assert "Row 3 has no open exception" in text_of(again)


def test_choosing_without_a_candidate_selected_is_an_error_on_the_uln_radios(
    signed_in, exception_batch
):
    batch, _ = exception_batch
    response = signed_in.post(_resolve_url(batch), {"action": "choose"})
    assert response.status_code == 200
    assert error_summary_links(response) == [
        ("#uln", "Choose one of the candidate ULNs listed for this row")
    ]
    # The choice stays revealed.
    assert 'value="choose" checked' in response.content.decode()


def test_no_decision_at_all_is_an_error_on_the_action(signed_in, exception_batch):
    batch, _ = exception_batch
    response = signed_in.post(_resolve_url(batch), {})
    assert error_summary_links(response) == [("#action", "Select what to do with this record")]


def test_a_new_learner_needs_a_reason_then_gets_a_new_uln_rc015(signed_in, exception_batch):
    batch, existing = exception_batch
    missing = signed_in.post(_resolve_url(batch), {"action": "new", "new_reason": "  "})
    assert missing.status_code == 200
    assert error_summary_links(missing) == [
        ("#new_reason", "Say why this is a different person from the candidates")
    ]
    assert BatchRow.objects.get(batch=batch, row_number=3).is_exception

    done = signed_in.post(
        _resolve_url(batch),
        {"action": "new", "new_reason": "Checked with the learner: a different Anne"},
        follow=True,
    )
    row = BatchRow.objects.get(batch=batch, row_number=3)
    assert row.return_code == RC.RC015
    assert row.uln
    assert row.uln != existing.uln
    assert row.resolution_reason == "Checked with the learner: a different Anne"
    assert f"Row 3 resolved: a new learner was registered with ULN {row.uln}" in text_of(done)


def test_amending_the_details_matches_again_rc017(signed_in, exception_batch):
    batch, existing = exception_batch
    form = {
        "action": "amend",
        "given_name": "Ann",
        "family_name": "Example",
        "date_of_birth": "2001-04-03",
        "gender": "2",
        "last_known_postcode": "CV4 9EE",
        "previous_family_name": "",
    }
    done = signed_in.post(_resolve_url(batch), form, follow=True)
    row = BatchRow.objects.get(batch=batch, row_number=3)
    assert (row.return_code, row.uln) == (RC.RC017, existing.uln)
    assert row.data["given_name"] == "Ann"
    assert f"Row 3 resolved after amending: the learner's ULN is {existing.uln}" in text_of(done)


def test_amended_details_that_break_a_rule_are_shown_on_their_fields(signed_in, exception_batch):
    batch, _ = exception_batch
    response = signed_in.post(
        _resolve_url(batch),
        {
            "action": "amend",
            "given_name": "",
            "family_name": "Example",
            "date_of_birth": "03/04/2001",
            "gender": "2",
            "last_known_postcode": "CV4 9EE",
        },
    )
    assert response.status_code == 200
    links = error_summary_links(response)
    assert ("#given_name", "Enter the learner\N{RIGHT SINGLE QUOTATION MARK}s given name") in links
    fields = [href for href, _ in links]
    assert "#date_of_birth" in fields
    assert 'value="amend" checked' in response.content.decode()
    assert BatchRow.objects.get(batch=batch, row_number=3).is_exception


def test_dismissing_issues_no_uln_rc016(signed_in, exception_batch):
    batch, _ = exception_batch
    learners = Learner.objects.count()
    done = signed_in.post(
        _resolve_url(batch), {"action": "dismiss", "dismiss_reason": "Left the course"}, follow=True
    )
    row = BatchRow.objects.get(batch=batch, row_number=3)
    assert (row.return_code, row.uln, row.resolution_reason) == (RC.RC016, "", "Left the course")
    assert Learner.objects.count() == learners
    assert "Row 3 dismissed: no ULN was issued" in text_of(done)
    # The output file reflects the decision.
    output = signed_in.get(f"/batches/{batch.public_id}/output.csv")
    rows = list(csv.DictReader(io.StringIO(_download(output).decode("utf-8-sig"))))
    assert rows[1]["ReturnCode"] == "RC016"


# --- Checking a file without sending it ---------------------------------------------------


def test_checking_a_file_reports_every_problem_by_row_and_field_and_keeps_nothing(
    signed_in, batch_user, settings, tmp_path, monkeypatch
):
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    page = signed_in.get("/batches/validate/")
    assert page.status_code == 200
    assert title("Check a file without sending it") in page.content.decode()

    records = [
        batch_record(2),
        batch_record(3, given_name=""),
        batch_record(4, date_of_birth="03/04/2001"),
    ]
    response = signed_in.post(
        "/batches/validate/", {"file": batch_upload(batch_user.organisation.ukprn, records)}
    )
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert "2 records of 3 would be rejected" in text
    assert 'id="record-problems"' in html
    assert "GivenName" in text
    assert "DateOfBirth" in text
    assert "RC006 Insufficient data to create a ULN" in text
    assert "RC011 Incorrect format" in text
    assert "looks like DD/MM/YYYY" in text
    assert 'id="notes"' in html  # the Excel dates advice

    assert Batch.objects.count() == 0
    assert Learner.objects.count() == 0
    uploads = Path(settings.LRS_UPLOADS_DIR)
    assert not uploads.exists() or not any(uploads.iterdir())
    assert not any(scratch.iterdir())


def test_checking_another_organisations_file_says_the_whole_file_would_be_refused(signed_in):
    response = signed_in.post(
        "/batches/validate/", {"file": batch_upload("10099999", [batch_record(2)])}
    )
    text = text_of(response)
    assert "The whole file would be refused" in text
    assert "Problems with the file" in text
    assert Batch.objects.count() == 0


def test_a_valid_file_is_reported_ready_to_send(signed_in, batch_user):
    response = signed_in.post(
        "/batches/validate/",
        {"file": batch_upload(batch_user.organisation.ukprn, [batch_record(2)])},
    )
    assert "No problems found" in text_of(response)


# --- Who may see what -----------------------------------------------------------------


def test_the_batch_list_shows_the_organisations_batches_newest_first(signed_in, batch_user):
    first = _upload_and_process(signed_in, batch_user, [batch_record(2)])
    second = _upload_and_process(signed_in, batch_user, [batch_record(2), batch_record(3)], count=9)
    response = signed_in.get("/batches/")
    html = response.content.decode()
    assert title("Batch files") in html
    assert html.index(str(second.public_id)) < html.index(str(first.public_id))
    assert '<strong class="govuk-tag govuk-tag--red">Failed</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--green">Complete</strong>' in html
    assert 'href="/batches/upload/"' in html
    assert 'href="/batches/validate/">Check a file without sending it</a>' in html
    # The navigation and the home page lead here.
    assert 'href="/batches/" aria-current="page"' in html
    assert 'href="/batches/">Submit batch files</a>' in signed_in.get("/").content.decode()


def test_another_organisation_cannot_see_a_batch_or_its_pages(signed_in, exception_batch):
    batch, _ = exception_batch
    other = make_user(make_organisation(), Role.BATCH_USER)
    signed_in.force_login(other, backend="lrs.users.backends.OrganisationAwareBackend")
    for path in (
        f"/batches/{batch.public_id}/",
        f"/batches/{batch.public_id}/progress.json",
        f"/batches/{batch.public_id}/output.csv",
        f"/batches/{batch.public_id}/exceptions/",
        _resolve_url(batch),
    ):
        assert signed_in.get(path).status_code == 404, path
    assert signed_in.post(_resolve_url(batch), {"action": "dismiss"}).status_code == 404
    assert BatchRow.objects.get(batch=batch, row_number=3).is_exception
    assert batch.file_name not in signed_in.get("/batches/").content.decode()


def test_online_users_cannot_open_the_batch_pages(client):
    user = make_user(make_organisation(), Role.ONLINE_USER)
    sign_in_as(client, user)
    for path in ("/batches/", "/batches/upload/", "/batches/validate/", "/batches/exceptions/"):
        assert client.get(path).status_code == 403, path
    assert "Batch files" not in client.get("/").content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/batches/upload/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in")


def test_an_awarding_organisation_may_not_send_a_registration_batch(client):
    organisation = make_organisation(OrganisationType.AWARDING_ORGANISATION)
    user = make_user(organisation, Role.AWARDING_ORGANISATION_USER)
    sign_in_as(client, user)
    assert client.get("/batches/").status_code == 200
    response = client.post(
        "/batches/upload/", {"file": batch_upload(organisation.ukprn, [batch_record(2)])}
    )
    assert response.status_code == 200
    assert error_summary_links(response) == [("#file", "Your role may not submit batch files")]
    assert Batch.objects.count() == 0


def test_an_awarding_organisation_sends_a_verify_batch_and_sees_its_response_codes(client, ao_user):
    sign_in_as(client, ao_user)
    records = [verify_record(2, uln="9276308686", given_name="Ann", family_name="Example")]
    response = client.post(
        "/batches/upload/",
        {"file": batch_upload(ao_user.organisation.ukprn, records, prefix="LRV")},
    )
    assert response.status_code == 302
    batch = _newest()
    assert batch.kind == "LRV"
    process(batch.pk)
    page = client.get(f"/batches/{batch.public_id}/")
    text = text_of(page)
    assert "Verify batch" in text
    assert "ULN not found 1" in text
    assert "Possible matches" not in text
    output = client.get(f"/batches/{batch.public_id}/output.csv")
    assert b"WSVRC006" in _download(output)
    assert "Exceptions in all your batch files" not in text_of(client.get("/batches/"))
