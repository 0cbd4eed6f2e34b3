"""The learner's record on a page that works at any width, and as a tagged PDF/UA with a
reference anyone can check."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from lrs.audit.models import AuditEntry
from lrs.learnerportal import services
from lrs.learnerportal.models import PlrDocument
from tests.learnerportal.helpers import pdf_text
from tests.portal.helpers import text_of

pytestmark = pytest.mark.django_db


def test_the_record_page_lists_every_event_newest_first_with_its_details(
    learner_client, olivia, olivia_events
):
    text = text_of(learner_client.get("/learner/record/"))
    assert olivia.uln in text
    assert text.index("Mathematics") < text.index("English Language")  # 25 then 24 August
    for detail in ("Meridian Awards", "Level 1/2", "25 August 2022", "Final"):
        assert detail in text


def test_the_pdf_is_tagged_pdf_ua_and_says_what_the_record_says(
    learner_client, olivia, olivia_events
):
    response = learner_client.post("/learner/record/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    document = PlrDocument.objects.get()
    assert document.reference in response["Content-Disposition"]
    text = pdf_text(response.content)
    for expected in (
        "Personal Learning Record",
        "Olivia Thornbury",
        olivia.uln,
        "GCSE (9 to 1) in Mathematics",
        "English Language",
        "Meridian Awards",
        document.reference,
        "/check/",
    ):
        assert expected in text, expected
    reader = PdfReader(io.BytesIO(response.content))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog  # tagged
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "en-GB"
    assert b"pdfuaid" in catalog["/Metadata"].get_object().get_data()  # declares PDF/UA
    assert AuditEntry.objects.filter(action="plr_document.issue", object_id=olivia.uln).exists()


def test_anyone_checks_a_pdf_by_its_reference_and_sees_what_was_issued(
    client, identity, olivia, olivia_events, ao_user
):
    document, _ = services.plr_document_issue(learner=olivia, issued_through="learner")
    from lrs.records.services import event_withdraw

    event_withdraw(actor=ao_user, event=olivia_events[0], reason="In error")
    response = client.post("/check/", {"reference": document.reference.lower().replace("-", " ")})
    text = text_of(response)
    assert "This is a genuine record" in text
    assert "Olivia Thornbury" in text
    # What the PDF said when it was issued, even though the record has changed since.
    assert "Mathematics" in text
    checks = AuditEntry.objects.filter(action="plr_document.check", object_id=olivia.uln)
    assert checks.count() == 1


def test_a_wrong_reference_says_so_and_reveals_nothing(client, identity, olivia, olivia_events):
    services.plr_document_issue(learner=olivia, issued_through="learner")
    response = client.post("/check/", {"reference": "LRS-AAAA-BBBB-CCCC"})
    text = text_of(response)
    assert "No record has this reference" in text
    assert "Thornbury" not in text
    assert AuditEntry.objects.filter(action="plr_document.check", outcome="refused").count() == 1
