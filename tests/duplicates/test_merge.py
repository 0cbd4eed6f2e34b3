"""Merging ULNs of one person and undoing it: what moves to the master, what every query on
a linked ULN answers, what is refused, and that an unmerge puts back exactly what was
there before the merge."""

from __future__ import annotations

import pytest

from lrs.access import Role
from lrs.audit.models import AuditEntry
from lrs.batches.models import BatchRow
from lrs.challenges.lifecycle import Status
from lrs.challenges.models import Challenge
from lrs.challenges.services import challenge_acknowledge, challenge_resolve, challenge_withdraw
from lrs.core import codes
from lrs.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from lrs.duplicates.models import DuplicatePair, LearnerMerge, PairStatus
from lrs.duplicates.selectors import learner_merges, learners_linked_to
from lrs.duplicates.services import (
    MAX_MERGE,
    duplicate_pair_mark_not_same,
    duplicate_pair_propose,
    learners_merge,
    learners_unmerge,
)
from lrs.identifiers.uln import random_ulns
from lrs.learners.models import Learner, LearnerAccess, LearnerChange, LearnerStatus
from lrs.learners.services import (
    LearnerError,
    learner_access_record,
    learner_find,
    learner_lookup,
    learner_update,
    learner_verify,
    learners_retrieve,
)
from lrs.records.models import LearningEvent, LearningEventChange
from lrs.records.services import plr_get
from tests.duplicates.factories import (
    make_batch_row,
    make_desk_user,
    make_learner,
    make_provider_user,
    snapshot,
)
from tests.factories import (
    OLIVIA,
    make_ao_user,
    make_challenge,
    make_event,
    make_organisation,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return make_desk_user()


@pytest.fixture
def provider():
    return make_provider_user()


@pytest.fixture
def ao():
    return make_ao_user()


@pytest.fixture
def olivia(provider):
    return make_learner(provider)


@pytest.fixture
def moved(provider, olivia):
    """Olivia again, registered after she moved house: a second ULN for one person."""
    return make_learner(provider, last_known_postcode="B15 2TT")


@pytest.fixture
def typo(provider, olivia):
    """Olivia a third time, with a typing error in her given name, round the corner."""
    return make_learner(provider, given_name="Olivai", last_known_postcode="CV4 9EF")


@pytest.fixture
def stranger(provider):
    return make_learner(
        provider,
        given_name="Marcus",
        family_name="Ellingham",
        date_of_birth="1999-11-02",
        gender="1",
        last_known_postcode="LS6 3HN",
    )


def merge(desk, master, *others, reason="Same person: confirmed with the college", **kwargs):
    return learners_merge(
        actor=desk,
        master_uln=master.uln,
        other_ulns=[o.uln for o in others],
        reason=reason,
        **kwargs,
    )


def unmerge(desk, merge, reason="Merged in error: twins"):
    return learners_unmerge(actor=desk, merge=merge, reason=reason)


def fresh(learner):
    return Learner.objects.get(pk=learner.pk)


def state(learner):
    learner = fresh(learner)
    return learner.status, learner.master_id


def unknown_uln():
    taken = set(Learner.objects.values_list("uln", flat=True))
    return next(u for u in random_ulns(20) if u not in taken)


# --- Merging ----------------------------------------------------------------------------


def test_merging_two_ulns_links_the_other_to_the_master_with_history_and_an_audit_entry(
    desk, olivia, moved
):
    done = merge(desk, olivia, moved)

    moved, olivia = fresh(moved), fresh(olivia)
    assert (moved.status, moved.master_id) == (LearnerStatus.LINKED, olivia.pk)
    assert (olivia.status, olivia.master_id) == (LearnerStatus.ACTIVE, None)
    assert olivia.version_number == 1  # the master's own record is not changed
    change = LearnerChange.objects.get(learner=moved, version_number=2)
    assert change.action == "merge"
    assert change.actor == desk
    assert change.organisation == desk.organisation
    assert change.changes == {"status": ["0", "1"], "master": [None, olivia.uln]}
    assert moved.version_number == 2
    assert done.master == olivia
    assert done.merged_by == desk
    assert done.linked_ulns == [moved.uln]
    assert not done.is_undone
    assert learners_linked_to(actor=desk, master=olivia) == [moved]
    entry = AuditEntry.objects.get(action="learner.merge")
    assert entry.object_id == olivia.uln
    assert entry.actor == desk
    assert entry.detail["linked"] == [moved.uln]
    assert entry.detail["merge"] == done.pk
    assert entry.detail["reason"] == "Same person: confirmed with the college"


def test_merging_three_ulns_links_both_others_and_moves_all_their_events_to_the_master(
    desk, ao, olivia, moved, typo
):
    kept = make_event(ao, olivia)
    from_moved = [make_event(ao, moved), make_event(ao, moved)]
    from_typo = make_event(ao, typo)

    done = merge(desk, olivia, moved, typo)

    assert sorted(done.linked_ulns) == sorted([moved.uln, typo.uln])
    for learner in (moved, typo):
        assert (fresh(learner).status, fresh(learner).master_id) == (
            LearnerStatus.LINKED,
            olivia.pk,
        )
    assert set(LearningEvent.objects.filter(learner=olivia)) == {kept, *from_moved, from_typo}
    assert LearningEvent.objects.get(pk=kept.pk).version_number == 1  # not moved, not touched
    for event, was_on in [(e, moved) for e in from_moved] + [(from_typo, typo)]:
        history = LearningEventChange.objects.get(event=event, version_number=2)
        assert history.action == "move"
        assert history.actor == desk
        assert history.changes == {"learner": [was_on.pk, olivia.pk]}
        assert history.reason.startswith("Learners merged: Same person")
    assert sorted(learner.uln for learner in learners_linked_to(actor=desk, master=olivia)) == (
        sorted([moved.uln, typo.uln])
    )
    assert AuditEntry.objects.get(action="learner.merge").detail["events"] == 3


def test_open_challenges_follow_the_master_and_closed_ones_stay_where_they_were(
    desk, ao, provider, olivia, moved
):
    open_event, closed_event = make_event(ao, moved), make_event(ao, moved)
    still_open = make_challenge(provider, open_event)
    acknowledged = make_challenge(provider, make_event(ao, moved))
    challenge_acknowledge(actor=ao, challenge=acknowledged)
    withdrawn = challenge_withdraw(actor=provider, challenge=make_challenge(provider, closed_event))

    done = merge(desk, olivia, moved)

    assert Challenge.objects.get(pk=still_open.pk).learner_id == olivia.pk
    assert Challenge.objects.get(pk=acknowledged.pk).learner_id == olivia.pk
    assert Challenge.objects.get(pk=withdrawn.pk).learner_id == moved.pk
    assert Challenge.objects.get(pk=withdrawn.pk).status == Status.WITHDRAWN
    assert sorted(c for c, _ in done.before["challenges"]) == sorted(
        [still_open.pk, acknowledged.pk]
    )


def test_batch_results_naming_a_linked_uln_are_rewritten_to_the_master(
    desk, provider, olivia, moved, stranger
):
    rows = [make_batch_row(provider, moved.uln), make_batch_row(provider, moved.uln)]
    on_master = make_batch_row(provider, olivia.uln)
    elsewhere = make_batch_row(provider, stranger.uln)
    no_uln = make_batch_row(provider, "", return_code="RC006")

    merge(desk, olivia, moved)

    for row in rows:
        assert BatchRow.objects.get(pk=row.pk).uln == olivia.uln
    assert BatchRow.objects.get(pk=on_master.pk).uln == olivia.uln
    assert BatchRow.objects.get(pk=elsewhere.pk).uln == stranger.uln
    assert BatchRow.objects.get(pk=no_uln.pk).uln == ""
    assert AuditEntry.objects.get(action="learner.merge").detail["batch_rows"] == 2


def test_organisations_that_had_found_a_linked_learner_may_open_the_master(
    desk, provider, olivia, moved
):
    school = make_organisation()
    learner_access_record(organisation_id=school.pk, learner_ids=[moved.pk])
    already = LearnerAccess.objects.filter(learner=olivia).count()

    done = merge(desk, olivia, moved)

    granted = LearnerAccess.objects.get(organisation=school, learner=olivia)
    assert done.before["access"] == [granted.pk]
    # The provider had seen both: it keeps its one row for the master, not a second one.
    assert LearnerAccess.objects.filter(learner=olivia).count() == already + 1
    assert LearnerAccess.objects.filter(organisation=school, learner=moved).exists()


def test_every_query_on_a_linked_uln_answers_with_the_master_wsrc0022(
    desk, ao, provider, olivia, moved
):
    events = [make_event(ao, olivia), make_event(ao, moved)]
    merge(desk, olivia, moved)

    found = learner_find(actor=provider, data={**OLIVIA, "last_known_postcode": "B15 2TT"})
    assert found.response_code == codes.MASTER_SUBSTITUTED
    assert [(c.uln, c.master_substituted) for c in found.candidates] == [(olivia.uln, True)]

    looked_up = learner_lookup(
        actor=provider, uln=moved.uln, given_name="Olivia", family_name="Thornbury"
    )
    assert (looked_up.response_code, looked_up.learner) == (codes.MASTER_SUBSTITUTED, olivia)

    [verified] = learner_verify(
        actor=ao, items=[{"uln": moved.uln, "given_name": "Olivia", "family_name": "Thornbury"}]
    )
    assert (verified.response_code, verified.found_uln) == (codes.VERIFY_LINKED_MATCH, olivia.uln)

    [retrieved] = learners_retrieve(actor=provider, ulns=[moved.uln])
    assert (retrieved.response_code, retrieved.master_uln, retrieved.status) == (
        codes.MASTER_SUBSTITUTED,
        olivia.uln,
        LearnerStatus.LINKED,
    )

    plr = plr_get(actor=provider, uln=moved.uln, given_name="Olivia", family_name="Thornbury")
    assert (plr.response_code, plr.learner, plr.incoming_uln) == (
        codes.MASTER_SUBSTITUTED,
        olivia,
        moved.uln,
    )
    assert set(plr.events) == set(events)

    with pytest.raises(LearnerError) as refused:
        learner_update(
            actor=provider,
            uln=moved.uln,
            version_number=fresh(moved).version_number,
            data={"given_name": "Liv"},
        )
    assert refused.value.response_code == codes.MASTER_SUBSTITUTED


def test_a_find_for_two_near_identical_records_is_exact_once_they_are_merged(desk, provider):
    olivia = make_learner(provider)
    not_specified = make_learner(provider, gender="9")  # the same in all but gender
    assert learner_find(actor=provider, data=OLIVIA).response_code == codes.POSSIBLE
    merge(desk, olivia, not_specified)
    assert learner_find(actor=provider, data=OLIVIA).response_code == codes.EXACT
    found = learner_find(actor=provider, data={**OLIVIA, "gender": "9"})
    assert found.response_code in (codes.EXACT, codes.MASTER_SUBSTITUTED)
    assert [c.uln for c in found.candidates] == [olivia.uln]


def test_merging_a_learner_that_is_itself_a_master_re_points_its_linked_learners(
    desk, ao, olivia, moved, typo
):
    event = make_event(ao, typo)
    first = merge(desk, moved, typo)  # typo -> moved
    second = merge(desk, olivia, moved)  # moved (with typo behind it) -> olivia

    for learner in (moved, typo):
        assert (fresh(learner).status, fresh(learner).master_id) == (
            LearnerStatus.LINKED,
            olivia.pk,
        )
    assert LearningEvent.objects.get(pk=event.pk).learner_id == olivia.pk
    assert second.before["learners"] == [
        {"id": moved.pk, "uln": moved.uln, "status": "0", "master_id": None},
        {"id": typo.pk, "uln": typo.uln, "status": "1", "master_id": moved.pk},
    ]
    assert fresh(typo).changes.order_by("-version_number").first().changes == {
        "status": ["1", "1"],
        "master": [moved.uln, olivia.uln],
    }
    # Undone in reverse order, each merge puts back its own state.
    unmerge(desk, second)
    assert (fresh(typo).master_id, fresh(moved).status) == (moved.pk, LearnerStatus.ACTIVE)
    assert LearningEvent.objects.get(pk=event.pk).learner_id == moved.pk
    unmerge(desk, first)
    assert fresh(typo).status == LearnerStatus.ACTIVE
    assert LearningEvent.objects.get(pk=event.pk).learner_id == typo.pk


# --- What is refused --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("master", "others", "field"),
    [
        ("invalid", ["moved"], "master_uln"),
        ("", ["moved"], "master_uln"),
        ("olivia", [], "other_ulns"),
        ("olivia", ["", "  "], "other_ulns"),
        ("olivia", ["invalid"], "other_ulns"),
        ("olivia", ["moved", "olivia"], "other_ulns"),
        ("olivia", ["moved", "moved"], "other_ulns"),
        ("olivia", ["too many"], "other_ulns"),
    ],
)
def test_a_merge_with_invalid_ulns_is_refused_field_by_field_and_changes_nothing(
    desk, olivia, moved, master, others, field
):
    named = {"olivia": olivia.uln, "moved": moved.uln, "invalid": "9276308687", "": ""}
    other_ulns = [named.get(o, o) for o in others]
    if others == ["too many"]:
        other_ulns = [moved.uln, *random_ulns(MAX_MERGE - 1)]
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        learners_merge(
            actor=desk, master_uln=named[master], other_ulns=other_ulns, reason="Same person"
        )
    assert field in [p.field for p in refused.value.problems]
    assert snapshot() == before
    assert not LearnerMerge.objects.exists()
    assert not AuditEntry.objects.filter(action="learner.merge").exists()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_a_merge_needs_a_reason_of_at_most_a_thousand_characters(desk, olivia, moved, reason):
    with pytest.raises(ValidationFailed) as refused:
        merge(desk, olivia, moved, reason=reason)
    assert [p.field for p in refused.value.problems] == ["reason"]
    assert fresh(moved).status == LearnerStatus.ACTIVE


