"""Batch users start from a template: the layout as CSV or XLSX, with the file's own name
and the organisation's UKPRN already in it, and the upload page says what their UKPRN is."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from lrs.batches.models import Batch, BatchStatus
from lrs.batches.processing import process
from lrs.batchfiles.validation import check_file_name
from tests.portal.helpers import sign_in_as, text_of

pytestmark = pytest.mark.django_db


def download(client, path: str) -> tuple[str, bytes]:
    response = client.get(path)
    assert response.status_code == 200, path
    disposition = response["Content-Disposition"]
    [name] = re.findall(r'filename="([^"]+)"', disposition)
    return name, b"".join(response.streaming_content)


def test_the_upload_page_names_the_ukprn_and_offers_the_templates(client, batch_user):
    page = sign_in_as(client, batch_user).get("/batches/upload/")
    text = text_of(page)
    ukprn = batch_user.organisation.ukprn
    assert f"Your organisation\N{RIGHT SINGLE QUOTATION MARK}s UKPRN is {ukprn}" in text
    assert f"Name it LRB_{ukprn}_<DDMMYYYYHHMM>" in text
    html = page.content.decode()
    assert 'href="/batches/template/LRB.csv" download' in html
    assert 'href="/batches/template/LRB.xlsx" download' in html
    templates = html[html.index('id="templates"') :]
    assert "LRV" not in templates[: templates.index("</ul>")]


def test_the_csv_template_is_named_and_headed_for_the_organisation_and_works(client, batch_user):
    sign_in_as(client, batch_user)
    ukprn = batch_user.organisation.ukprn
    name, content = download(client, "/batches/template/LRB.csv")
    assert re.fullmatch(rf"LRB_{ukprn}_\d{{12}}\.CSV", name)
    assert check_file_name(name) == ([], [])
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["FileVersion", "FileName", "UKPRN", "LearnerRecordCount", "ULN"]
    assert rows[1][:4] == ["2A", name, ukprn, "0"]

    # Fill in one learner as the page says, and the file goes through.
    headings = rows[0]
    row = dict.fromkeys(headings, "") | dict(zip(headings, rows[1], strict=False))
    row |= {
        "LearnerRecordCount": "1",
        "MISIdentifier": "A1",
        "GivenName": "Ann",
        "FamilyName": "Example",
        "DateOfBirth": "2008-03-27",
        "Gender": "2",
        "LastKnownPostCode": "B15 2TT",
        "AbilityToShare": "1",
        "VerificationType": "1",
    }
    out = io.StringIO()
    csv.writer(out).writerows([headings, [row[h] for h in headings]])
    upload = io.BytesIO(out.getvalue().encode())
    upload.name = name
    response = client.post("/batches/upload/", {"file": upload})
    assert response.status_code == 302, text_of(response)
    batch = Batch.objects.get()
    process(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETE, batch.problems
    assert batch.new_learners == 1


def test_the_xlsx_template_has_the_headings_and_the_header(client, batch_user):
    sign_in_as(client, batch_user)
    name, content = download(client, "/batches/template/LRB.xlsx")
    assert name.endswith(".XLSX")
    sheet = load_workbook(io.BytesIO(content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(max_row=2)]
    assert rows[0][:3] == ["FileVersion", "FileName", "UKPRN"]
    assert [str(v) for v in rows[1][:3]] == ["2A", name, batch_user.organisation.ukprn]


def test_an_awarding_organisation_gets_the_verify_template_and_no_registration_one(client, ao_user):
    sign_in_as(client, ao_user)
    name, _ = download(client, "/batches/template/LRV.csv")
    assert name.startswith(f"LRV_{ao_user.organisation.ukprn}_")
    assert client.get("/batches/template/LRB.csv").status_code == 403
    assert client.get("/batches/template/LRB.pdf").status_code == 404
