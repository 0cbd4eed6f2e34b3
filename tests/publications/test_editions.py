"""Editions of the published lists: who is on them, when the service publishes them, what
changed, and that two workers never publish the same edition twice."""

from __future__ import annotations

import datetime as dt
import threading
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from lrs.access import OrganisationStatus, OrganisationType, Role, policy
from lrs.audit.models import AuditEntry
from lrs.core.errors import Conflict, NotPermitted
from lrs.organisations.models import Organisation
from lrs.organisations.services import organisation_change_status
from lrs.publications import services
from lrs.publications.lists import member_types
from lrs.publications.models import EditionReason, ListEdition, ListKind
from lrs.publications.selectors import list_edition_preview, list_entries_now
from lrs.publications.services import (
    first_tuesday,
    list_edition_publish,
    list_editions_publish_due,
    list_editions_publish_first,
    list_editions_publish_if_due,
    monthly_edition_due_on,
)
from tests.factories import make_organisation, make_user
from tests.publications.conftest import uk

pytestmark = pytest.mark.django_db

LP = ListKind.LEARNING_PROVIDERS
AO = ListKind.AWARDING_ORGANISATIONS


def names(kind: ListKind) -> list[str]:
    return [row["name"] for row in list_entries_now(kind=kind)]


def editions(kind: ListKind) -> list[ListEdition]:
    return list(ListEdition.objects.filter(kind=kind).order_by("number"))


# --- Who is on each list ------------------------------------------------------------------


def test_the_worker_heartbeat_calls_the_publication_check_which_needs_no_arguments():
    assert (
        "lrs.publications.services.list_editions_publish_if_due"
        in django_settings.LRS_WORKER_RECOVERY
    )
    assert list_editions_publish_if_due() == []
    # Called again at once (the next heartbeat), it is not this worker's turn.
    assert list_editions_publish_if_due() is None


def test_the_learning_providers_list_has_every_type_that_may_view_plrs_but_not_aos_or_the_desk():
    for org_type in OrganisationType:
        make_organisation(org_type, name=f"A {org_type.value}")
    listed = {row["type"] for row in list_entries_now(kind=LP)}
    assert listed == {
        "School",
        "Further education college",
        "Training provider",
        "Higher education provider",
        "Local authority",
        "Prison education provider",
    }
    assert names(AO) == ["A awarding_organisation"]


def test_membership_follows_the_access_policy_when_a_type_loses_view_plr(monkeypatch):
    make_organisation(OrganisationType.SCHOOL, name="Oakfield Academy")
    make_organisation(OrganisationType.TRAINING_PROVIDER, name="Northgate Training")
    assert names(LP) == ["Northgate Training", "Oakfield Academy"]
    monkeypatch.setitem(
        policy.ORGANISATION_TYPE_CAPABILITIES,
        OrganisationType.SCHOOL,
        policy.ORGANISATION_TYPE_CAPABILITIES[OrganisationType.SCHOOL]
        - {policy.Capability.VIEW_PLR},
    )
    assert OrganisationType.SCHOOL not in member_types(LP)
    assert names(LP) == ["Northgate Training"]


def test_applying_organisations_are_left_out_and_suspended_and_closed_ones_keep_their_status():
    make_organisation(name="Applying College", status="applying")
    make_organisation(name="Active College")
    make_organisation(name="Suspended College", status="suspended")
    make_organisation(name="Closed College", status="closed")
    rows = {row["name"]: row["status"] for row in list_entries_now(kind=LP)}
    assert rows == {
        "Active College": "Active",
        "Closed College": "Closed",
        "Suspended College": "Suspended",
    }


def test_a_row_has_name_ukprn_type_label_la_code_status_and_the_uk_date_it_was_added():
    council = make_organisation(OrganisationType.LOCAL_AUTHORITY, name="Westshire Council")
    # Added just after midnight UK summer time: still the previous day in UTC.
    Organisation.objects.filter(pk=council.pk).update(created_at=uk(2026, 6, 2, 0, 30))
    [row] = list_entries_now(kind=LP)
    assert row == {
        "name": "Westshire Council",
        "ukprn": council.ukprn,
        "type": "Local authority",
        "la_code": "123",
        "status": "Active",
        "date_added": "2026-06-02",
    }