def test_a_merge_with_an_unknown_uln_is_not_found_and_changes_nothing(desk, olivia, moved):
    missing = unknown_uln()
    before = snapshot()
    with pytest.raises(NotFound) as refused:
        learners_merge(
            actor=desk, master_uln=olivia.uln, other_ulns=[moved.uln, missing], reason="Same"
        )
    assert missing in refused.value.message
    assert snapshot() == before


def test_a_closed_learner_cannot_be_merged_either_way(desk, olivia, moved):
    Learner.objects.filter(pk=moved.pk).update(status=LearnerStatus.CLOSED)
    before = snapshot()
    with pytest.raises(Conflict) as as_other:
        merge(desk, olivia, moved)
    with pytest.raises(Conflict) as as_master:
        merge(desk, moved, olivia)
    assert as_other.value.code == as_master.value.code == "learner_closed"
    assert snapshot() == before


def test_a_learner_already_linked_cannot_be_merged_again_nor_be_a_master(desk, olivia, moved, typo):
    merge(desk, olivia, moved)
    before = snapshot()
    with pytest.raises(Conflict) as as_other:
        merge(desk, typo, moved)
    with pytest.raises(Conflict) as as_master:
        merge(desk, moved, typo)
    assert as_other.value.code == as_master.value.code == "learner_linked"
    assert snapshot() == before
    assert LearnerMerge.objects.count() == 1


