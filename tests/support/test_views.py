from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from lrs.support.models import SupportRequest
from lrs.support.services import support_request_create, support_request_reply
from tests.portal.helpers import error_summary_links, sign_in_as, text_of
from tests.support.conftest import upload
from tests.upload_samples import PROGRAM

pytestmark = pytest.mark.django_db


def _raise(actor, **changes):
    args = {"category": "access", "summary": "Locked out", "description": "I cannot sign in"}
    return support_request_create(actor=actor, **{**args, **changes})


def test_the_support_page_lists_the_users_requests_and_offers_both_ways_to_ask(
    client, provider_user
):
    created = _raise(provider_user)
    response = sign_in_as(client, provider_user).get(reverse("portal:support-requests"))
    assert response.status_code == 200
    text = text_of(response)
    assert created.reference in text
    assert "Locked out" in text
    assert "Ask for help" in text
    assert "Report a problem with a ULN" in text
    assert 'href="/support/" aria-current="page"' in response.content.decode()


def test_asking_for_help_with_nothing_filled_in_shows_every_problem_in_the_summary(
    client, provider_user
):
    response = sign_in_as(client, provider_user).post(reverse("portal:support-request-new"), {})
    assert response.status_code == 200
    assert error_summary_links(response) == [
        ("#category", "Select what you need help with"),
        ("#summary", "Enter a summary"),
        ("#description", "Enter a description"),
    ]
    assert text_of(response).startswith("Error: Ask for help")