def test_the_awarding_organisations_list_leaves_out_the_type_and_la_code_columns():
    ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    [row] = list_entries_now(kind=AO)
    assert set(row) == {"name", "ukprn", "status", "date_added"}
    assert row["ukprn"] == ao.ukprn


def test_rows_are_in_name_order_whatever_the_case():
    for name in ("beacon College", "Alder College", "Cedar College"):
        make_organisation(name=name)
    assert names(LP) == ["Alder College", "beacon College", "Cedar College"]


# --- When the service publishes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2026, 3, dt.date(2026, 3, 3)),
        (2026, 9, dt.date(2026, 9, 1)),  # the 1st is a Tuesday
        (2026, 2, dt.date(2026, 2, 3)),
        (2026, 11, dt.date(2026, 11, 3)),
        (2027, 6, dt.date(2027, 6, 1)),
        (2026, 12, dt.date(2026, 12, 1)),
        (2026, 4, dt.date(2026, 4, 7)),  # the 1st is a Wednesday: a full week later
    ],
)
def test_the_first_tuesday_of_a_month(year, month, expected):
    assert first_tuesday(year, month) == expected
    assert expected.weekday() == 1


def test_the_monthly_edition_is_due_from_the_first_tuesday_in_uk_time():
    assert monthly_edition_due_on(now=uk(2026, 3, 2, 23, 59)) is None
    assert monthly_edition_due_on(now=uk(2026, 3, 3, 0, 0)) == dt.date(2026, 3, 3)
    assert monthly_edition_due_on(now=uk(2026, 3, 31, 23, 59)) == dt.date(2026, 3, 3)
    assert monthly_edition_due_on(now=uk(2026, 4, 6, 12, 0)) is None
    # 00:05 on Tuesday 1 September in London is still Monday 31 August in UTC.
    moment = uk(2026, 9, 1, 0, 5)
    assert moment.astimezone(dt.UTC).date() == dt.date(2026, 8, 31)
    assert monthly_edition_due_on(now=moment) == dt.date(2026, 9, 1)


def test_the_learning_providers_list_is_published_once_a_month_across_month_boundaries():
    make_organisation(name="Fenland College")
    assert list_editions_publish_due(now=uk(2026, 3, 2, 23, 0)) == []
    [march] = list_editions_publish_due(now=uk(2026, 3, 3, 0, 1))
    assert (march.kind, march.number, march.reason) == (LP, 1, EditionReason.MONTHLY)
    assert march.due_on == dt.date(2026, 3, 3)
    assert march.published_by is None
    # Not again that month, nor in April before its first Tuesday (the 7th).
    for moment in (uk(2026, 3, 3, 9), uk(2026, 3, 17), uk(2026, 3, 31, 23, 59), uk(2026, 4, 1)):
        assert list_editions_publish_due(now=moment) == []
    assert list_editions_publish_due(now=uk(2026, 4, 6, 23, 59)) == []
    [april] = list_editions_publish_due(now=uk(2026, 4, 7, 8))
    assert (april.number, april.due_on) == (2, dt.date(2026, 4, 7))
    assert [e.number for e in editions(LP)] == [1, 2]


def test_a_month_whose_first_day_is_a_tuesday_has_its_edition_from_that_day():
    make_organisation(name="Fenland College")
    [august] = list_editions_publish_due(now=uk(2026, 8, 4, 10))
    assert list_editions_publish_due(now=uk(2026, 8, 31, 23, 55)) == []
    [september] = list_editions_publish_due(now=uk(2026, 9, 1, 0, 5))
    assert (august.due_on, september.due_on) == (dt.date(2026, 8, 4), dt.date(2026, 9, 1))
    assert list_editions_publish_due(now=uk(2026, 9, 2)) == []


def test_a_missed_first_tuesday_is_caught_up_later_that_month():
    make_organisation(name="Fenland College")
    # No worker ran on 3 March; the first one to look on the 20th publishes it.
    [edition] = list_editions_publish_due(now=uk(2026, 3, 20, 14))
    assert edition.due_on == dt.date(2026, 3, 3)


