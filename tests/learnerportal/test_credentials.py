"""A learner's verifiable credentials from their own record: getting a CLR of the events
they choose or a badge per event, the list of every credential issued of their record,
downloading one, the same through the learner API, and nobody else's record ever."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from lrs.access import Role
from lrs.audit.models import AuditEntry
from lrs.credentials.models import IssuedCredential
from lrs.credentials.selectors import credential_verify
from lrs.credentials.services import credentials_issue
from lrs.learnerportal.models import Share
from lrs.learnerportal.services import learner_token_create
from lrs.learners.services import learner_register
from lrs.records.models import EventStatus
from lrs.records.services import EventValues, event_create, event_withdraw
from tests.factories import OLIVIA, make_user
from tests.portal.helpers import error_summary_links, text_of

pytestmark = pytest.mark.django_db


def _ids(events) -> list[str]:
    return [str(e.public_id) for e in events]


def _ticked(html: str) -> list[str]:
    """The values of the checkboxes and radios that start ticked."""
    return re.findall(r'<input[^>]*value="([^"]+)"[^>]*\schecked', html)


def _issue(client, events, kind="clr"):
    return client.post("/learner/credentials/new", {"events": _ids(events), "kind": kind})


def test_the_record_page_leads_to_credentials_and_each_final_event_offers_one(
    learner_client, olivia_events
):
    page = learner_client.get("/learner/record/").content.decode()
    assert 'href="/learner/credentials/"' in page
    for event in olivia_events:
        assert f'href="/learner/credentials/new?event={event.public_id}"' in page


def test_a_learner_gets_a_clr_of_the_events_they_choose_and_downloads_it(
    learner_client, olivia, olivia_events, identity
):
    form = learner_client.get("/learner/credentials/new")
    assert form.status_code == 200
    html = form.content.decode()
    # Every final event is offered, ticked, as one CLR.
    assert html.count('name="events"') == 2
    assert _ticked(html) == [*_ids(olivia_events), "clr"]

    response = _issue(learner_client, olivia_events[:1])
    assert response.status_code == 302
    assert response["Location"] == "/learner/credentials/"
    [clr] = IssuedCredential.objects.filter(parent__isnull=True)
    assert clr.kind == "clr"
    assert clr.by_learner
    assert clr.requested_by is None
    assert clr.learner == olivia
    assert [c.event for c in clr.carried.all()] == olivia_events[:1]

    listing = learner_client.get("/learner/credentials/")
    text = text_of(listing)
    assert "Your credential is ready to download" in text
    assert "Download your Comprehensive Learner Record (JSON)" in text
    assert "GCSE (9 to 1) in Mathematics" in text
    assert "Valid" in text
    assert "by you" in text
    # Offered once: a refresh lists it without the "new" box.
    assert "Download your new credential" not in text_of(
        learner_client.get("/learner/credentials/")
    )

    download = learner_client.get(f"/learner/credentials/{clr.public_id}/download")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/ld+json"
    assert download["Cache-Control"] == "private, no-store"
    assert "attachment" in download["Content-Disposition"]
    document = download.json()
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    assert credential_verify(document=document).verified

    issued = AuditEntry.objects.get(action="credential.issue")
    assert issued.actor_username == identity.audit_label
    assert issued.detail["by_learner"] is True
    assert AuditEntry.objects.get(action="credential.download").actor_username == (
        identity.audit_label
    )


def test_a_learner_gets_a_badge_per_event(learner_client, olivia_events):
    one = olivia_events[1]
    form = learner_client.get(f"/learner/credentials/new?event={one.public_id}").content.decode()
    # From an event's own link: just that event, as a badge.
    assert _ticked(form) == [str(one.public_id), "achievement"]
    _issue(learner_client, olivia_events, kind="achievement")
    badges = IssuedCredential.objects.filter(parent__isnull=True)
    assert sorted(b.kind for b in badges) == ["achievement", "achievement"]
    text = text_of(learner_client.get("/learner/credentials/"))
    assert "Your 2 credentials are ready to download" in text
    assert "Download the credential for GCSE (9 to 1) in English Language (JSON)" in text


def test_choosing_nothing_or_a_provisional_event_is_refused_with_a_clear_error(
    learner_client, olivia, ao_user, gcse, olivia_events
):
    nothing = learner_client.post("/learner/credentials/new", {"kind": "clr"})
    assert nothing.status_code == 200
    assert error_summary_links(nothing) == [
        ("#events", "Select the achievements to put in your credential")
    ]
    provisional = event_create(
        actor=ao_user,
        learner=olivia,
        values=EventValues(
            qualification=gcse,
            grade="8",
            award_date=dt.date(2025, 8, 21),
            status=EventStatus.PROVISIONAL,
        ),
    )
    page = learner_client.get("/learner/credentials/new")
    assert str(provisional.public_id) not in page.content.decode().split('id="blocked"')[0]
    assert "Mathematics: the result is provisional: you can get a credential once it is final" in (
        text_of(page)
    )
    refused = _issue(learner_client, [provisional])
    assert refused.status_code == 200
    assert error_summary_links(refused) == [("#events", "Select achievements from your record")]
    assert not IssuedCredential.objects.exists()


def test_the_list_shows_credentials_organisations_issued_and_revocations(
    learner_client, olivia, olivia_events, provider_user, ao_user
):
    credentials_issue(
        actor=provider_user, learner=olivia, event_ids=_ids(olivia_events), kind="clr"
    )
    _issue(learner_client, olivia_events[:1], kind="achievement")
    event_withdraw(actor=ao_user, event=olivia_events[0], reason="Awarded in error")
    text = text_of(learner_client.get("/learner/credentials/"))
    assert "at the request of Fenland College" in text
    assert text.count("Revoked") == 2
    assert "the awarding organisation withdrew the achievement" in text


def test_another_learners_credential_is_not_found(
    learner_client, olivia_events, provider_user, ao_user, gcse
):
    other = learner_register(
        actor=provider_user,
        data={
            **OLIVIA,
            "given_name": "Marcus",
            "family_name": "Okafor",
            "date_of_birth": "2005-01-02",
        },
    ).learner
    theirs = event_create(
        actor=ao_user,
        learner=other,
        values=EventValues(qualification=gcse, grade="5", award_date=dt.date(2022, 8, 25)),
    )
    [credential] = credentials_issue(
        actor=provider_user, learner=other, event_ids=[str(theirs.public_id)], kind="clr"
    )
    assert (
        learner_client.get(f"/learner/credentials/{credential.public_id}/download").status_code
        == 404
    )
    # Nor can their events be issued from this learner's page.
    refused = _issue(learner_client, [theirs])
    assert refused.status_code == 200
    assert IssuedCredential.objects.filter(learner=other).count() == 2  # the CLR and its part
    assert (
        str(credential.public_id)
        not in learner_client.get("/learner/credentials/").content.decode()
    )


def test_organisation_users_and_strangers_never_reach_the_learners_credential_pages(
    client, college, olivia_events
):
    assert client.get("/learner/credentials/")["Location"] == "/learner/sign-in"
    from tests.portal.helpers import sign_in_as

    sign_in_as(client, make_user(college, Role.ONLINE_USER, username="staff.two"))
    assert client.get("/learner/credentials/").status_code == 403
    assert (
        client.post("/learner/credentials/new", {"events": _ids(olivia_events)}).status_code == 403
    )


# --- The learner API -----------------------------------------------------------------------


@pytest.fixture
def bearer(identity):
    _, plaintext = learner_token_create(
        identity=identity,
        name="Wallet",
        expires_on=timezone.localdate() + dt.timedelta(days=30),
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def test_an_app_issues_lists_and_fetches_the_learners_credentials(client, bearer, olivia_events):
    created = client.post(
        "/api/v1/learner/credentials",
        {"events": _ids(olivia_events), "kind": "clr"},
        content_type="application/json",
        **bearer,
    )
    assert created.status_code == 201
    [clr] = created.json()
    assert clr["kind"] == "clr"
    assert sorted(clr["events"]) == sorted(_ids(olivia_events))
    assert clr["document"]["type"] == ["VerifiableCredential", "ClrCredential"]
    assert credential_verify(document=clr["document"]).verified
    listed = client.get("/api/v1/learner/credentials", **bearer).json()
    assert [c["id"] for c in listed] == [clr["id"]]
    assert listed[0]["document"] is None
    fetched = client.get(f"/api/v1/learner/credentials/{clr['id']}", **bearer).json()
    assert fetched["document"] == clr["document"]
    assert IssuedCredential.objects.get(public_id=clr["id"]).by_learner


def test_the_learner_apis_credential_errors_are_json_in_the_one_shape(
    client, bearer, olivia_events
):
    empty = client.post(
        "/api/v1/learner/credentials",
        {"events": [], "kind": "clr"},
        content_type="application/json",
        **bearer,
    )
    assert empty.status_code == 422
    assert empty.json()["code"] == "validation_failed"
    assert empty.json()["errors"][0]["field"] == "events"
    missing = client.get(f"/api/v1/learner/credentials/{'0' * 32}", **bearer)
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert client.get("/api/v1/learner/credentials").status_code == 401


# --- A share that leads to a credential ----------------------------------------------------


def _share_page_post(learner_client, *, offers: bool, events=None):
    day = timezone.localdate() + dt.timedelta(days=10)
    data = {
        "recipient": "Northgate Training Ltd",
        "scope": "some" if events else "all",
        "expires_on_day": day.day,
        "expires_on_month": day.month,
        "expires_on_year": day.year,
    }
    if events:
        data["events"] = _ids(events)
    if offers:
        data["offers_credential"] = "on"
    created = learner_client.post("/learner/shares/new", data)
    code = re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", text_of(created)).group(1)
    return Share.objects.get(), code


def test_a_learner_lets_a_share_be_downloaded_as_a_clr_of_exactly_what_was_shared(
    learner_client, olivia, olivia_events, ao_user
):
    maths, _english = olivia_events
    share, code = _share_page_post(learner_client, offers=True, events=[maths])
    assert share.offers_credential
    recipient = Client()
    opened = recipient.post(f"/shared/{share.link_key}/", {"code": code})
    assert "Keep a verifiable credential of this record" in text_of(opened)
    download = recipient.post(f"/shared/{share.link_key}/credential", {"code": code})
    assert download.status_code == 200
    assert download["Cache-Control"].startswith("private, no-store")
    document = download.json()
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    report = credential_verify(document=document)
    assert report.verified
    [part] = document["credentialSubject"]["verifiableCredential"]
    assert "GCSE (9 to 1) in Mathematics" in part["name"]

    [credential] = share.credentials.all()
    assert credential.by_learner
    assert AuditEntry.objects.get(action="share.credential").detail["credential"] == str(
        credential.public_id
    )
    assert AuditEntry.objects.get(action="credential.issue").actor_username == (
        f"share:{share.public_id}"
    )
    # The learner sees it on the share, among who has viewed, and in their credentials.
    detail = text_of(learner_client.get(f"/learner/shares/{share.public_id}/"))
    assert "They can download what is shared as a verifiable credential; downloaded" in detail
    assert "Downloaded what you shared as a verifiable credential" in text_of(
        learner_client.get("/learner/viewers/")
    )
    assert (
        f"credential-{credential.public_id}"
        in learner_client.get("/learner/credentials/").content.decode()
    )
    # Withdrawn, it stops verifying, like any other.
    event_withdraw(actor=ao_user, event=maths, reason="Awarded in error")
    assert credential_verify(document=document).revoked


def test_a_share_not_offered_as_a_credential_never_gives_one(learner_client, olivia_events):
    share, code = _share_page_post(learner_client, offers=False)
    recipient = Client()
    opened = recipient.post(f"/shared/{share.link_key}/", {"code": code})
    assert "Keep a verifiable credential" not in text_of(opened)
    refused = recipient.post(f"/shared/{share.link_key}/credential", {"code": code})
    assert refused.status_code == 409
    assert "The learner did not offer this share as a credential" in text_of(refused)
    assert not IssuedCredential.objects.exists()


def test_a_wrong_code_for_a_shares_credential_is_counted_and_an_ended_share_gives_nothing(
    learner_client, olivia_events
):
    share, code = _share_page_post(learner_client, offers=True)
    recipient = Client()
    wrong = recipient.post(f"/shared/{share.link_key}/credential", {"code": "WRNG-CODE"})
    assert wrong.status_code == 200
    assert "The access code is not right" in text_of(wrong)
    share.refresh_from_db()
    assert share.failed_attempts == 1
    learner_client.post(f"/learner/shares/{share.public_id}/end")
    ended = recipient.post(f"/shared/{share.link_key}/credential", {"code": code})
    assert ended.status_code == 404
    assert not IssuedCredential.objects.exists()


def test_an_app_creates_a_share_that_offers_a_credential(client, bearer, olivia_events):
    created = client.post(
        "/api/v1/learner/shares",
        {
            "recipient": "Acme Ltd",
            "expires_on": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
            "offers_credential": True,
        },
        content_type="application/json",
        **bearer,
    ).json()
    assert created["offers_credential"] is True
    assert created["credentials"] == []
    Client().post(
        created["link"].removeprefix("http://testserver") + "credential",
        {"code": created["access_code"]},
    )
    [listed] = client.get("/api/v1/learner/shares", **bearer).json()
    assert len(listed["credentials"]) == 1