def test_asking_for_help_with_an_attachment_creates_the_request_and_shows_it(client, provider_user):
    sign_in_as(client, provider_user)
    response = client.post(
        reverse("portal:support-request-new"),
        {
            "category": "batch_files",
            "summary": "Results will not open",
            "description": "The file is empty",
            "attachments": upload("error.txt", b"oops", "text/plain"),
        },
        follow=True,
    )
    created = SupportRequest.objects.get()
    assert response.redirect_chain[-1][0] == f"/support/{created.reference}/"
    text = text_of(response)
    assert f"Your support request {created.reference} has been sent" in text
    assert "error.txt" in text
    attachment = created.attachments.get()
    download = client.get(
        reverse("portal:support-attachment", args=[created.reference, attachment.pk])
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == b"oops"


def test_a_uln_the_organisation_has_not_seen_is_shown_against_the_uln_field(
    client, provider_user, other_user
):
    from tests.duplicates.factories import make_learner

    hidden = make_learner(other_user)
    response = sign_in_as(client, provider_user).post(
        reverse("portal:support-request-new"),
        {"category": "general", "summary": "A learner", "description": "?", "uln": hidden.uln},
    )
    assert error_summary_links(response) == [("#uln", f"No learner has the ULN {hidden.uln}")]


def test_the_uln_problem_route_asks_the_kind_then_the_ulns_keeping_a_prefilled_uln(
    client, provider_user, twins
):
    first, second, _ = twins
    sign_in_as(client, provider_user)
    start = client.get(reverse("portal:uln-problem-new") + f"?uln={first.uln}")
    assert "This person has two ULNs" in text_of(start)
    chosen = client.post(reverse("portal:uln-problem-new"), {"kind": "two_ulns", "uln": first.uln})
    assert chosen["Location"] == f"/support/uln-problem/two_ulns/?uln={first.uln}"
    form = client.get(chosen["Location"])
    assert first.uln in form.content.decode()
    missing = client.post(reverse("portal:uln-problem-new"), {})
    assert error_summary_links(missing) == [("#kind", "Select what the problem is")]
    sent = client.post(
        reverse("portal:uln-problem-details", args=["two_ulns"]),
        {"ulns": f"{first.uln}\n{second.uln}\n", "description": ""},
        follow=True,
    )
    created = SupportRequest.objects.get()
    assert created.category == "two_ulns"
    assert created.ulns == [first.uln, second.uln]
    assert f"Your report {created.reference} has been sent" in text_of(sent)


def test_an_unknown_kind_of_uln_problem_is_not_found(client, provider_user):
    response = sign_in_as(client, provider_user).get("/support/uln-problem/lost/")
    assert response.status_code == 404


def test_another_organisation_gets_not_found_for_a_request_and_its_attachment(
    client, provider_user, other_user
):
    created = _raise(provider_user, attachments=[upload()])
    attachment = created.attachments.get()
    sign_in_as(client, other_user)
    assert (
        client.get(reverse("portal:support-request", args=[created.reference])).status_code == 404
    )
    assert (
        client.get(
            reverse("portal:support-attachment", args=[created.reference, attachment.pk])
        ).status_code
        == 404
    )
    reply = client.post(
        reverse("portal:support-request-reply", args=[created.reference]), {"body": "hi"}
    )
    assert reply.status_code == 404


def test_the_user_replies_and_an_empty_reply_is_refused(client, provider_user, desk_user):
    created = _raise(provider_user)
    support_request_reply(actor=desk_user, support_request=created, body="Try again now")
    sign_in_as(client, provider_user)
    url = reverse("portal:support-request-reply", args=[created.reference])
    empty = client.post(url, {"body": ""})
    assert error_summary_links(empty) == [("#body", "Enter your reply")]
    response = client.post(url, {"body": "It works, thank you"}, follow=True)
    text = text_of(response)
    assert "Try again now" in text
    assert "It works, thank you" in text
    assert "Your reply has been sent" in text
    created.refresh_from_db()
    assert created.status == "open"


def test_the_user_closes_their_request(client, provider_user):
    created = _raise(provider_user)
    sign_in_as(client, provider_user)
    client.post(reverse("portal:support-request-close", args=[created.reference]))
    created.refresh_from_db()
    assert created.status == "closed"


def test_the_service_desk_cannot_raise_requests_and_users_cannot_see_the_queue(
    client, provider_user, desk_user
):
    sign_in_as(client, desk_user)
    assert client.get(reverse("portal:support-request-new")).status_code == 403
    assert client.get(reverse("portal:support-requests"))["Location"] == "/service-desk/support/"
    sign_in_as(client, provider_user)
    assert client.get(reverse("portal:support-queue")).status_code == 403
    created = _raise(provider_user)
    manage = reverse("portal:support-request-manage", args=[created.reference])
    assert client.get(manage).status_code == 403
    status = reverse("portal:support-request-status", args=[created.reference])
    assert client.post(status, {"status": "resolved", "outcome": "x"}).status_code == 403


def test_the_queue_shows_counts_and_filters_and_the_desk_assigns_and_resolves(
    client, provider_user, desk_user
):
    created = _raise(provider_user)
    sign_in_as(client, desk_user)
    queue = client.get(reverse("portal:support-queue"))
    assert created.reference in text_of(queue)
    assert "Support requests" in text_of(queue)
    mine = client.get(reverse("portal:support-queue") + "?assigned=me")
    assert created.reference not in text_of(mine)
    client.post(reverse("portal:support-request-assign", args=[created.reference]), {"to_me": "1"})
    created.refresh_from_db()
    assert created.assigned_to == desk_user
    assert created.status == "in_progress"
    status_url = reverse("portal:support-request-status", args=[created.reference])
    refused = client.post(status_url, {"status": "resolved", "outcome": ""})
    assert error_summary_links(refused) == [("#outcome", "Enter the outcome")]
    done = client.post(
        status_url, {"status": "resolved", "outcome": "Your account is unlocked"}, follow=True
    )
    assert "Your account is unlocked" in text_of(done)
    created.refresh_from_db()
    assert created.status == "resolved"


def test_the_desk_page_links_a_two_ulns_report_to_its_pair_and_the_pair_back(
    client, provider_user, desk_user, twins
):
    first, second, _ = twins
    created = support_request_create(
        actor=provider_user, category="two_ulns", description="", ulns=[first.uln, second.uln]
    )
    pair = created.pairs.get()
    sign_in_as(client, desk_user)
    page = client.get(reverse("portal:support-request-manage", args=[created.reference]))
    assert reverse("portal:duplicate-pair", args=[pair.pk]) in page.content.decode()
    pair_page = client.get(reverse("portal:duplicate-pair", args=[pair.pk]))
    assert f"Support request {created.reference}" in text_of(pair_page)
    assert "Reported by a user" in text_of(pair_page)


def test_the_service_desk_dashboard_has_a_support_panel(client, provider_user, desk_user):
    _raise(provider_user)
    response = sign_in_as(client, desk_user).get(reverse("portal:service-desk"))
    html = response.content.decode()
    assert 'id="panel-support"' in html
    assert 'id="support-count">1<' in html


def test_the_navigation_shows_support_to_users_and_the_queue_to_the_desk(
    client, provider_user, desk_user
):
    user_home = sign_in_as(client, provider_user).get("/").content.decode()
    assert 'href="/support/"' in user_home
    assert "/service-desk/support/" not in user_home
    desk_home = sign_in_as(client, desk_user).get("/").content.decode()
    assert 'href="/service-desk/support/"' in desk_home
    assert 'href="/support/"' not in desk_home


def test_a_uln_in_the_address_prefills_the_ask_for_help_form(client, provider_user, twins):
    sign_in_as(client, provider_user)
    response = client.get(reverse("portal:support-request-new") + f"?uln={twins[0].uln}")
    assert f'value="{twins[0].uln}"' in response.content.decode()


def test_the_queue_pages_through_many_requests(client, provider_user, desk_user):
    for number in range(27):
        _raise(provider_user, summary=f"Question {number}")
    sign_in_as(client, desk_user)
    first = client.get(reverse("portal:support-queue"))
    assert "27" in text_of(first)
    assert 'class="govuk-pagination"' in first.content.decode()
    second = client.get(reverse("portal:support-queue") + "?page=2")
    assert text_of(second).count("Question ") == 2


def test_the_desk_may_reply_without_waiting_for_the_user(client, provider_user, desk_user):
    created = _raise(provider_user)
    sign_in_as(client, desk_user)
    client.post(
        reverse("portal:support-request-reply", args=[created.reference]),
        {"body": "Looking into it", "keep_in_progress": "on"},
    )
    created.refresh_from_db()
    assert created.status == "in_progress"
    assert created.assigned_to == desk_user


def test_an_attachment_whose_content_is_not_what_it_says_is_refused_and_nothing_is_kept(
    client, provider_user, settings
):
    sign_in_as(client, provider_user)
    response = client.post(
        reverse("portal:support-request-new"),
        {
            "category": "batch_files",
            "summary": "Results will not open",
            "description": "The file is empty",
            "attachments": upload("screenshot.png", PROGRAM, "image/png"),
        },
    )
    assert response.status_code == 200
    assert error_summary_links(response) == [
        (
            "#attachments",
            "screenshot.png must be a PDF, PNG, JPEG or plain text file: it says it is a PNG "
            "image, but its content is not",
        )
    ]
    assert not SupportRequest.objects.exists()
    assert not any(p.is_file() for p in Path(settings.LRS_UPLOADS_DIR).rglob("*"))