def test_an_edition_the_desk_published_since_the_first_tuesday_counts_for_the_month(desk_user):
    make_organisation(name="Fenland College")
    before = list_edition_publish(actor=desk_user, kind=LP, now=uk(2026, 3, 2, 16))
    # One published before the first Tuesday does not.
    [monthly] = list_editions_publish_due(now=uk(2026, 3, 3, 0, 1))
    assert (before.number, monthly.number) == (1, 2)
    list_edition_publish(actor=desk_user, kind=LP, now=uk(2026, 4, 7, 0, 0))
    assert list_editions_publish_due(now=uk(2026, 4, 7, 9)) == []
    assert [e.reason for e in editions(LP)] == ["requested", "monthly", "requested"]


def test_the_service_never_publishes_an_empty_first_edition():
    make_organisation(name="Applying College", status="applying")
    assert list_editions_publish_due(now=uk(2026, 3, 3, 9)) == []
    assert not ListEdition.objects.exists()


def test_the_awarding_organisations_list_is_published_whenever_it_changes_and_only_then():
    assert list_editions_publish_due(now=uk(2026, 3, 10)) == []
    ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    [first] = list_editions_publish_due(now=uk(2026, 3, 10, 9, 5))
    assert (first.kind, first.number, first.reason) == (AO, 1, EditionReason.CHANGED)
    assert list_editions_publish_due(now=uk(2026, 3, 10, 9, 10)) == []
    # A learning provider joining changes only the other list, published monthly.
    make_organisation(name="Fenland College")
    assert [e.kind for e in list_editions_publish_due(now=uk(2026, 3, 10, 9, 15))] == [LP]
    organisation_change_status(actor=None, organisation=ao, status="suspended", reason="Test")
    [second] = list_editions_publish_due(now=uk(2026, 3, 10, 9, 20))
    assert (second.kind, second.number) == (AO, 2)
    assert second.changes["changed"] == [
        {
            "ukprn": ao.ukprn,
            "name": "Meridian Awards",
            "fields": [{"field": "status", "before": "Active", "after": "Suspended"}],
        }
    ]
    assert list_editions_publish_due(now=uk(2026, 3, 10, 9, 25)) == []
    # The first Tuesday brings no monthly edition of the awarding organisations list.
    assert [e.kind for e in list_editions_publish_due(now=uk(2026, 4, 7, 9))] == [LP]


def test_the_check_runs_at_most_once_every_five_minutes_across_workers():
    make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    start = uk(2026, 3, 10, 12)
    assert [e.kind for e in list_editions_publish_if_due(now=start)] == [AO]
    make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Northern Awards")
    assert list_editions_publish_if_due(now=start + dt.timedelta(minutes=4)) is None
    [second] = list_editions_publish_if_due(now=start + dt.timedelta(minutes=5))
    assert second.number == 2


def test_publishing_the_first_editions_is_idempotent(college):
    make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    assert [e.kind for e in list_editions_publish_first()] == [LP, AO]
    assert list_editions_publish_first() == []
    assert ListEdition.objects.count() == 2


# --- What changed, and frozen entries -----------------------------------------------------


def test_an_edition_records_what_was_added_removed_and_changed_since_the_previous(
    desk_user, monkeypatch
):
    kept = make_organisation(name="Alder College")
    renamed = make_organisation(name="Beacon College")
    prison = make_organisation(OrganisationType.PRISON_EDUCATION_PROVIDER, name="Greystone")
    first = list_edition_publish(actor=desk_user, kind=LP)
    assert (first.number, first.entry_count, first.changes) == (1, 3, {})
    assert first.changes_summary == "First edition"

    added = make_organisation(name="Dunmore College")
    Organisation.objects.filter(pk=renamed.pk).update(name="Beacon Sixth Form College")
    organisation_change_status(actor=None, organisation=renamed, status="closed", reason="Merged")
    # A policy change takes prison education providers off the list.
    monkeypatch.setitem(
        policy.ORGANISATION_TYPE_CAPABILITIES,
        OrganisationType.PRISON_EDUCATION_PROVIDER,
        frozenset(),
    )
    second = list_edition_publish(actor=desk_user, kind=LP)
    assert second.number == 2
    assert [row["ukprn"] for row in second.changes["added"]] == [added.ukprn]
    assert [row["name"] for row in second.changes["removed"]] == ["Greystone"]
    assert second.changes["removed"][0]["ukprn"] == prison.ukprn
    assert second.changes["changed"] == [
        {
            "ukprn": renamed.ukprn,
            "name": "Beacon Sixth Form College",
            "fields": [
                {"field": "name", "before": "Beacon College", "after": "Beacon Sixth Form College"},
                {"field": "status", "before": "Active", "after": "Closed"},
            ],
        }
    ]
    assert (second.added_count, second.removed_count, second.changed_count) == (1, 1, 1)
    assert second.changes_summary == "1 added, 1 removed, 1 changed"
    assert kept.ukprn not in {c["ukprn"] for c in second.changes["changed"]}
    third = list_edition_publish(actor=desk_user, kind=LP)
    assert third.changes == {"added": [], "removed": [], "changed": []}
    assert third.changes_summary == "No changes"


