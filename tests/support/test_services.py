from __future__ import annotations

import pytest

from lrs.audit.models import AuditEntry
from lrs.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from lrs.duplicates.models import DuplicatePair, PairSource, PairStatus
from lrs.duplicates.services import (
    duplicate_pair_mark_not_same,
    learners_merge,
    learners_unmerge,
)
from lrs.learners.models import LearnerStatus
from lrs.support.lifecycle import Party, Status, allowed, moves_from
from lrs.support.models import SupportRequest
from lrs.support.services import (
    attachment_path,
    support_request_assign,
    support_request_create,
    support_request_reply,
    support_request_set_status,
)
from tests.duplicates.factories import make_learner, make_provider_user
from tests.support.conftest import queued_emails, upload
from tests.upload_samples import PNG

pytestmark = pytest.mark.django_db


def _general(actor, **changes):
    args = {
        "actor": actor,
        "category": "batch_files",
        "summary": "Cannot read the results",
        "description": "The results file of my batch will not open.",
    }
    return support_request_create(**{**args, **changes})


def _problems(excinfo) -> dict[str, str]:
    return {p.field: p.rule for p in excinfo.value.problems}


# --- Raising ----------------------------------------------------------------------------


def test_a_user_raises_a_general_request_which_is_open_audited_and_announced_to_the_desk(
    provider_user,
):
    created = _general(provider_user)
    assert created.reference.startswith("SR-")
    assert created.status == Status.OPEN
    assert created.organisation == provider_user.organisation
    assert created.raised_by == provider_user
    assert AuditEntry.objects.filter(action="support.create", object_id=created.reference).exists()
    [email] = queued_emails()
    assert email["to"] == ["desk@lrs.test"]
    assert created.reference in email["subject"]
    assert f"https://lrs.test/service-desk/support/{created.reference}/" in email["body"]


def test_emails_never_carry_the_description_or_any_uln_or_learner_details(provider_user, twins):
    first, second, _ = twins
    created = support_request_create(
        actor=provider_user,
        category="two_ulns",
        description="Olivia Thornbury was registered twice in September",
        ulns=[first.uln, second.uln],
    )
    support_request_reply(
        actor=provider_user, support_request=created, body="Her postcode is CV4 9EE"
    )
    emails = queued_emails()
    assert len(emails) == 2
    for email in emails:
        text = email["subject"] + email["body"]
        assert created.reference in text
        for secret in (first.uln, second.uln, "Olivia", "Thornbury", "CV4 9EE", "September"):
            assert secret not in text


def test_an_unknown_category_and_a_missing_description_are_refused_with_clear_messages(
    provider_user,
):
    with pytest.raises(ValidationFailed) as excinfo:
        _general(provider_user, category="complaint")
    assert _problems(excinfo) == {"category": "Select what you need help with"}
    with pytest.raises(ValidationFailed) as excinfo:
        _general(provider_user, description="   ")
    assert _problems(excinfo) == {"description": "Enter a description"}
    with pytest.raises(ValidationFailed) as excinfo:
        _general(provider_user, description="x" * 4001)
    assert _problems(excinfo) == {"description": "A description must be 4,000 characters or fewer"}


def test_an_invalid_uln_is_refused_by_its_check_digit(provider_user):
    with pytest.raises(ValidationFailed) as excinfo:
        _general(provider_user, ulns=["1234567890"])
    assert "1234567890 is not a valid ULN" in _problems(excinfo)["ulns"]


def test_a_uln_the_organisation_has_not_been_shown_is_not_found_whoever_holds_it(
    provider_user, other_user
):
    someone_elses = make_learner(other_user, given_name="Priya", family_name="Ramanathan")
    with pytest.raises(ValidationFailed) as excinfo:
        _general(provider_user, ulns=[someone_elses.uln])
    assert _problems(excinfo) == {"ulns": f"No learner has the ULN {someone_elses.uln}"}


def test_a_general_request_may_name_one_uln_the_organisation_has_seen(provider_user, twins):
    created = _general(provider_user, ulns=[twins[0].uln])
    assert created.ulns == [twins[0].uln]
    with pytest.raises(ValidationFailed) as excinfo:
        _general(provider_user, ulns=[twins[0].uln, twins[1].uln])
    assert _problems(excinfo) == {"ulns": "Enter one ULN only"}


