"""Shares: a link and a short code, an expiry of up to 90 days, all or some events;
every view recorded and emailed (without personal data); revocable; wrong codes counted
and the share locked; a stranger with a revoked, expired or guessed code sees nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from lrs.audit.models import AuditEntry
from lrs.core.errors import ValidationFailed
from lrs.learnerportal import services, views
from lrs.learnerportal.models import Share, ShareView
from lrs.records.services import event_withdraw
from tests.learnerportal.helpers import run_queued_emails
from tests.portal.helpers import text_of

pytestmark = pytest.mark.django_db


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def open_share(client, share, code):
    return client.post(f"/shared/{share.link_key}/", {"code": code})


def test_a_share_opens_with_its_code_and_shows_exactly_what_was_shared(
    client, identity, olivia_events
):
    maths, _english = olivia_events
    share, code = services.share_create(
        identity=identity,
        recipient="Acme Ltd",
        expires_on=in_days(30),
        event_ids=[str(maths.public_id)],
    )
    assert re.fullmatch(r"[A-Z2-9]{8}", code)
    # Nothing about the share on the page before the code is given.
    first = client.get(f"/shared/{share.link_key}/")
    assert "Thornbury" not in text_of(first)
    response = open_share(client, share, services.format_code(code).lower())
    text = text_of(response)
    assert response.status_code == 200
    assert "Olivia Thornbury" in text
    assert "Shared by the learner on" in text
    assert "GCSE (9 to 1) in Mathematics" in text
    assert "English Language" not in text
    assert ShareView.objects.filter(share=share).count() == 1
    assert AuditEntry.objects.filter(action="share.view", object_id=identity.learner.uln).exists()


def test_a_view_emails_the_learner_without_any_personal_data(client, identity, olivia_events):
    share, code = services.share_create(
        identity=identity, recipient="Acme Ltd", expires_on=in_days(30)
    )
    open_share(client, share, code)
    run_queued_emails()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["olivia@example.com"]
    body = message.subject + message.body
    for personal in ("Olivia", "Thornbury", identity.learner.uln, "2006", "CV4", "Acme"):
        assert personal not in body
    assert "/learner/shares/" in body


def test_wrong_codes_are_counted_and_lock_the_share(client, identity, olivia_events, settings):
    settings.LRS_SHARE_CODE_ATTEMPTS = 3
    share, code = services.share_create(identity=identity, recipient="Acme", expires_on=in_days(5))
    first = open_share(client, share, "AAAA-AAAA")
    assert "you can try 2 more times" in text_of(first)
    open_share(client, share, "BBBB-BBBB")
    locked = open_share(client, share, "CCCC-CCCC")
    assert locked.status_code == 404
    share.refresh_from_db()
    assert share.failed_attempts == 3
    assert share.locked_at is not None
    # Even the right code no longer opens it.
    assert "Thornbury" not in text_of(open_share(client, share, code))
    refused = AuditEntry.objects.filter(action="share.open", outcome="refused")
    assert refused.count() == 4
    assert not ShareView.objects.exists()


@pytest.mark.parametrize("how", ["revoked", "expired", "unknown link"])
def test_a_revoked_expired_or_guessed_link_shows_nothing(client, identity, olivia_events, how):
    share, code = services.share_create(identity=identity, recipient="Acme", expires_on=in_days(5))
    link = share.link_key
    if how == "revoked":
        services.share_revoke(identity=identity, share=share)
    elif how == "expired":
        Share.objects.filter(pk=share.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    else:
        link = "guessed-" + link[8:]
    response = client.post(f"/shared/{link}/", {"code": code})
    assert response.status_code == 404
    text = text_of(response)
    assert "This link does not work" in text
    assert "Thornbury" not in text
    assert identity.learner.uln not in text
    assert AuditEntry.objects.filter(action="share.open", outcome="refused").count() == 1


def test_guesses_from_one_address_are_rate_limited(client, identity, olivia_events, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(views, "GUESS_THROTTLE", views.GuessThrottle("2/h"))
    share, code = services.share_create(identity=identity, recipient="Acme", expires_on=in_days(5))
    open_share(client, share, "AAAA-AAAA")
    open_share(client, share, "BBBB-BBBB")
    limited = open_share(client, share, code)
    assert limited.status_code == 429
    assert "Thornbury" not in text_of(limited)
    cache.clear()


def test_a_share_cannot_last_more_than_90_days_or_share_someone_elses_events(
    identity, olivia_events, ao_user, gcse, provider_user
):
    with pytest.raises(ValidationFailed) as too_long:
        services.share_create(identity=identity, recipient="Acme", expires_on=in_days(91))
    assert too_long.value.problems[0].field == "expires_on"
    with pytest.raises(ValidationFailed) as past:
        services.share_create(identity=identity, recipient="Acme", expires_on=in_days(-1))
    assert "today or later" in past.value.problems[0].rule
    from lrs.learners.services import learner_register
    from lrs.records.services import EventValues, event_create

    other = learner_register(
        actor=provider_user,
        data={
            "given_name": "Noah",
            "family_name": "Pennington",
            "date_of_birth": "2005-01-02",
            "gender": "1",
            "last_known_postcode": "LS1 4AP",
            "verification_type": "1",
            "ability_to_share": "1",
        },
    ).learner
    theirs = event_create(
        actor=ao_user,
        learner=other,
        values=EventValues(qualification=gcse, grade="5", award_date=dt.date(2021, 8, 20)),
    )
    with pytest.raises(ValidationFailed) as foreign:
        services.share_create(
            identity=identity,
            recipient="Acme",
            expires_on=in_days(5),
            event_ids=[str(theirs.public_id)],
        )
    assert foreign.value.problems[0].field == "events"
    assert not Share.objects.exists()


def test_a_withdrawn_event_drops_out_of_a_share(client, identity, olivia_events, ao_user):
    maths, _ = olivia_events
    share, code = services.share_create(identity=identity, recipient="Acme", expires_on=in_days(5))
    event_withdraw(actor=ao_user, event=maths, reason="Awarded in error")
    assert "Mathematics" not in text_of(open_share(client, share, code))


def test_the_learner_creates_sees_and_ends_a_share_in_the_portal(learner_client, olivia_events):
    day = in_days(10)
    created = learner_client.post(
        "/learner/shares/new",
        {
            "recipient": "University of Eastbridge",
            "scope": "all",
            "expires_on_day": day.day,
            "expires_on_month": day.month,
            "expires_on_year": day.year,
        },
    )
    text = text_of(created)
    assert "Your record is shared" in text
    code = re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", text).group(1)
    share = Share.objects.get()
    assert share.link_key in text
    listing = text_of(learner_client.get("/learner/shares/"))
    assert "University of Eastbridge" in listing
    # The code is never shown again.
    assert code not in text_of(learner_client.get(f"/learner/shares/{share.public_id}/"))
    ended = learner_client.post(f"/learner/shares/{share.public_id}/end")
    assert ended.status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None
    assert AuditEntry.objects.filter(action="share.revoke").exists()


def test_the_share_form_says_what_is_wrong(learner_client, olivia_events):
    response = learner_client.post("/learner/shares/new", {"scope": "some"})
    text = text_of(response)
    assert "Enter who you are sharing your record with" in text
    assert "Select the learning events to share" in text
    assert "Enter the date the share ends" in text
    assert not Share.objects.exists()