def test_an_old_edition_keeps_its_entries_after_the_organisation_changes(desk_user):
    college = make_organisation(name="Fenland College")
    edition = list_edition_publish(actor=desk_user, kind=LP)
    frozen = list(edition.entries)
    Organisation.objects.filter(pk=college.pk).update(name="Fenland and District College")
    organisation_change_status(actor=None, organisation=college, status="closed", reason="Test")
    edition.refresh_from_db()
    assert edition.entries == frozen
    assert edition.entries[0]["name"] == "Fenland College"
    assert edition.entries[0]["status"] == "Active"


def test_a_newly_approved_organisation_shows_as_added_in_the_next_edition(desk_user):
    make_organisation(name="Alder College")
    applicant = make_organisation(
        OrganisationType.SCHOOL, name="Oakfield Academy", status="applying"
    )
    first = list_edition_publish(actor=desk_user, kind=LP)
    assert applicant.ukprn not in {row["ukprn"] for row in first.entries}
    organisation_change_status(
        actor=desk_user, organisation=applicant, status="active", reason="Approved"
    )
    second = list_edition_publish(actor=desk_user, kind=LP)
    assert [row["name"] for row in second.changes["added"]] == ["Oakfield Academy"]
    assert second.changes["added"][0]["type"] == "School"
    assert "Oakfield Academy" in [row["name"] for row in second.entries]


# --- Races and duplicates -----------------------------------------------------------------