def test_each_uln_problem_needs_its_own_number_of_ulns(provider_user, twins):
    first, second, _ = twins
    with pytest.raises(ValidationFailed) as excinfo:
        support_request_create(
            actor=provider_user, category="two_ulns", description="", ulns=[first.uln]
        )
    assert _problems(excinfo) == {"ulns": "Enter at least 2 ULNs"}
    with pytest.raises(ValidationFailed) as excinfo:
        support_request_create(actor=provider_user, category="shared_uln", description="")
    assert _problems(excinfo) == {"ulns": "Enter the ULN"}
    with pytest.raises(ValidationFailed) as excinfo:
        support_request_create(
            actor=provider_user, category="two_ulns", description="", ulns=[first.uln] * 2
        )
    assert _problems(excinfo) == {"ulns": "A ULN is listed twice"}
    with pytest.raises(ValidationFailed) as excinfo:
        support_request_create(
            actor=provider_user, category="details_wrong", description="", ulns=[first.uln]
        )
    assert _problems(excinfo) == {"description": "Enter what is wrong"}
    shared = support_request_create(
        actor=provider_user, category="shared_uln", description="", ulns=[second.uln]
    )
    assert shared.summary == "This ULN is shared by two people"
    assert not shared.pairs.exists()


def test_the_service_desk_does_not_raise_requests(desk_user):
    with pytest.raises(NotPermitted):
        _general(desk_user)


def test_an_attachment_is_stored_under_a_name_of_our_own(provider_user):
    created = _general(provider_user, attachments=[upload("../../etc/passwd.png")])
    [attachment] = created.attachments.all()
    assert attachment.original_name == "passwd.png"
    assert attachment.stored_path.endswith(".bin")
    assert attachment_path(attachment).read_bytes() == PNG


def test_an_attachment_of_the_wrong_type_or_too_large_is_refused_and_nothing_is_kept(
    provider_user, settings
):
    with pytest.raises(ValidationFailed) as excinfo:
        _general(provider_user, attachments=[upload("run.exe", b"MZ", "application/x-msdownload")])
    assert _problems(excinfo) == {
        "attachments": "An attachment must be a PDF, PNG, JPEG or plain text file"
    }
    settings.LRS_EVIDENCE_MAX_BYTES = 4
    with pytest.raises(ValidationFailed) as excinfo:
        _general(provider_user, attachments=[upload()])
    assert _problems(excinfo) == {"attachments": "Each attachment must be 0 MB or smaller"}
    assert not SupportRequest.objects.exists()


# --- Two ULNs: the duplicate review queue ----------------------------------------------------


def test_a_two_ulns_report_puts_each_pair_in_the_duplicate_queue_as_reported(provider_user, twins):
    first, second, third = twins
    created = support_request_create(
        actor=provider_user,
        category="two_ulns",
        description="",
        ulns=[first.uln, second.uln, third.uln],
    )
    pairs = list(created.pairs.order_by("pk"))
    assert len(pairs) == 2
    assert all(p.source == PairSource.REPORT and p.status == PairStatus.OPEN for p in pairs)
    assert {(p.first_id, p.second_id) for p in pairs} == {
        tuple(sorted((first.pk, second.pk))),
        tuple(sorted((first.pk, third.pk))),
    }


def test_merging_the_reported_pair_resolves_the_report_and_tells_the_reporter(
    provider_user, desk_user, twins
):
    first, second, _ = twins
    created = support_request_create(
        actor=provider_user, category="two_ulns", description="", ulns=[first.uln, second.uln]
    )
    pair = created.pairs.get()
    learners_merge(
        actor=desk_user,
        master_uln=first.uln,
        other_ulns=[second.uln],
        reason="Registered twice",
        pair=pair,
    )
    created.refresh_from_db()
    second.refresh_from_db()
    assert second.status == LearnerStatus.LINKED
    assert created.status == Status.RESOLVED
    assert created.resolved_at is not None
    assert f"use ULN {first.uln} from now on" in created.outcome
    [note] = created.messages.all()
    assert note.author is None
    assert note.from_service_desk
    last = queued_emails()[-1]
    assert last["to"] == ["online@fenland.test"]
    assert "resolved" in last["subject"]
    assert f"https://lrs.test/support/{created.reference}/" in last["body"]
    assert first.uln not in last["body"]


def test_undoing_the_merge_reopens_the_report_with_the_desk_and_tells_the_reporter(
    provider_user, desk_user, twins
):
    first, second, _ = twins
    created = support_request_create(
        actor=provider_user, category="two_ulns", description="", ulns=[first.uln, second.uln]
    )
    merge = learners_merge(
        actor=desk_user,
        master_uln=first.uln,
        other_ulns=[second.uln],
        reason="Registered twice",
        pair=created.pairs.get(),
    )

    learners_unmerge(actor=desk_user, merge=merge, reason="Different people after all")

    created.refresh_from_db()
    assert created.status == Status.IN_PROGRESS
    assert created.resolved_at is None
    assert created.outcome == ""
    assert created.pairs.get().status == PairStatus.OPEN
    note = created.messages.order_by("-pk").first()
    assert note.author is None
    assert f"undone the merge into ULN {first.uln}" in note.body
    last = queued_emails()[-1]
    assert last["to"] == ["online@fenland.test"]
    assert "reopened" in last["subject"]
    assert first.uln not in last["body"]
    entry = AuditEntry.objects.get(action="support.merge_undone")
    assert entry.object_id == created.reference