@pytest.mark.parametrize("role", [Role.SUPER_USER, Role.ONLINE_USER])
def test_nobody_but_the_service_desk_merges_or_unmerges(desk, provider, olivia, moved, role):
    outsider = make_user(provider.organisation, role)
    with pytest.raises(NotPermitted):
        merge(outsider, olivia, moved)
    done = merge(desk, olivia, moved)
    with pytest.raises(NotPermitted):
        unmerge(outsider, done)
    with pytest.raises(NotPermitted):
        unmerge(make_ao_user(), done)
    assert not LearnerMerge.objects.get().is_undone


# --- Merging from the review queue ---------------------------------------------------------


def test_merging_a_proposed_pair_decides_it_and_supersedes_pairs_of_the_linked_learner(
    desk, olivia, moved, typo, stranger
):
    pair = duplicate_pair_propose(actor=desk, first_uln=olivia.uln, second_uln=moved.uln)
    linked_other = duplicate_pair_propose(actor=desk, first_uln=moved.uln, second_uln=typo.uln)
    master_other = duplicate_pair_propose(actor=desk, first_uln=olivia.uln, second_uln=typo.uln)
    unrelated = duplicate_pair_propose(actor=desk, first_uln=typo.uln, second_uln=stranger.uln)

    done = merge(desk, olivia, moved, pair=pair)

    pair.refresh_from_db()
    assert (pair.status, pair.merge, pair.decided_by) == (PairStatus.MERGED, done, desk)
    assert pair.decision_reason == "Same person: confirmed with the college"
    linked_other.refresh_from_db()
    assert (linked_other.status, linked_other.merge) == (PairStatus.SUPERSEDED, done)
    # The master is still a learner in its own right: its other pairs stay to be decided.
    master_other.refresh_from_db()
    unrelated.refresh_from_db()
    assert master_other.status == unrelated.status == PairStatus.OPEN


