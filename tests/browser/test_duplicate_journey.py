"""The duplicate journey in a real browser, checked with axe on every page: the service
desk asks for a scan of a register that holds one person twice (once with a typo), the
worker's scan fills the review queue, the service desk compares the pair and merges it,
sees the linked ULN on the master's record, then undoes the merge and finds both
learners as they were, each with their own learning events."""

from __future__ import annotations

import datetime as dt

import pytest

from lrs.access import OrganisationType, Role
from lrs.duplicates.models import DuplicatePair, DuplicateScan, LearnerMerge, PairStatus
from lrs.duplicates.scan import scan_run
from lrs.learners.models import Learner, LearnerStatus
from lrs.records.models import LearningEvent, Qualification
from lrs.records.services import EventValues, event_create
from tests.browser.conftest import check_accessibility, visit
from tests.browser.test_portal_journeys import sign_in
from tests.factories import make_learner, make_organisation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OTHERS = [
    {"given_name": "Marcus", "family_name": "Ellingham", "date_of_birth": "1999-11-02",
     "gender": "1", "last_known_postcode": "LS6 3HN"},
    {"given_name": "Priya", "family_name": "Ramanathan", "date_of_birth": "2004-07-21",
     "gender": "2", "last_known_postcode": "M14 5RG"},
    {"given_name": "Tomasz", "family_name": "Kowalczyk", "date_of_birth": "2001-01-30",
     "gender": "1", "last_known_postcode": "BS3 1QP"},
]  # fmt: skip


def click(page, role: str, name: str) -> None:
    page.get_by_role(role, name=name).first.click()
    check_accessibility(page)


def register(actor, **values: str) -> Learner:
    return make_learner(
        actor,
        confirmation_reason="Test data: the college registered her again by mistake",
        **values,
    )


def test_the_service_desk_merges_a_duplicate_the_scan_found_then_undoes_it(page):
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    provider = make_user(college, Role.ONLINE_USER, username="online.one")
    ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    ao_user = make_user(ao, Role.AWARDING_ORGANISATION_USER, username="ao.one")
    desk = make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")
    make_user(desk, Role.SERVICE_DESK_USER, username="desk.one")
    gcse = Qualification.objects.create(
        reference="601/4702/5",
        kind="qualification",
        title="GCSE (9 to 1) in Mathematics",
        qualification_type="GCSE (9 to 1)",
        level="Level 1/2",
        awarding_organisation=ao,
    )
    olivia = register(provider)
    typo = register(provider, given_name="Olivai")
    for person in OTHERS:
        register(provider, **person)
    olivias_event = event_create(
        actor=ao_user,
        learner=olivia,
        values=EventValues(qualification=gcse, grade="7", award_date=dt.date(2022, 8, 25)),
    )
    typos_events = {
        event_create(
            actor=ao_user,
            learner=typo,
            values=EventValues(qualification=gcse, grade=grade, award_date=dt.date(2023, 8, 24)),
        )
        for grade in ("5", "6")
    }

    # The service desk asks for a scan; the worker runs it.
    sign_in(page, "desk.one")
    click(page, "link", "Duplicates")
    assert page.get_by_role("heading", level=1).inner_text() == "Duplicate learners"
    assert "not been scanned" in page.locator("#scan").inner_text()
    click(page, "button", "Scan the register now")
    assert "has been queued" in page.locator(".govuk-notification-banner").inner_text()
    assert "Queued" in page.locator("#scan-status").inner_text()
    # Asking again while it waits is refused, in an error summary that passes axe too.
    click(page, "button", "Scan the register now")
    assert "already queued or running" in page.locator(".govuk-error-summary").inner_text()
    assert scan_run(DuplicateScan.objects.get().pk) == "complete"

    # The queue holds Olivia's two records, and nobody else.
    visit(page, "/duplicates/")
    assert "Complete" in page.locator("#scan-status").inner_text()
    assert page.locator("#scan-pairs").inner_text() == "1 found, 1 new to the queue"
    pair = DuplicatePair.objects.get()
    row = page.locator(f"#pair-{pair.pk}").inner_text()
    assert olivia.uln in row
    assert typo.uln in row
    assert "Olivai Thornbury" in row
    assert "Duplicate scan" in row

    # The pair side by side: the given name differs; the record with more events is
    # suggested as the master.
    page.locator(f"#pair-{pair.pk}").get_by_role("link").click()
    check_accessibility(page)
    given = page.locator("#compare tr", has_text="Given name").first.inner_text()
    assert "Differs" in given
    assert "Olivia" in given
    assert "Olivai" in given
    assert page.locator("#events").inner_text().split() == ["Learning", "events", "1", "2"]
    assert "Given name" in page.locator("#explanation").inner_text()
    master_choice = page.get_by_label(f"ULN {typo.uln}, Olivai Thornbury")
    assert master_choice.is_checked()
    assert "more learning events" in page.locator("#master-hint").inner_text()

    # Merging without a reason is refused first; then Olivia's first record is kept.
    click(page, "button", "Merge")
    assert "Enter the reason for merging" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label(f"ULN {olivia.uln}, Olivia Thornbury").check()
    page.get_by_label("Reason for merging").fill("Same person: the college mistyped her name")
    click(page, "button", "Merge")
    assert page.get_by_role("heading", level=1).inner_text() == f"Merge into ULN {olivia.uln}"
    assert "2 learning events" in page.locator("#moved").inner_text()
    assert typo.uln in page.locator("#linked").inner_text()

    # The master's page lists the linked ULN; the linked one points to its master.
    page.locator("#master").get_by_role("link").click()
    check_accessibility(page)
    assert "Merged into this record" in page.locator("#merged-into").inner_text()
    assert typo.uln in page.locator("#linked-ulns").inner_text()
    page.locator("#linked-ulns").get_by_role("link", name=typo.uln, exact=True).click()
    check_accessibility(page)
    assert olivia.uln in page.locator("#linked").inner_text()
    assert LearningEvent.objects.filter(learner=olivia).count() == 3

    # Undo the merge from the linked learner's page.
    click(page, "link", "See the merge")
    page.get_by_label("Reason for undoing the merge").fill("The college found they are twins")
    click(page, "button", "Undo this merge")
    assert "The merge has been undone" in page.locator(".govuk-notification-banner").inner_text()
    assert "Undone" in page.locator("#merge-status").inner_text()
    assert "The college found they are twins" in page.locator("#unmerged").inner_text()

    # Nothing was lost: both are active again, each with their own learning events, and
    # the pair is back in the queue for a decision.
    olivia.refresh_from_db()
    typo.refresh_from_db()
    assert (olivia.status, typo.status) == (LearnerStatus.ACTIVE, LearnerStatus.ACTIVE)
    assert typo.master is None
    assert set(LearningEvent.objects.filter(learner=olivia)) == {olivias_event}
    assert set(LearningEvent.objects.filter(learner=typo)) == typos_events
    assert LearnerMerge.objects.get().unmerged_at is not None
    assert DuplicatePair.objects.get().status == PairStatus.OPEN
    for learner in (olivia, typo):
        visit(page, f"/learners/{learner.uln}/")
        assert "Active" in page.locator("#record").inner_text()
        assert page.locator("#merged-into").count() == 0
    visit(page, "/duplicates/")
    assert page.locator(f"#pair-{pair.pk}").count() == 1