def test_the_database_refuses_two_editions_with_one_number_or_for_one_month():
    fields = {"kind": LP, "published_at": uk(2026, 3, 3), "reason": "monthly", "fingerprint": "x"}
    ListEdition.objects.create(number=1, due_on=dt.date(2026, 3, 3), **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ListEdition.objects.create(number=1, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ListEdition.objects.create(number=2, due_on=dt.date(2026, 3, 3), **fields)
    # The other list numbers its own editions.
    ListEdition.objects.create(**{**fields, "kind": AO, "number": 1})


def _another_publisher_commits_first(monkeypatch, *, due_on=None):
    """While this publisher reads the organisations, another commits the same edition."""
    real = services.list_entries_now

    def racing(*, kind):
        ListEdition.objects.create(
            kind=kind,
            number=1,
            published_at=uk(2026, 3, 3, 0, 0),
            reason="monthly" if due_on else "requested",
            due_on=due_on,
            fingerprint="other",
        )
        monkeypatch.setattr(services, "list_entries_now", real)
        return real(kind=kind)

    monkeypatch.setattr(services, "list_entries_now", racing)


def test_a_worker_that_loses_the_race_for_the_monthly_edition_publishes_nothing(monkeypatch):
    make_organisation(name="Fenland College")
    _another_publisher_commits_first(monkeypatch, due_on=dt.date(2026, 3, 3))
    assert list_editions_publish_due(now=uk(2026, 3, 3, 0, 1)) == []
    assert ListEdition.objects.filter(kind=LP).count() == 1
    assert not AuditEntry.objects.filter(action="list.publish").exists()


def test_a_desk_user_who_loses_the_race_is_told_and_nothing_is_half_published(
    desk_user, monkeypatch
):
    make_organisation(name="Fenland College")
    _another_publisher_commits_first(monkeypatch)
    with pytest.raises(Conflict) as refused:
        list_edition_publish(actor=desk_user, kind=LP)
    assert refused.value.code == "edition_published_meanwhile"
    assert not AuditEntry.objects.filter(action="list.publish").exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_checking_at_the_same_moment_publish_each_edition_once():
    """Workers in threads with their own connections, released together."""
    make_organisation(name="Fenland College")
    make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    barrier = threading.Barrier(3)
    published: list[ListEdition] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            published.extend(list_editions_publish_due(now=uk(2026, 3, 3, 0, 1)))
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(e.kind for e in published) == [AO, LP]
    assert ListEdition.objects.filter(kind=LP).count() == 1
    assert ListEdition.objects.filter(kind=AO).count() == 1
    assert AuditEntry.objects.filter(action="list.publish").count() == 2


# --- Who may publish, and the audit -------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SERVICE_DESK_USER, Role.SUPER_USER])
def test_the_service_desk_may_publish(desk, role):
    user = make_user(desk, role)
    assert list_edition_publish(actor=user, kind=AO).number == 1
    assert list_edition_preview(actor=user, kind=AO).number == 2


@pytest.mark.parametrize(
    "org_type", [OrganisationType.FURTHER_EDUCATION_COLLEGE, OrganisationType.AWARDING_ORGANISATION]
)
def test_nobody_else_may_publish_or_preview(org_type):
    user = make_user(make_organisation(org_type), Role.SUPER_USER)
    with pytest.raises(NotPermitted):
        list_edition_publish(actor=user, kind=LP)
    with pytest.raises(NotPermitted):
        list_edition_preview(actor=user, kind=LP)
    assert not ListEdition.objects.exists()


def test_a_suspended_service_desk_may_not_publish(desk, desk_user):
    organisation_change_status(
        actor=None, organisation=desk, status=OrganisationStatus.SUSPENDED, reason="Test"
    )
    desk_user.refresh_from_db()
    with pytest.raises(NotPermitted):
        list_edition_publish(actor=desk_user, kind=LP)


def test_every_edition_is_audited_with_who_published_it(desk_user):
    make_organisation(name="Fenland College")
    edition = list_edition_publish(actor=desk_user, kind=LP, now=uk(2026, 3, 2))
    entry = AuditEntry.objects.get(action="list.publish")
    assert entry.actor == desk_user
    assert entry.organisation_ukprn == desk_user.organisation.ukprn
    assert entry.object_type == "list_edition"
    assert entry.object_id == "learning_providers/1"
    assert entry.detail == {
        "kind": "learning_providers",
        "number": 1,
        "reason": "requested",
        "entries": 1,
        "added": 0,
        "removed": 0,
        "changed": 0,
    }
    assert edition.published_by == desk_user
    list_editions_publish_due(now=uk(2026, 3, 3, 0, 1))
    automatic = AuditEntry.objects.filter(action="list.publish").latest("id")
    assert automatic.actor is None
    assert automatic.detail["reason"] == "monthly"


def test_the_lists_command_publishes_an_edition_and_lists_the_editions():
    make_organisation(name="Fenland College")
    out = StringIO()
    call_command("lists", "publish", "--kind", "learning_providers", stdout=out)
    assert out.getvalue() == (
        "Published edition 1 of the learning providers list: 1 organisation, first edition\n"
    )
    entry = AuditEntry.objects.get(action="list.publish")
    assert (entry.actor, entry.channel) == (None, "cli")
    out = StringIO()
    call_command("lists", "editions", stdout=out)
    line = out.getvalue().strip()
    assert line.startswith("learning_providers     1  ")
    assert f"{timezone.localdate():%Y-%m-%d}" in line
    assert line.endswith("First edition")


def test_the_heartbeat_check_is_a_handful_of_queries_when_nothing_is_due(
    django_assert_max_num_queries,
):
    make_organisation(name="Fenland College")
    make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    assert len(list_editions_publish_if_due(now=uk(2026, 3, 3, 9))) == 2
    # Not this worker's turn: the claim alone.
    with django_assert_max_num_queries(3):
        assert list_editions_publish_if_due(now=uk(2026, 3, 3, 9, 1)) is None
    # Its turn, nothing due: no edition's entries are read.
    with django_assert_max_num_queries(6) as captured:
        assert list_editions_publish_if_due(now=uk(2026, 3, 3, 9, 10)) == []
    assert not any('"entries"' in query["sql"] for query in captured.captured_queries)
