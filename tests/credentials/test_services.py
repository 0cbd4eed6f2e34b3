"""Issuing credentials from a PLR, and revoking them when the events change."""

import datetime as dt

import pytest

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.challenges.services import challenge_acknowledge, challenge_raise, challenge_resolve
from lrs.core.errors import NotFound, NotPermitted, ValidationFailed
from lrs.credentials import selectors
from lrs.credentials.models import IssuedCredential, IssuerKey, KeyState, StatusList
from lrs.credentials.services import (
    LearnerActor,
    credential_download,
    credentials_issue,
    issuer_key_revoke,
)
from lrs.learners.models import Learner
from lrs.learners.services import learner_register
from lrs.records.services import event_reinstate, event_withdraw
from lrs.vc import statuslist
from lrs.vc.multikey import SigningKey
from tests.credentials.conftest import ids
from tests.factories import make_organisation, make_user, raise_args

pytestmark = pytest.mark.django_db


def _bit(credential: IssuedCredential) -> bool:
    listing = selectors.status_list_document(number=credential.status_list.number)
    return statuslist.bit(
        statuslist.decode(listing["credentialSubject"]["encodedList"]), credential.status_index
    )


def test_a_provider_issues_a_clr_of_chosen_events_each_inside_signed_and_revocable(
    provider_user, learner, events
):
    [clr] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events), kind="clr"
    )
    assert clr.kind == "clr"
    document = clr.document
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    assert document["issuer"]["id"] == "did:web:lrs.test"
    assert document["id"] == f"urn:uuid:{clr.public_id}"
    assert document["credentialStatus"]["statusListCredential"] == (
        "https://lrs.test/credentials/status/1"
    )
    inner = document["credentialSubject"]["verifiableCredential"]
    # Newest first, as on the PLR.
    assert [c["credentialSubject"]["achievement"]["humanCode"] for c in inner] == [
        "603/7035/2",
        "601/4702/5",
    ]
    parts = list(clr.parts.order_by("issued_at", "id"))
    assert len(parts) == 2
    assert {p.status_index for p in parts} | {clr.status_index} == {
        int(c["credentialStatus"]["statusListIndex"]) for c in [*inner, document]
    }
    assert set(clr.carried.values_list("event__public_id", flat=True)) == {
        e.public_id for e in events
    }
    assert (clr.requested_by, clr.organisation, clr.by_learner) == (
        provider_user,
        provider_user.organisation,
        False,
    )
    report = selectors.credential_verify(document=document)
    assert report.verified, [f.text for f in report.findings]
    assert [r.verified for r in report.inner] == [True, True]
    entry = AuditEntry.objects.get(action="credential.issue")
    assert entry.object_id == learner.uln
    assert entry.detail["kind"] == "clr"
    assert sorted(entry.detail["events"]) == sorted(ids(events))


def test_an_achievement_credential_states_the_uln_name_qualification_level_grade_and_awarder(
    provider_user, learner, events
):
    [credential] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events[1:]), kind="achievement"
    )
    document = credential.document
    assert document["type"] == ["VerifiableCredential", "AchievementCredential"]
    subject = document["credentialSubject"]
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "ext:ULN",
            "hashed": False,
            "identityHash": learner.uln,
        },
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": "Olivia Thornbury",
        },
    ]
    achievement = subject["achievement"]
    assert achievement["humanCode"] == "603/7035/2"
    assert achievement["name"] == "BTEC Level 3 National Extended Certificate in Business"
    assert achievement["tag"] == ["BTEC National", "Level 3"]
    assert subject["result"][0]["value"] == "D*"
    assert subject["creditsEarned"] == 60
    assert subject["source"]["name"] == "Meridian Awards"
    assert document["awardedDate"] == "2024-08-15T00:00:00Z"


