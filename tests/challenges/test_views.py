"""The challenge pages through the Django test client: raising a challenge from the PLR
page, the queues of the raiser, the owner and the service desk with their filters and CSV,
every transition through the pages (and one the lifecycle refuses), evidence served only
to the parties, and the service desk's reports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lrs.access import OrganisationType, Role
from lrs.challenges import services
from lrs.challenges.models import Challenge
from lrs.learners.services import learner_register
from lrs.records.models import LearningEvent
from lrs.records.services import EventValues, event_create
from tests.factories import OLIVIA, make_organisation, make_user, raise_args
from tests.portal.helpers import error_summary_links, sign_in_as, text_of, title
from tests.records.helpers import plr_post
from tests.upload_samples import PROGRAM

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def raise_post(**overrides):
    base = {
        "type": "incorrect_details",
        "grade": "8",
        "achieved_date_day": "",
        "achieved_date_month": "",
        "achieved_date_year": "",
        "credits": "",
        "level": "",
        "language": "",
        "correct_uln": "",
        "provider_ukprn": "",
        "contact_name": "Priya Shah",
        "contact_telephone": "01234 567890",
        "contact_email": "exams@college.example",
        "explanation": "The certificate shows grade 8.",
    }
    return {**base, **overrides}


def raised(provider_user, event, **changes) -> Challenge:
    return services.challenge_raise(actor=provider_user, **raise_args(event, **changes))


def detail_url(challenge: Challenge, name: str = "challenge-detail") -> str:
    return reverse(f"portal:{name}", args=[challenge.reference])


def other_learner(actor):
    return learner_register(
        actor=actor,
        data={
            **OLIVIA,
            "given_name": "Marcus",
            "family_name": "Ashdown",
            "gender": "1",
            "last_known_postcode": "PE13 1AA",
        },
    ).learner


def test_the_url_names():
    assert reverse("portal:challenge-list") == "/challenges/"
    assert reverse("portal:challenge-start") == "/challenges/raise/"
    assert reverse("portal:challenge-export") == "/challenges/export.csv"
    assert reverse("portal:challenge-reports") == "/challenges/reports/"
    assert reverse("portal:challenge-report-csv") == "/challenges/reports/report.csv"
    assert reverse("portal:challenge-detail", args=["EDC-ABCD2345"]) == "/challenges/EDC-ABCD2345/"
    for name in ("raised", "acknowledge", "withdraw", "resolve"):
        assert reverse(f"portal:challenge-{name}", args=["EDC-A"]) == f"/challenges/EDC-A/{name}/"
    assert (
        reverse("portal:challenge-evidence", args=["EDC-A", 3]) == "/challenges/EDC-A/evidence/3/"
    )


# --- Raising ----------------------------------------------------------------------------


def test_a_provider_raises_a_challenge_from_the_plr_and_the_event_shows_under_challenge(
    client, provider_user, learner, event
):
    sign_in_as(client, provider_user)
    plr = client.post("/plr/", plr_post(learner)).content.decode()
    link = f'href="/challenges/raise/{event.public_id}/"'
    assert link in plr
    assert "Challenge this" in plr

    page = client.get(f"/challenges/raise/{event.public_id}/")
    assert page.status_code == 200
    assert title("Challenge a learning event") in page.content.decode()
    text = text_of(page)
    assert "GCSE (9 to 1) in Mathematics" in text
    assert "Grade 7" in text
    assert "10 working days to acknowledge" in text
    assert 'value="someone@example.com"' in page.content.decode()  # the user's email
    assert "10 MB" in text

    response = client.post(f"/challenges/raise/{event.public_id}/", raise_post())
    challenge = Challenge.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/challenges/{challenge.reference}/raised/"
    confirmation = client.get(response["Location"])
    text = text_of(confirmation)
    assert "Challenge sent" in text
    assert f"Your reference number {challenge.reference}" in text
    assert f"by {challenge.acknowledge_due.day} {challenge.acknowledge_due:%B %Y}" in text
    assert challenge.supplied_values == {"grade": "8"}
    assert challenge.contact_telephone == "01234 567890"

    assert "Under data challenge" in text_of(client.post("/plr/", plr_post(learner)))
    again = text_of(client.get(f"/challenges/raise/{event.public_id}/"))
    assert f"already challenged this learning event: challenge {challenge.reference}" in again


def test_the_raise_form_explains_every_mistake(client, provider_user, event):
    sign_in_as(client, provider_user)
    url = f"/challenges/raise/{event.public_id}/"
    response = client.post(url, {"type": "", "contact_email": "not an email"})
    assert response.status_code == 200
    assert title("Error: Challenge a learning event") in response.content.decode()
    assert error_summary_links(response) == [
        ("#type", "Select what is wrong with the learning event"),
        ("#contact_name", "Enter the name of the person to contact"),
        ("#contact_email", "Enter an email address in the correct format, like name@example.com"),
        ("#explanation", "Explain what is wrong with the learning event"),
    ]

    response = client.post(url, raise_post(grade=""))
    assert error_summary_links(response) == [("#grade", "Enter at least one value as it should be")]

    response = client.post(url, raise_post(type="duplicate_event"))
    assert error_summary_links(response) == [
        ("#type", "This learner has no other learning event for this one to duplicate")
    ]

    bad = SimpleUploadedFile("notes.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(url, {**raise_post(), "evidence": [bad]})
    assert error_summary_links(response) == [
        ("#evidence", "notes.exe must be a PDF, PNG, JPEG or plain text file")
    ]

    response = client.post(
        url, raise_post(type="not_this_learner", correct_uln="9999999999", grade="")
    )
    assert ("#correct_uln", "No learner has this ULN") in error_summary_links(response)
    assert not Challenge.objects.exists()


def test_a_duplicate_with_evidence_is_served_only_to_the_parties(
    client, provider_user, ao_user, desk_user, learner, gcse, event
):
    second = event_create(
        actor=ao_user,
        learner=learner,
        values=EventValues(qualification=gcse, grade="7", award_date=dt.date(2022, 8, 26)),
    )
    sign_in_as(client, provider_user)
    url = f"/challenges/raise/{event.public_id}/"
    page = client.get(url).content.decode()
    assert f'value="{second.public_id}"' in page  # the other event on the PLR, as a radio
    certificate = SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf")
    response = client.post(
        url,
        {
            **raise_post(type="duplicate_event", grade=""),
            "second_event_id": str(second.public_id),
            "evidence": [certificate],
        },
    )
    assert response.status_code == 302
    challenge = Challenge.objects.get()
    assert challenge.second_event == second
    evidence = challenge.evidence.get()
    page = client.get(detail_url(challenge))
    href = f"/challenges/{challenge.reference}/evidence/{evidence.pk}/"
    assert href in page.content.decode()
    assert "Duplicate of" in text_of(page)

    for user in (provider_user, ao_user, desk_user):
        sign_in_as(client, user)
        download = client.get(href)
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Disposition"].startswith("attachment")
        assert b"".join(download.streaming_content) == PDF

    other_ao = make_user(make_organisation(OrganisationType.AWARDING_ORGANISATION))
    other_provider = make_user(make_organisation(OrganisationType.SCHOOL), Role.ONLINE_USER)
    for user in (other_ao, other_provider):
        sign_in_as(client, user)
        assert client.get(href).status_code == 404
        assert client.get(detail_url(challenge)).status_code == 404
    sign_in_as(client, provider_user)
    assert client.get(f"/challenges/{challenge.reference}/evidence/999/").status_code == 404
    client.logout()
    assert client.get(href).status_code == 302  # to sign in


def test_the_raiser_adds_evidence_while_the_challenge_is_open(client, provider_user, event):
    challenge = raised(provider_user, event)
    sign_in_as(client, provider_user)
    note = SimpleUploadedFile("letter.txt", b"Grade 8 confirmed", content_type="text/plain")
    response = client.post(
        detail_url(challenge, "challenge-evidence-add"), {"evidence": [note]}, follow=True
    )
    assert "Evidence added: letter.txt" in text_of(response)
    assert challenge.evidence.get().original_name == "letter.txt"
    response = client.post(detail_url(challenge, "challenge-evidence-add"), {})
    assert error_summary_links(response) == [("#evidence", "Select a file")]


# --- Queues -----------------------------------------------------------------------------


def test_each_party_sees_its_own_queue_and_the_desk_sees_every_challenge(
    client, provider_user, ao_user, desk_user, event
):
    challenge = raised(provider_user, event)
    for user in (provider_user, ao_user, desk_user):
        page = sign_in_as(client, user).get("/challenges/")
        assert page.status_code == 200
        assert title("Challenges") in page.content.decode()
        assert challenge.reference in text_of(page)
        assert 'aria-current="page"' in page.content.decode()  # the navigation's "Challenges"
    strangers = [
        make_user(make_organisation(OrganisationType.AWARDING_ORGANISATION)),
        make_user(make_organisation(OrganisationType.SCHOOL), Role.ONLINE_USER),
    ]
    for user in strangers:
        page = sign_in_as(client, user).get("/challenges/")
        assert challenge.reference not in text_of(page)
    viewer = make_user(make_organisation(OrganisationType.SCHOOL), Role.VIEW_LEARNER_ONLY)
    assert sign_in_as(client, viewer).get("/challenges/").status_code == 403
    assert ">Challenges<" not in client.get("/").content.decode()


def test_the_queue_filters_by_status_type_owner_and_overdue(
    client, provider_user, ao_user, desk_user, ao, learner, gcse, event
):
    first = raised(provider_user, event)
    second_event = event_create(
        actor=ao_user,
        learner=learner,
        values=EventValues(qualification=gcse, grade="5", award_date=dt.date(2021, 8, 20)),
    )
    second = raised(provider_user, second_event, type="not_achieved", supplied_values={})
    services.challenge_acknowledge(actor=ao_user, challenge=second)
    Challenge.objects.filter(pk=first.pk).update(acknowledge_due=dt.date(2020, 1, 6))
    sign_in_as(client, desk_user)

    def shown(**query) -> set[str]:
        text = text_of(client.get("/challenges/", query))
        return {ref for ref in (first.reference, second.reference) if ref in text}

    assert shown() == {first.reference, second.reference}
    assert shown(status="acknowledged") == {second.reference}
    assert shown(type="incorrect_details") == {first.reference}
    assert shown(owner=ao.ukprn) == {first.reference, second.reference}
    assert shown(overdue="on") == {first.reference}
    assert shown(status="withdrawn") == set()
    assert "No challenges match these filters" in text_of(
        client.get("/challenges/", {"status": "withdrawn"})
    )
    page = client.get("/challenges/", {"overdue": "on"}).content.decode()
    assert "Overdue</strong>" in page
    assert '<form method="get"' in page
    assert 'href="/challenges/export.csv?overdue=on"' in page

    export = client.get("/challenges/export.csv", {"type": "not_achieved"})
    assert export["Content-Type"].startswith("text/csv")
    assert "attachment" in export["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:3] == ["Reference", "Type", "Status"]
    assert [row[0] for row in rows[1:]] == [second.reference]
    assert rows[1][2] == "Acknowledged"
    assert learner.uln not in export.content.decode()  # no learner's details in the CSV


# --- Transitions ------------------------------------------------------------------------


def test_the_owner_acknowledges_then_amends_and_the_raiser_sees_the_change(
    client, provider_user, ao_user, learner, event
):
    challenge = raised(provider_user, event)
    sign_in_as(client, ao_user)
    page = client.get(detail_url(challenge))
    text = text_of(page)
    assert "Acknowledge challenge" in text
    assert "Resolve challenge" not in text  # only once acknowledged
    assert "Withdraw challenge" not in text
    assert "Challenge raised" in text  # the timeline

    response = client.post(
        detail_url(challenge, "challenge-acknowledge"), {"note": "Checking the certificate"}
    )
    assert response.status_code == 302
    text = text_of(client.get(detail_url(challenge)))
    assert f"You have acknowledged challenge {challenge.reference}" in text
    assert "Acknowledged" in text
    assert "Checking the certificate" in text
    assert "Acknowledge challenge" not in text

    form = client.get(detail_url(challenge, "challenge-resolve"))
    assert form.status_code == 200
    assert 'value="8"' in form.content.decode()  # the grade the raiser asked for
    response = client.post(detail_url(challenge, "challenge-resolve"), {"outcome": "amend"})
    assert error_summary_links(response) == [("#reason", "Enter the reason for your decision")]
    response = client.post(
        detail_url(challenge, "challenge-resolve"),
        {"outcome": "amend", "grade": "8", "reason": "The certificate was right"},
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.grade, event.under_data_challenge) == ("8", False)

    sign_in_as(client, provider_user)
    text = text_of(client.get(detail_url(challenge)))
    assert "Resolved" in text
    assert "Amend the learning event" in text
    assert "The certificate was right" in text
    assert "On the record now" in text
    assert "Resolved: amend the learning event" in text  # the timeline
    plr = text_of(client.post("/plr/", plr_post(learner)))
    assert "Under data challenge" not in plr


@pytest.mark.parametrize(
    ("outcome", "fields"),
    [
        ("withdraw", {}),
        ("no_change", {}),
        ("move", {"correct_uln": "MOVED"}),
    ],
)
def test_the_owner_resolves_with_each_other_outcome(
    client, provider_user, ao_user, event, outcome, fields
):
    target = other_learner(provider_user)
    fields = {k: (target.uln if v == "MOVED" else v) for k, v in fields.items()}
    challenge = raised(provider_user, event)
    services.challenge_acknowledge(actor=ao_user, challenge=challenge)
    sign_in_as(client, ao_user)
    response = client.post(
        detail_url(challenge, "challenge-resolve"),
        {"outcome": outcome, "reason": "Checked with the centre", **fields},
        follow=True,
    )
    assert f"You have resolved challenge {challenge.reference}" in text_of(response)
    challenge.refresh_from_db()
    event.refresh_from_db()
    assert (challenge.status, challenge.outcome) == ("resolved", outcome)
    assert event.withdrawn is (outcome == "withdraw")
    assert (event.learner_id == target.pk) is (outcome == "move")
    assert event.grade == "7"


def test_moving_needs_a_ulns_learner(client, provider_user, ao_user, event):
    challenge = raised(provider_user, event)
    services.challenge_acknowledge(actor=ao_user, challenge=challenge)
    sign_in_as(client, ao_user)
    url = detail_url(challenge, "challenge-resolve")
    response = client.post(url, {"outcome": "move", "reason": "Wrong learner"})
    assert error_summary_links(response) == [
        ("#correct_uln", "Enter the ULN of the learner it belongs to")
    ]
    response = client.post(
        url, {"outcome": "move", "reason": "Wrong learner", "correct_uln": "9999999999"}
    )
    assert error_summary_links(response) == [("#correct_uln", "No learner has this ULN")]


def test_the_raiser_withdraws_after_confirming(client, provider_user, ao_user, event):
    challenge = raised(provider_user, event)
    sign_in_as(client, provider_user)
    text = text_of(client.get(detail_url(challenge)))
    assert "Withdraw challenge" in text
    assert "Acknowledge challenge" not in text
    confirm = client.get(detail_url(challenge, "challenge-withdraw"))
    assert "Are you sure you want to withdraw this challenge?" in text_of(confirm)
    response = client.post(detail_url(challenge, "challenge-withdraw"), {"reason": ""})
    assert error_summary_links(response) == [
        ("#reason", "Enter why you are withdrawing the challenge")
    ]
    response = client.post(
        detail_url(challenge, "challenge-withdraw"), {"reason": "We misread it"}, follow=True
    )
    text = text_of(response)
    assert "You have withdrawn challenge" in text
    assert "Withdrawn" in text
    assert "We misread it" in text
    event.refresh_from_db()
    assert not event.under_data_challenge
    # Once withdrawn, neither side can act on it.
    again = client.get(detail_url(challenge, "challenge-withdraw"), follow=True)
    assert "cannot be withdrawn now: it is withdrawn" in text_of(again)
    sign_in_as(client, ao_user)
    assert "Acknowledge challenge" not in text_of(client.get(detail_url(challenge)))


def test_an_illegal_move_is_refused(client, provider_user, ao_user, event):
    challenge = raised(provider_user, event)
    # The raiser cannot acknowledge its own challenge: the lifecycle refuses it.
    sign_in_as(client, provider_user)
    response = client.post(detail_url(challenge, "challenge-acknowledge"), {"note": ""})
    assert response.status_code == 200
    assert error_summary_links(response) == [
        ("#note", "A submitted challenge cannot be acknowledged by the raiser")
    ]
    # Nor resolve it, and a submitted challenge cannot be resolved by anyone yet.
    response = client.get(detail_url(challenge, "challenge-resolve"), follow=True)
    assert "cannot be resolved now: it is submitted" in text_of(response)
    sign_in_as(client, ao_user)
    response = client.post(
        detail_url(challenge, "challenge-resolve"),
        {"outcome": "no_change", "reason": "x"},
        follow=True,
    )
    assert "cannot be resolved now" in text_of(response)
    # The owner cannot withdraw it.
    response = client.post(detail_url(challenge, "challenge-withdraw"), {"reason": "x"})
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert challenge.status == "submitted"


def test_an_ignored_challenge_escalates_and_the_desk_resolves_it(
    client, provider_user, desk_user, event
):
    challenge = raised(provider_user, event)
    services.challenges_check_deadlines(today=challenge.acknowledge_due + dt.timedelta(days=1))
    sign_in_as(client, provider_user)
    text = text_of(client.get(detail_url(challenge)))
    assert "Escalated" in text
    assert "LRS, automatically" in text
    assert "the LRS service desk is following it up" in text
    sign_in_as(client, desk_user)
    text = text_of(client.get(detail_url(challenge)))
    assert "Acknowledge challenge" in text
    assert "Resolve challenge" in text
    client.post(
        detail_url(challenge, "challenge-resolve"),
        {"outcome": "no_change", "reason": "The record is right"},
    )
    challenge.refresh_from_db()
    assert challenge.status == "resolved"


# --- Reports ----------------------------------------------------------------------------


def test_the_reports_are_for_the_service_desk_only(
    client, provider_user, ao_user, desk_user, ao, event
):
    challenge = raised(provider_user, event)
    Challenge.objects.filter(pk=challenge.pk).update(acknowledge_due=dt.date(2020, 1, 6))
    for user in (provider_user, ao_user):
        sign_in_as(client, user)
        assert client.get("/challenges/reports/").status_code == 403
        assert client.get("/challenges/reports/report.csv").status_code == 403
        assert "/challenges/reports/" not in client.get("/challenges/").content.decode()
    sign_in_as(client, desk_user)
    assert 'href="/challenges/reports/"' in client.get("/challenges/").content.decode()
    page = client.get("/challenges/reports/")
    assert page.status_code == 200
    text = text_of(page)
    assert f"Meridian Awards {ao.ukprn} 1 0 1" in text
    assert "Overdue challenges" in text
    assert challenge.reference in text
    report = client.get("/challenges/reports/report.csv")
    rows = list(csv.reader(io.StringIO(report.content.decode())))
    assert rows == [
        ["Owner", "UKPRN", "Open", "Resolved", "Overdue", "Median days to resolve"],
        ["Meridian Awards", ao.ukprn, "1", "0", "1", ""],
    ]


def test_the_home_page_links_to_the_challenge_pages(client, provider_user, ao_user, desk_user):
    def links(user) -> str:
        html = sign_in_as(client, user).get("/").content.decode()
        start = html.find('id="available-actions"')
        return html[start : html.find("</ul>", start)]

    assert 'href="/challenges/raise/">Challenge a learning record</a>' in links(provider_user)
    assert 'href="/challenges/">Resolve challenges to your records</a>' in links(ao_user)
    assert 'href="/challenges/">Mediate challenges</a>' in links(desk_user)
    start = text_of(sign_in_as(client, provider_user).get("/challenges/raise/"))
    assert "Next to the learning event that is wrong, select Challenge this" in start


def test_an_event_of_a_learner_the_organisation_has_not_found_is_not_found(
    client, provider_user, ao_user, learner, gcse
):
    made = event_create(
        actor=ao_user,
        learner=learner,
        values=EventValues(qualification=gcse, grade="7", award_date=dt.date(2022, 8, 25)),
    )
    stranger = make_user(make_organisation(OrganisationType.SCHOOL), Role.ONLINE_USER)
    sign_in_as(client, stranger)
    assert client.get(f"/challenges/raise/{made.public_id}/").status_code == 404
    sign_in_as(client, ao_user)
    assert client.get(f"/challenges/raise/{made.public_id}/").status_code == 403
    LearningEvent.objects.filter(pk=made.pk).update(withdrawn=True)
    sign_in_as(client, provider_user)
    assert client.get(f"/challenges/raise/{made.public_id}/").status_code == 404


def test_evidence_whose_content_is_not_what_its_name_says_is_refused_on_the_page(
    client, provider_user, event, settings
):
    sign_in_as(client, provider_user)
    disguised = SimpleUploadedFile("certificate.pdf", PROGRAM, content_type="application/pdf")
    response = client.post(
        f"/challenges/raise/{event.public_id}/", {**raise_post(), "evidence": [disguised]}
    )
    assert error_summary_links(response) == [
        (
            "#evidence",
            "certificate.pdf must be a PDF, PNG, JPEG or plain text file: it says it is a PDF, "
            "but its content is not",
        )
    ]
    assert not Challenge.objects.exists()
    challenge = raised(provider_user, event)
    fake_png = SimpleUploadedFile("screenshot.png", b"not a picture", content_type="image/png")
    response = client.post(
        detail_url(challenge, "challenge-evidence-add"), {"evidence": [fake_png]}
    )
    assert error_summary_links(response) == [
        (
            "#evidence",
            "screenshot.png must be a PDF, PNG, JPEG or plain text file: it says it is a PNG "
            "image, but its content is not",
        )
    ]
    assert not challenge.evidence.exists()
    assert not any(p.is_file() for p in Path(settings.LRS_UPLOADS_DIR).rglob("*"))