def test_a_pair_decided_meanwhile_cannot_be_merged_or_decided_again(desk, olivia, moved):
    pair = duplicate_pair_propose(actor=desk, first_uln=olivia.uln, second_uln=moved.uln)
    stale = DuplicatePair.objects.get(pk=pair.pk)
    duplicate_pair_mark_not_same(actor=desk, pair=pair, reason="Different people: twins")
    before = snapshot()
    with pytest.raises(Conflict) as merged:
        merge(desk, olivia, moved, pair=stale)
    with pytest.raises(Conflict) as marked:
        duplicate_pair_mark_not_same(actor=desk, pair=stale, reason="Again")
    assert merged.value.code == marked.value.code == "pair_decided"
    assert snapshot() == before
    assert DuplicatePair.objects.get(pk=pair.pk).status == PairStatus.NOT_SAME


def test_a_pair_merged_by_one_person_cannot_be_merged_by_another(desk, olivia, moved):
    pair = duplicate_pair_propose(actor=desk, first_uln=olivia.uln, second_uln=moved.uln)
    stale = DuplicatePair.objects.get(pk=pair.pk)
    merge(desk, olivia, moved, pair=pair)
    colleague = make_desk_user()
    with pytest.raises(Conflict):
        merge(colleague, moved, olivia, pair=stale)
    with pytest.raises(Conflict):
        duplicate_pair_mark_not_same(actor=colleague, pair=stale, reason="Not the same")
    assert LearnerMerge.objects.count() == 1