def test_an_awarding_organisation_issues_only_its_own_events(
    ao_user, learner, events, provider_user
):
    from lrs.records.services import plr_get

    plr_get(actor=ao_user, uln=learner.uln, given_name="Olivia", family_name="Thornbury")
    other_ao = make_organisation(OrganisationType.AWARDING_ORGANISATION)
    other_user = make_user(other_ao, Role.AWARDING_ORGANISATION_USER)
    plr_get(actor=other_user, uln=learner.uln, given_name="Olivia", family_name="Thornbury")
    issued = credentials_issue(
        actor=ao_user, learner=learner, event_ids=ids(events), kind="achievement"
    )
    assert len(issued) == 2
    with pytest.raises(ValidationFailed, match="not a current learning event on this PLR"):
        credentials_issue(actor=other_user, learner=learner, event_ids=ids(events), kind="clr")
    [clr] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events), kind="clr"
    )
    with pytest.raises(NotFound):
        credential_download(actor=other_user, public_id=clr.public_id)
    assert list(selectors.credentials_for_learner(actor=other_user, learner=learner)) == []
    assert clr in selectors.credentials_for_learner(actor=ao_user, learner=learner)


def test_an_organisation_that_has_not_been_shown_the_learner_cannot_issue(learner, events):
    stranger = make_user(make_organisation(OrganisationType.SCHOOL), Role.ONLINE_USER)
    with pytest.raises(NotFound, match="No learner has this ULN"):
        credentials_issue(actor=stranger, learner=learner, event_ids=ids(events), kind="clr")
    desk = make_user(make_organisation(OrganisationType.SERVICE_DESK), Role.SERVICE_DESK_USER)
    with pytest.raises(NotPermitted):
        credentials_issue(actor=desk, learner=learner, event_ids=ids(events), kind="clr")
    assert not IssuedCredential.objects.exists()


def test_a_learner_who_opted_out_gets_no_credentials_until_the_notice_is_recorded(
    provider_user, learner, events
):
    Learner.objects.filter(pk=learner.pk).update(ability_to_share="2")
    with pytest.raises(NotPermitted, match="privacy notice"):
        credentials_issue(actor=provider_user, learner=learner, event_ids=ids(events), kind="clr")


def test_provisional_withdrawn_and_unknown_events_are_refused_and_nothing_is_issued(
    ao_user, provider_user, learner, events, provisional
):
    event_withdraw(actor=ao_user, event=events[0], reason="Awarded in error")
    with pytest.raises(ValidationFailed) as refused:
        credentials_issue(
            actor=provider_user,
            learner=learner,
            event_ids=[*ids([provisional, events[0]]), "not-an-id"],
            kind="achievement",
        )
    assert refused.value.problems[0].rule == "not-an-id is not a learning event's id"
    with pytest.raises(ValidationFailed) as refused:
        credentials_issue(
            actor=provider_user,
            learner=learner,
            event_ids=ids([provisional, events[0]]),
            kind="achievement",
        )
    rules = [p.rule for p in refused.value.problems]
    assert f"{events[0].public_id} is not a current learning event on this PLR" in rules
    assert any("is provisional" in r for r in rules)
    with pytest.raises(ValidationFailed, match="Choose at least one"):
        credentials_issue(actor=provider_user, learner=learner, event_ids=[], kind="clr")
    with pytest.raises(ValidationFailed, match="achievement or clr"):
        credentials_issue(
            actor=provider_user, learner=learner, event_ids=ids(events[1:]), kind="pdf"
        )
    assert not IssuedCredential.objects.exists()
    assert StatusList.objects.count() == 0


def test_the_learner_issues_from_their_own_plr_and_only_their_own(learner, events, provider_user):
    [clr] = credentials_issue(
        actor=LearnerActor(learner), learner=learner, event_ids=ids(events), kind="clr"
    )
    assert (clr.by_learner, clr.requested_by, clr.organisation) == (True, None, None)
    assert AuditEntry.objects.get(action="credential.issue").detail["by_learner"] is True
    assert list(
        selectors.credentials_for_learner(actor=LearnerActor(learner), learner=learner)
    ) == [clr]
    assert credential_download(actor=LearnerActor(learner), public_id=clr.public_id) == clr
    someone_else = learner_register(
        actor=provider_user,
        data={
            "given_name": "Marcus",
            "family_name": "Ashdown",
            "date_of_birth": "2005-01-02",
            "gender": "1",
            "last_known_postcode": "PE13 1AA",
            "verification_type": "1",
            "ability_to_share": "1",
        },
    ).learner
    with pytest.raises(NotFound):
        credentials_issue(
            actor=LearnerActor(someone_else), learner=learner, event_ids=ids(events), kind="clr"
        )
    with pytest.raises(NotFound):
        credential_download(actor=LearnerActor(someone_else), public_id=clr.public_id)


