"""A learner reports a wrong event (the service desk raises a challenge on their behalf
and they follow it) or wrong details; someone without One Login asks for a paper copy,
the desk checks the proof and emails a one-time link to the PDF."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from lrs.audit.models import AuditEntry
from lrs.challenges.models import Challenge
from lrs.challenges.services import challenge_acknowledge
from lrs.learnerportal.models import LearnerReport, PaperRequest, PlrDocument
from tests.factories import OLIVIA
from tests.learnerportal.helpers import pdf_text, run_queued_emails
from tests.portal.helpers import sign_in_as, text_of
from tests.upload_samples import PROGRAM

pytestmark = pytest.mark.django_db


def test_a_reported_event_becomes_a_challenge_the_learner_follows(
    learner_client, client, identity, olivia, olivia_events, desk_user, ao_user
):
    maths = olivia_events[0]
    sent = learner_client.post(
        f"/learner/reports/event/{maths.public_id}",
        {"explanation": "I was awarded grade 8, not 7"},
    )
    report = LearnerReport.objects.get()
    assert sent["Location"] == f"/learner/reports/{report.reference}/"
    assert report.event == maths
    assert report.kind == "event"
    run_queued_emails()
    assert [m.to for m in mail.outbox] == [["servicedesk@lrs.invalid"]]
    assert "grade 8" not in mail.outbox[0].body
    mail.outbox.clear()

    from django.test import Client

    desk = sign_in_as(Client(), desk_user)
    queue = text_of(desk.get("/service-desk/learners/"))
    assert report.reference in queue
    raised = desk.post(
        f"/service-desk/learners/reports/{report.reference}/challenge",
        {"type": "incorrect_details", "grade": "8", "explanation": "The learner says 8"},
    )
    assert raised.status_code == 302, text_of(raised)
    challenge = Challenge.objects.get()
    assert challenge.event == maths
    assert challenge.raising_organisation == desk_user.organisation
    assert challenge.contact_email == "olivia@example.com"
    report.refresh_from_db()
    assert report.status == "challenge_raised"
    assert report.challenge == challenge

    challenge_acknowledge(actor=ao_user, challenge=challenge)
    page = text_of(learner_client.get(f"/learner/reports/{report.reference}/"))
    assert "Challenge acknowledged" in page
    run_queued_emails()
    to_learner = [m for m in mail.outbox if m.to == ["olivia@example.com"]]
    assert to_learner, [m.to for m in mail.outbox]
    for message in to_learner:
        for personal in ("Olivia", "Thornbury", olivia.uln, "Mathematics"):
            assert personal not in message.subject + message.body


def test_a_report_about_details_is_answered_by_the_desk(
    learner_client, identity, olivia, desk_user
):
    learner_client.post("/learner/reports/details", {"explanation": "My surname is misspelt"})
    report = LearnerReport.objects.get()
    from django.test import Client

    desk = sign_in_as(Client(), desk_user)
    response = desk.post(
        f"/service-desk/learners/reports/{report.reference}/decide",
        {"status": "resolved", "outcome": "We asked your college to correct it"},
    )
    assert response.status_code == 302
    text = text_of(learner_client.get(f"/learner/reports/{report.reference}/"))
    assert "Resolved" in text
    assert "asked your college" in text
    assert AuditEntry.objects.filter(action="learner_report.resolved").exists()


def test_a_report_must_say_what_is_wrong(learner_client, olivia_events):
    response = learner_client.post(f"/learner/reports/event/{olivia_events[0].public_id}", {})
    assert "Tell us what is wrong" in text_of(response)
    assert not LearnerReport.objects.exists()


def paper_request(**overrides: Any) -> dict[str, Any]:
    """The request-a-copy form as Olivia fills it in."""
    return {
        "given_name": OLIVIA["given_name"],
        "family_name": OLIVIA["family_name"],
        "date_of_birth_day": "14",
        "date_of_birth_month": "3",
        "date_of_birth_year": "2006",
        "postcode": OLIVIA["last_known_postcode"],
        "email": "olivia.home@example.com",
        **overrides,
    }


def _proof() -> SimpleUploadedFile:
    return SimpleUploadedFile("passport.pdf", b"%PDF-1.4 proof", content_type="application/pdf")


def test_the_paper_route_from_request_to_a_one_time_pdf(client, olivia, olivia_events, desk_user):
    response = client.post(
        "/request-a-copy/",
        paper_request(postcode="cv49ee", evidence=[_proof()]),
    )
    assert response.status_code == 302, text_of(response)
    paper = PaperRequest.objects.get()
    assert paper.postcode == "CV4 9EE"
    assert paper.evidence.count() == 1
    from django.test import Client

    desk = sign_in_as(Client(), desk_user)
    page = text_of(desk.get(f"/service-desk/learners/copies/{paper.reference}/"))
    assert olivia.uln in page  # the find found her
    mail.outbox.clear()
    sent = desk.post(f"/service-desk/learners/copies/{paper.reference}/send", {"uln": olivia.uln})
    assert sent.status_code == 302
    run_queued_emails()
    message = next(m for m in mail.outbox if "/copy/" in m.body)
    assert message.to == ["olivia.home@example.com"]
    assert "Thornbury" not in message.body
    assert olivia.uln not in message.body
    link = re.search(r"http://testserver(/copy/[^/\s]+/)", message.body).group(1)
    assert "Download your learning record" in text_of(client.get(link))
    downloaded = client.post(link)
    assert downloaded["Content-Type"] == "application/pdf"
    assert "Olivia Thornbury" in pdf_text(downloaded.content)
    assert PlrDocument.objects.get().issued_through == "paper"
    # Once only.
    again = client.post(link)
    assert again.status_code == 404
    assert client.get(link).status_code == 404


def test_a_paper_request_needs_proof_and_can_be_refused(client, desk_user):
    response = client.post(
        "/request-a-copy/",
        paper_request(),
    )
    assert "Attach proof of your identity" in text_of(response)
    assert not PaperRequest.objects.exists()
    client.post(
        "/request-a-copy/",
        paper_request(evidence=[_proof()]),
    )
    paper = PaperRequest.objects.get()
    from django.test import Client

    desk = sign_in_as(Client(), desk_user)
    desk.post(
        f"/service-desk/learners/copies/{paper.reference}/refuse",
        {"reason": "The passport photo cannot be read"},
    )
    paper.refresh_from_db()
    assert paper.status == "refused"


def test_proof_whose_content_is_not_a_document_or_picture_is_refused(client, settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path
    disguised = SimpleUploadedFile("passport.jpg", PROGRAM, content_type="image/jpeg")
    response = client.post(
        "/request-a-copy/",
        paper_request(postcode="cv49ee", evidence=[disguised]),
    )
    assert response.status_code == 200
    assert (
        "passport.jpg must be a PDF, PNG, JPEG or plain text file: it says it is a JPEG image, "
        "but its content is not"
    ) in text_of(response)
    assert not PaperRequest.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