def test_a_pair_is_merged_only_with_its_own_two_learners(desk, olivia, moved, typo):
    pair = duplicate_pair_propose(actor=desk, first_uln=olivia.uln, second_uln=moved.uln)
    with pytest.raises(ValidationFailed):
        merge(desk, olivia, typo, pair=pair)
    assert DuplicatePair.objects.get(pk=pair.pk).status == PairStatus.OPEN
    assert fresh(typo).status == LearnerStatus.ACTIVE


# --- Unmerging ------------------------------------------------------------------------------


def test_an_unmerge_restores_exactly_the_state_before_the_merge(
    desk, ao, provider, olivia, moved, typo, stranger
):
    # Everything a merge touches, on all three records of Olivia, and some that it must not.
    events = [make_event(ao, learner) for learner in (olivia, moved, moved, typo, stranger)]
    open_challenge = make_challenge(provider, events[1])
    challenge_withdraw(actor=provider, challenge=make_challenge(provider, events[2]))
    make_challenge(provider, events[0])
    for learner in (olivia, moved, typo, stranger):
        make_batch_row(provider, learner.uln)
    school = make_organisation()
    learner_access_record(organisation_id=school.pk, learner_ids=[moved.pk, typo.pk])
    pairs = [
        duplicate_pair_propose(actor=desk, first_uln=a.uln, second_uln=b.uln)
        for a, b in ((olivia, moved), (moved, typo), (moved, stranger), (olivia, stranger))
    ]
    duplicate_pair_mark_not_same(actor=desk, pair=pairs[3], reason="Different people")
    before = snapshot()
    versions = {lr.pk: fresh(lr).version_number for lr in (olivia, moved, typo)}

    done = merge(desk, olivia, moved, typo, pair=pairs[0])
    assert snapshot() != before
    assert Challenge.objects.get(pk=open_challenge.pk).learner_id == olivia.pk

    undone = unmerge(desk, done)

    assert snapshot() == before
    assert undone.is_undone
    assert (undone.unmerged_by, undone.unmerge_reason) == (desk, "Merged in error: twins")
    # Versions went up: the merge and its undoing are history, not loss.
    for learner in (moved, typo):
        assert fresh(learner).version_number == versions[learner.pk] + 2
        assert list(
            fresh(learner).changes.order_by("version_number").values_list("action", flat=True)
        )[-2:] == ["merge", "unmerge"]
        assert fresh(learner).changes.get(action="unmerge").changes == {
            "status": ["1", "0"],
            "master": [olivia.uln, None],
        }
    assert fresh(olivia).version_number == versions[olivia.pk]
    for event in events[1:4]:
        actions = LearningEventChange.objects.filter(event=event).order_by("version_number")
        assert [c.action for c in actions] == ["create", "move", "move"]
        assert actions.last().reason.startswith("Merge undone: Merged in error")
    entry = AuditEntry.objects.get(action="learner.unmerge")
    assert entry.object_id == olivia.uln
    assert sorted(entry.detail["unlinked"]) == sorted([moved.uln, typo.uln])
    assert entry.detail["events_left_alone"] == []