def test_withdrawing_an_event_revokes_its_credential_and_the_clr_in_the_same_transaction(
    ao_user, provider_user, learner, events
):
    [clr] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events), kind="clr"
    )
    withdrawn_part = clr.parts.get(carried__event=events[0])
    kept_part = clr.parts.get(carried__event=events[1])
    assert not _bit(withdrawn_part)

    event_withdraw(actor=ao_user, event=events[0], reason="Awarded in error")

    for credential in (clr, withdrawn_part, kept_part):
        credential.refresh_from_db()
    assert (clr.revoked_reason, withdrawn_part.revoked_reason) == ("withdrawn", "withdrawn")
    assert kept_part.revoked_at is None
    assert _bit(clr)
    assert _bit(withdrawn_part)
    assert not _bit(kept_part)
    assert AuditEntry.objects.filter(action="credential.revoke").count() == 2
    report = selectors.credential_verify(document=clr.document)
    assert not report.verified
    assert report.revoked is True
    today = dt.date.today()
    assert f"Revoked: the awarding organisation withdrew this achievement on {today.day} " in (
        report.findings[-1].text
    )
    assert [part.revoked for part in report.inner] == [False, True]


def test_a_revocation_that_fails_rolls_the_event_change_back_with_it(
    ao_user, provider_user, learner, events, monkeypatch
):
    # records announces the change (lrs.records.signals) and credentials revokes in the
    # receiver: the two are one transaction, so a failed revocation leaves no withdrawal.
    [credential] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events[:1]), kind="achievement"
    )

    def fail(**_: object) -> int:
        raise RuntimeError("status list unavailable")

    monkeypatch.setattr("lrs.credentials.receivers.credentials_revoke_for_event", fail)
    with pytest.raises(RuntimeError):
        event_withdraw(actor=ao_user, event=events[0], reason="Awarded in error")

    events[0].refresh_from_db()
    credential.refresh_from_db()
    assert events[0].withdrawn is False
    assert credential.revoked_at is None


def test_a_reinstated_event_needs_a_new_credential_the_old_one_stays_revoked(
    ao_user, provider_user, learner, events
):
    [old] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events[:1]), kind="achievement"
    )
    event_withdraw(actor=ao_user, event=events[0], reason="Awarded in error")
    event_reinstate(actor=ao_user, event=events[0], reason="Appeal upheld")
    old.refresh_from_db()
    assert old.revoked_reason == "withdrawn"
    [new] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events[:1]), kind="achievement"
    )
    assert new.revoked_at is None
    assert new.status_index != old.status_index
    assert _bit(old)
    assert not _bit(new)


def test_a_challenge_that_amends_an_event_revokes_its_credentials(
    ao_user, provider_user, learner, events
):
    [credential] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events[:1]), kind="achievement"
    )
    challenge = challenge_raise(actor=provider_user, **raise_args(events[0]))
    # While challenged, the event cannot be issued again.
    with pytest.raises(ValidationFailed, match="under a data challenge"):
        credentials_issue(
            actor=provider_user, learner=learner, event_ids=ids(events[:1]), kind="clr"
        )
    challenge_acknowledge(actor=ao_user, challenge=challenge)
    challenge_resolve(
        actor=ao_user,
        challenge=challenge,
        outcome="amend",
        reason="Remarked",
        amended={"grade": "8"},
    )
    credential.refresh_from_db()
    assert credential.revoked_reason == "amended"
    assert (
        "details were corrected"
        in selectors.credential_verify(document=credential.document).findings[-1].text
    )