def test_undoing_a_merge_leaves_a_report_the_user_closed_alone(provider_user, desk_user, twins):
    first, second, _ = twins
    created = support_request_create(
        actor=provider_user, category="two_ulns", description="", ulns=[first.uln, second.uln]
    )
    support_request_set_status(actor=provider_user, support_request=created, status="closed")
    merge = learners_merge(
        actor=desk_user, master_uln=first.uln, other_ulns=[second.uln], reason="Same person"
    )
    learners_unmerge(actor=desk_user, merge=merge, reason="Mistake")
    created.refresh_from_db()
    assert created.status == Status.CLOSED


def test_a_merge_made_without_the_pair_still_resolves_the_report(provider_user, desk_user, twins):
    first, second, _ = twins
    created = support_request_create(
        actor=provider_user, category="two_ulns", description="", ulns=[first.uln, second.uln]
    )
    learners_merge(
        actor=desk_user, master_uln=second.uln, other_ulns=[first.uln], reason="Same person"
    )
    created.refresh_from_db()
    assert created.status == Status.RESOLVED


def test_not_the_same_person_resolves_the_report_and_says_both_ulns_stay(
    provider_user, desk_user, twins
):
    first, _, third = twins
    created = support_request_create(
        actor=provider_user, category="two_ulns", description="", ulns=[first.uln, third.uln]
    )
    duplicate_pair_mark_not_same(
        actor=desk_user, pair=created.pairs.get(), reason="Different dates of birth"
    )
    created.refresh_from_db()
    assert created.status == Status.RESOLVED
    assert "belong to different people" in created.outcome
    assert "resolved" in queued_emails()[-1]["subject"]


def test_a_report_of_three_ulns_waits_until_every_pair_is_decided(provider_user, desk_user, twins):
    first, second, third = twins
    created = support_request_create(
        actor=provider_user,
        category="two_ulns",
        description="",
        ulns=[first.uln, second.uln, third.uln],
    )
    with_third = created.pairs.get(second=third) if third.pk > first.pk else None
    assert with_third is not None
    duplicate_pair_mark_not_same(actor=desk_user, pair=with_third, reason="Not her")
    created.refresh_from_db()
    assert created.status == Status.OPEN
    assert created.messages.count() == 1
    learners_merge(
        actor=desk_user, master_uln=first.uln, other_ulns=[second.uln], reason="Same person"
    )
    created.refresh_from_db()
    assert created.status == Status.RESOLVED
    assert "different people" in created.outcome
    assert "merged" in created.outcome


def test_reporting_a_pair_someone_already_reported_joins_the_same_pair(provider_user, twins):
    first, second, _ = twins
    one = support_request_create(
        actor=provider_user, category="two_ulns", description="", ulns=[first.uln, second.uln]
    )
    two = support_request_create(
        actor=provider_user, category="two_ulns", description="", ulns=[second.uln, first.uln]
    )
    assert one.pairs.get() == two.pairs.get()
    assert DuplicatePair.objects.count() == 1


def test_a_linked_learner_cannot_be_reported_as_a_duplicate(provider_user, desk_user, twins):
    first, second, third = twins
    learners_merge(actor=desk_user, master_uln=first.uln, other_ulns=[second.uln], reason="Same")
    with pytest.raises(ValidationFailed) as excinfo:
        support_request_create(
            actor=provider_user,
            category="two_ulns",
            description="",
            ulns=[second.uln, third.uln],
        )
    assert "only active learners" in _problems(excinfo)["ulns"]
    assert not SupportRequest.objects.exists()


# --- The conversation and the lifecycle ------------------------------------------------------


def test_a_desk_reply_waits_for_the_user_assigns_the_replier_and_emails_the_raiser(
    provider_user, desk_user
):
    created = _general(provider_user)
    support_request_reply(actor=desk_user, support_request=created, body="Which batch?")
    created.refresh_from_db()
    assert created.status == Status.WAITING
    assert created.assigned_to == desk_user
    last = queued_emails()[-1]
    assert last["to"] == ["online@fenland.test"]
    assert "replied" in last["subject"]
    assert "Which batch?" not in last["body"]