def test_a_merge_cannot_be_undone_twice(desk, olivia, moved):
    done = merge(desk, olivia, moved)
    unmerge(desk, done)
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        unmerge(desk, done)
    assert refused.value.code == "already_unmerged"
    assert snapshot() == before
    assert AuditEntry.objects.filter(action="learner.unmerge").count() == 1


def test_an_unmerge_needs_a_reason(desk, olivia, moved):
    done = merge(desk, olivia, moved)
    with pytest.raises(ValidationFailed):
        unmerge(desk, done, reason=" ")
    assert fresh(moved).status == LearnerStatus.LINKED


def test_an_unmerge_is_refused_while_a_later_merge_builds_on_it(desk, olivia, moved, typo):
    first = merge(desk, moved, typo)
    second = merge(desk, olivia, moved)
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        unmerge(desk, first)
    assert refused.value.code == "merge_superseded"
    assert snapshot() == before
    unmerge(desk, second)
    unmerge(desk, first)
    assert {fresh(lr).status for lr in (olivia, moved, typo)} == {LearnerStatus.ACTIVE}


def test_a_merge_of_its_master_with_someone_else_does_not_block_an_unmerge(
    desk, olivia, moved, typo
):
    first = merge(desk, olivia, moved)
    merge(desk, olivia, typo)
    unmerge(desk, first)
    assert fresh(moved).status == LearnerStatus.ACTIVE
    assert (fresh(typo).status, fresh(typo).master_id) == (LearnerStatus.LINKED, olivia.pk)


def test_an_event_a_challenge_moved_elsewhere_after_the_merge_is_left_where_it_is(
    desk, ao, provider, olivia, moved, stranger
):
    wrong, right = make_event(ao, moved), make_event(ao, moved)
    done = merge(desk, olivia, moved)
    challenge = make_challenge(provider, LearningEvent.objects.get(pk=wrong.pk))
    challenge_acknowledge(actor=ao, challenge=challenge)
    challenge_resolve(
        actor=ao,
        challenge=challenge,
        outcome="move",
        reason="It is Marcus's certificate",
        correct_uln=stranger.uln,
    )

    unmerge(desk, done)

    assert LearningEvent.objects.get(pk=wrong.pk).learner_id == stranger.pk
    assert LearningEvent.objects.get(pk=right.pk).learner_id == moved.pk
    entry = AuditEntry.objects.get(action="learner.unmerge")
    assert entry.detail["events_left_alone"] == [str(wrong.public_id)]
    # The challenge raised against the master is resolved: it stays as it was.
    assert Challenge.objects.get(pk=challenge.pk).learner_id == olivia.pk


def test_an_open_challenge_raised_after_the_merge_follows_its_event_back(
    desk, ao, provider, olivia, moved
):
    event = make_event(ao, moved)
    done = merge(desk, olivia, moved)
    challenge = make_challenge(provider, LearningEvent.objects.get(pk=event.pk))
    assert challenge.learner_id == olivia.pk

    unmerge(desk, done)

    assert LearningEvent.objects.get(pk=event.pk).learner_id == moved.pk
    assert Challenge.objects.get(pk=challenge.pk).learner_id == moved.pk


def test_an_unmerged_linked_uln_answers_for_itself_again(desk, ao, provider, olivia, moved):
    make_event(ao, moved)
    done = merge(desk, olivia, moved)
    unmerge(desk, done)
    looked_up = learner_lookup(
        actor=provider, uln=moved.uln, given_name="Olivia", family_name="Thornbury"
    )
    assert (looked_up.response_code, looked_up.learner) == (codes.EXACT, moved)
    plr = plr_get(actor=provider, uln=moved.uln, given_name="Olivia", family_name="Thornbury")
    assert (plr.response_code, len(plr.events)) == (codes.EXACT, 1)


def test_merges_are_listed_for_the_master_and_for_each_linked_uln(desk, olivia, moved, typo):
    first = merge(desk, olivia, moved)
    second = merge(desk, typo, olivia)  # olivia, with moved behind her, into typo
    assert list(learner_merges(actor=desk, uln=moved.uln)) == [second, first]
    assert list(learner_merges(actor=desk, uln=olivia.uln)) == [second, first]
    assert list(learner_merges(actor=desk, uln=typo.uln)) == [second]
    assert list(learner_merges(actor=desk, uln=unknown_uln())) == []
    assert list(learner_merges(actor=desk)) == [second, first]