def test_a_merge_that_moves_events_revokes_their_credentials(provider_user, learner, events):
    from lrs.duplicates.services import learners_merge
    from tests.duplicates.factories import make_desk_user, make_learner

    [credential] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events), kind="clr"
    )
    master = make_learner(provider_user, family_name="Thornbury-Hale")
    learners_merge(
        actor=make_desk_user(),
        master_uln=master.uln,
        other_ulns=[learner.uln],
        reason="Same person",
    )
    credential.refresh_from_db()
    assert credential.revoked_reason == "moved"
    assert "moved to another learner's record" in (
        selectors.credential_verify(document=credential.document).findings[-1].text
    )


def test_an_event_change_that_touches_no_credential_is_cheap_and_changes_nothing(
    ao_user, learner, events
):
    event_withdraw(actor=ao_user, event=events[0], reason="x")
    assert not AuditEntry.objects.filter(action="credential.revoke").exists()
    assert StatusList.objects.count() == 0


def test_rotating_the_key_retires_the_old_one_which_still_verifies_what_it_signed(
    settings, provider_user, learner, events
):
    [first] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events[:1]), kind="achievement"
    )
    old_key = IssuerKey.objects.get()
    settings.LRS_ISSUER_KEY = SigningKey.generate().secret_multibase
    [second] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events[1:]), kind="achievement"
    )
    old_key.refresh_from_db()
    assert old_key.state == KeyState.RETIRED
    assert second.key.state == KeyState.ACTIVE
    assert second.key != old_key
    document = selectors.issuer_did_document()
    assert len(document["verificationMethod"]) == 2
    assert len(document["assertionMethod"]) == 2
    assert selectors.credential_verify(document=first.document).verified
    assert selectors.credential_verify(document=second.document).verified
    assert {e.action for e in AuditEntry.objects.filter(object_type="issuer_key")} == {
        "credential.key_activate",
        "credential.key_retire",
    }

    # A compromised retired key is revoked: what it signed stops verifying; the status
    # lists it signed are signed again with the current key.
    issuer_key_revoke(actor=None, public_key=old_key.public_key_multibase, reason="Leaked")
    report = selectors.credential_verify(document=first.document)
    assert not report.verified
    assert "revoked the key that signed it" in report.findings[1].text
    assert selectors.credential_verify(document=second.document).verified
    with pytest.raises(Exception, match="configured to sign"):
        issuer_key_revoke(actor=None, public_key=second.key.public_key_multibase, reason="x")


def test_a_revoked_key_may_not_sign_again(settings, provider_user, learner, events):
    from lrs.core.errors import Conflict

    credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events[:1]), kind="achievement"
    )
    leaked = settings.LRS_ISSUER_KEY
    public = SigningKey.from_multibase(leaked).public_multibase
    settings.LRS_ISSUER_KEY = SigningKey.generate().secret_multibase
    credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events[1:]), kind="achievement"
    )
    issuer_key_revoke(actor=None, public_key=public, reason="Leaked")
    settings.LRS_ISSUER_KEY = leaked
    with pytest.raises(Conflict, match="was revoked"):
        credentials_issue(
            actor=provider_user, learner=learner, event_ids=ids(events[1:]), kind="clr"
        )


def test_without_a_key_or_address_issuing_is_refused_clearly(
    settings, provider_user, learner, events
):
    from lrs.credentials.issuer import IssuingNotConfigured

    settings.LRS_ISSUER_KEY = ""
    with pytest.raises(IssuingNotConfigured, match="LRS_ISSUER_KEY"):
        credentials_issue(actor=provider_user, learner=learner, event_ids=ids(events), kind="clr")
    settings.LRS_ISSUER_KEY = SigningKey.generate().secret_multibase
    settings.LRS_ISSUER_URL = ""
    with pytest.raises(IssuingNotConfigured, match="LRS_ISSUER_URL"):
        credentials_issue(actor=provider_user, learner=learner, event_ids=ids(events), kind="clr")