def test_the_users_reply_opens_the_request_again_and_emails_the_desk_and_the_assignee(
    provider_user, desk_user
):
    created = _general(provider_user)
    support_request_reply(actor=desk_user, support_request=created, body="Which batch?")
    support_request_reply(
        actor=provider_user,
        support_request=created,
        body="The one from Monday",
        attachments=[upload("results.txt", b"hello", "text/plain")],
    )
    created.refresh_from_db()
    assert created.status == Status.OPEN
    last = queued_emails()[-1]
    assert set(last["to"]) == {"desk@lrs.test", desk_user.email} - {""}
    message = created.messages.order_by("pk").last()
    assert [a.original_name for a in message.attachments.all()] == ["results.txt"]


def test_a_reply_must_say_something(provider_user):
    created = _general(provider_user)
    with pytest.raises(ValidationFailed) as excinfo:
        support_request_reply(actor=provider_user, support_request=created, body=" ")
    assert _problems(excinfo) == {"body": "Enter your reply"}


def test_someone_who_may_not_see_the_request_cannot_reply_to_it(
    provider_user, colleague, other_user
):
    created = _general(provider_user)
    for stranger in (colleague, other_user):
        with pytest.raises(NotFound):
            support_request_reply(actor=stranger, support_request=created, body="Hello")


def test_resolving_needs_an_outcome_and_a_resolved_request_takes_no_more_replies(
    provider_user, desk_user
):
    created = _general(provider_user)
    with pytest.raises(ValidationFailed) as excinfo:
        support_request_set_status(actor=desk_user, support_request=created, status="resolved")
    assert _problems(excinfo) == {"outcome": "Enter the outcome"}
    support_request_set_status(
        actor=desk_user, support_request=created, status="resolved", outcome="Fixed the file"
    )
    created.refresh_from_db()
    assert created.status == Status.RESOLVED
    assert created.outcome == "Fixed the file"
    assert "now resolved" in queued_emails()[-1]["subject"]
    with pytest.raises(Conflict):
        support_request_reply(actor=provider_user, support_request=created, body="Thanks")
    support_request_set_status(actor=desk_user, support_request=created, status="in_progress")
    created.refresh_from_db()
    assert created.status == Status.IN_PROGRESS
    assert created.outcome == ""
    assert created.resolved_at is None


def test_the_user_may_close_their_request_but_not_resolve_or_reopen_it(provider_user, desk_user):
    created = _general(provider_user)
    with pytest.raises(Conflict):
        support_request_set_status(
            actor=provider_user, support_request=created, status="resolved", outcome="Done"
        )
    support_request_set_status(actor=provider_user, support_request=created, status="closed")
    created.refresh_from_db()
    assert created.status == Status.CLOSED
    with pytest.raises(Conflict):
        support_request_set_status(
            actor=provider_user, support_request=created, status="in_progress"
        )


def test_assigning_takes_an_open_request_into_progress_and_only_to_the_desk(
    provider_user, desk_user
):
    created = _general(provider_user)
    with pytest.raises(NotPermitted):
        support_request_assign(actor=provider_user, support_request=created, assignee=desk_user)
    with pytest.raises(ValidationFailed):
        support_request_assign(actor=desk_user, support_request=created, assignee=provider_user)
    support_request_assign(actor=desk_user, support_request=created, assignee=desk_user)
    created.refresh_from_db()
    assert created.assigned_to == desk_user
    assert created.status == Status.IN_PROGRESS
    support_request_assign(actor=desk_user, support_request=created, assignee=None)
    created.refresh_from_db()
    assert created.assigned_to is None
    assert AuditEntry.objects.filter(action="support.assign").count() == 2


def test_the_lifecycle_lets_each_party_make_only_its_own_moves():
    assert allowed("waiting", "open", Party.USER)
    assert not allowed("waiting", "open", Party.DESK)
    assert not allowed("resolved", "in_progress", Party.USER)
    assert allowed("resolved", "in_progress", Party.DESK)
    assert moves_from("open", Party.USER) == [Status.CLOSED]
    assert Status.RESOLVED in moves_from("in_progress", Party.SYSTEM)


def test_a_user_of_another_provider_reporting_the_same_learners_is_told_not_found(twins):
    stranger = make_provider_user()
    with pytest.raises(ValidationFailed) as excinfo:
        support_request_create(
            actor=stranger,
            category="two_ulns",
            description="",
            ulns=[twins[0].uln, twins[1].uln],
        )
    assert "No learner has the ULN" in _problems(excinfo)["ulns"]