def test_the_service_desk_merges_by_uln_and_marks_a_pair_it_added_not_the_same(page):
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    provider = make_user(college, Role.ONLINE_USER, username="online.one")
    desk = make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")
    make_user(desk, Role.SERVICE_DESK_USER, username="desk.one")
    olivia = register(provider)
    again = register(provider, given_name="Olivai")
    marcus, priya, _ = (register(provider, **person) for person in OTHERS)

    sign_in(page, "desk.one")
    click(page, "link", "Duplicates")

    # The service desk adds a pair of its own, then decides they are different people.
    page.get_by_label("First ULN").fill(marcus.uln)
    click(page, "button", "Add pair")
    assert "Enter the second ULN" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Second ULN").fill(priya.uln)
    click(page, "button", "Add pair")
    assert "in the review queue" in page.locator(".govuk-notification-banner").inner_text()
    assert "Service desk" in page.locator("#pair").inner_text()
    page.get_by_label("Why are they different people?").fill("Different dates of birth")
    click(page, "button", "Not the same person")
    assert "Not the same person" in page.locator("#status").inner_text()
    assert "Different dates of birth" in page.locator("#decision").inner_text()

    # Merging by ULN: a mistake first, then the learners are shown before merging.
    visit(page, "/duplicates/")
    click(page, "link", "Merge ULNs you already know are one person")
    page.get_by_label("Master ULN").fill(olivia.uln)
    page.get_by_label("ULNs to link to the master").fill(f"{again.uln}\n12345")
    page.get_by_label("Reason for merging").fill("The college confirmed it is one person")
    click(page, "button", "Continue")
    assert "12345 is not a valid ULN" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("ULNs to link to the master").fill(again.uln)
    click(page, "button", "Continue")
    assert page.get_by_role("heading", level=1).inner_text() == "Check the learners before merging"
    assert "Master" in page.locator(f"#learner-{olivia.uln}").inner_text()
    assert "To be linked" in page.locator(f"#learner-{again.uln}").inner_text()
    assert not LearnerMerge.objects.exists()
    click(page, "button", "Merge these learners")
    assert page.get_by_role("heading", level=1).inner_text() == f"Merge into ULN {olivia.uln}"
    again.refresh_from_db()
    assert (again.status, again.master) == (LearnerStatus.LINKED, olivia)

    click(page, "link", "Merges")
    assert again.uln in page.locator("#merges").inner_text()
    page.get_by_label("ULN").fill(marcus.uln)
    click(page, "button", "Apply filter")
    assert f"No merges involve ULN {marcus.uln}" in page.locator("#no-merges").inner_text()
