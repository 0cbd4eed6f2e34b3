"""The service desk dashboard's reads: the volumes per UK day, the batch and upload
backlog, overdue challenges, the desk's queues, and who may read any of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lrs.access import OrganisationType, Role
from lrs.batches.models import BatchStatus
from lrs.challenges.services import challenge_acknowledge, challenge_withdraw
from lrs.core.errors import NotPermitted
from lrs.learners.services import (
    learner_find,
    learner_lookup,
    learner_register,
    learner_update,
    learner_verify,
)
from lrs.misuse.services import misuse_alert_decide, misuse_check
from lrs.organisations.services import organisation_application_reject
from lrs.records.models import JobStatus
from lrs.records.services import plr_get
from lrs.servicedesk import selectors
from lrs.servicedesk.selectors import MEASURE_KEYS
from lrs.workingdays import working_days_between
from tests.factories import make_organisation, make_user
from tests.servicedesk.factories import (
    ChallengeWorld,
    desk_user,
    heartbeat,
    learner_data,
    london,
    make_application,
    make_batch,
    make_job,
    make_pair,
    record,
    two_learners,
    utc,
)

pytestmark = pytest.mark.django_db

# A Monday in British Summer Time: UK days start at 23:00 UTC the evening before.
SUMMER_DAY = dt.date(2026, 6, 15)


@pytest.fixture
def desk():
    return desk_user(username="desk.one")


@pytest.fixture
def college_user():
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    return make_user(college, Role.ONLINE_USER, username="college.online")


def row_for(volumes, day: dt.date) -> dict[str, int]:
    [row] = [r for r in volumes.rows if r.day == day]
    return {key: row.counts.get(key, 0) for key in MEASURE_KEYS}


def only(**counts: int) -> dict[str, int]:
    """A day's counts: zero for every measure not named."""
    return {key: counts.get(key, 0) for key in MEASURE_KEYS}


# --- Volumes per day ---------------------------------------------------------------------


def test_each_audited_operation_is_counted_under_its_own_heading_on_its_uk_day(desk, college_user):
    at = london(2026, 6, 15, 10, 0)
    record(college_user, "learner.find", at, n=4)
    record(college_user, "learner.lookup", at, n=2)
    record(college_user, "learner.register", at, n=3)
    record(college_user, "learner.update", at, n=5)
    record(college_user, "learner.verify", at, n=6)
    record(college_user, "plr.view", at, n=7)
    # Not volumes of the register: retrieving ULNs, signing in, the misuse watch.
    record(college_user, "learner.retrieve", at, n=9)
    record(college_user, "user.sign_in", at, n=9)
    record(None, "misuse.suspend", at, n=9)

    volumes = selectors.daily_volumes(actor=desk, today=SUMMER_DAY)

    assert row_for(volumes, SUMMER_DAY) == only(
        finds=6, registrations=3, updates=5, verifications=6, plr_views=7
    )


def test_refused_registrations_are_not_registrations_but_refused_finds_and_plr_views_count(
    desk, college_user
):
    at = london(2026, 6, 15, 11, 30)
    record(college_user, "learner.register", at, n=2)
    record(college_user, "learner.register", at, n=3, outcome="refused")
    record(college_user, "learner.update", at, n=1, outcome="failed")
    # Each was a request the service answered, as the misuse watch counts them.
    record(college_user, "learner.find", at, n=1, outcome="refused")
    record(college_user, "plr.view", at, n=4, outcome="refused")
    record(college_user, "learner.verify", at, n=1, outcome="refused")

    volumes = selectors.daily_volumes(actor=desk, today=SUMMER_DAY)

    assert row_for(volumes, SUMMER_DAY) == only(
        registrations=2, finds=1, plr_views=4, verifications=1
    )


def test_in_summer_a_uk_day_runs_from_23_00_utc_the_evening_before(desk, college_user):
    record(college_user, "learner.find", utc(2026, 6, 14, 22, 59, 59))  # 23:59:59 on the 14th
    record(college_user, "learner.find", utc(2026, 6, 14, 23, 0, 0), n=2)  # midnight, the 15th
    record(college_user, "learner.find", utc(2026, 6, 15, 22, 59, 59), n=3)  # 23:59:59, 15th
    record(college_user, "learner.find", utc(2026, 6, 15, 23, 0, 0), n=4)  # tomorrow: not yet

    volumes = selectors.daily_volumes(actor=desk, today=SUMMER_DAY)

    assert row_for(volumes, SUMMER_DAY)["finds"] == 5
    assert row_for(volumes, dt.date(2026, 6, 14))["finds"] == 1
    assert volumes.totals.counts["finds"] == 6


def test_in_winter_a_uk_day_is_the_utc_day(desk, college_user):
    today = dt.date(2026, 1, 20)
    record(college_user, "plr.view", utc(2026, 1, 19, 23, 59, 59))
    record(college_user, "plr.view", utc(2026, 1, 20, 0, 0, 0), n=2)
    record(college_user, "plr.view", utc(2026, 1, 20, 23, 59, 59), n=3)

    volumes = selectors.daily_volumes(actor=desk, today=today)

    assert row_for(volumes, today)["plr_views"] == 5
    assert row_for(volumes, dt.date(2026, 1, 19))["plr_views"] == 1


def test_the_day_the_clocks_go_forward_has_23_hours_and_each_side_keeps_its_entries(
    desk, college_user
):
    # On Sunday 29 March 2026 the UK's clocks go from 01:00 GMT to 02:00 BST.
    today = dt.date(2026, 3, 30)
    record(college_user, "learner.find", utc(2026, 3, 28, 23, 59))  # Saturday, 23:59 GMT
    record(college_user, "learner.find", utc(2026, 3, 29, 0, 30), n=2)  # Sunday, 00:30 GMT
    record(college_user, "learner.find", utc(2026, 3, 29, 22, 59), n=3)  # Sunday, 23:59 BST
    record(college_user, "learner.find", utc(2026, 3, 29, 23, 0), n=4)  # Monday, 00:00 BST

    volumes = selectors.daily_volumes(actor=desk, today=today)

    assert row_for(volumes, dt.date(2026, 3, 28))["finds"] == 1
    assert row_for(volumes, dt.date(2026, 3, 29))["finds"] == 5
    assert row_for(volumes, today)["finds"] == 4


def test_the_table_covers_fourteen_uk_days_today_first_with_totals(desk, college_user):
    oldest = SUMMER_DAY - dt.timedelta(days=13)
    record(college_user, "learner.find", london(2026, 6, 2, 0, 0), n=2)  # the oldest day
    record(college_user, "learner.find", london(2026, 6, 1, 23, 59), n=50)  # one day too old
    record(college_user, "learner.register", london(2026, 6, 9, 12, 0), n=3)
    record(college_user, "learner.find", london(2026, 6, 15, 8, 0), n=1)

    volumes = selectors.daily_volumes(actor=desk, today=SUMMER_DAY)

    assert volumes.days == 14
    assert [row.day for row in volumes.rows] == [
        SUMMER_DAY - dt.timedelta(days=n) for n in range(14)
    ]
    assert volumes.rows[-1].day == oldest == dt.date(2026, 6, 2)
    assert row_for(volumes, oldest) == only(finds=2)
    assert volumes.totals.counts == only(finds=3, registrations=3)
    assert volumes.totals.day is None
    assert [row.is_quiet for row in volumes.rows].count(False) == 3


def test_files_count_on_the_day_submitted_and_their_records_on_the_day_they_finished(
    desk, college_user
):
    ao_user = make_user(make_organisation(OrganisationType.AWARDING_ORGANISATION))
    # Submitted late on the 14th (UK time), finished just after midnight on the 15th.
    make_batch(
        college_user,
        status=BatchStatus.COMPLETE,
        created_at=london(2026, 6, 14, 23, 50),
        total_records=1200,
        processed_records=1200,
        finished_at=london(2026, 6, 15, 0, 20),
    )
    make_batch(
        college_user,
        status=BatchStatus.PROCESSING,
        created_at=london(2026, 6, 15, 9, 0),
        total_records=500,
        processed_records=200,  # not finished: counted the day it finishes
    )
    make_batch(
        college_user,
        status=BatchStatus.FAILED,
        created_at=london(2026, 6, 15, 9, 5),
        finished_at=london(2026, 6, 15, 9, 6),
    )
    make_job(
        ao_user,
        status=JobStatus.SUCCESSFUL,
        submitted_at=london(2026, 6, 13, 16, 0),
        records=300,
        processed_records=300,
        ended_at=london(2026, 6, 14, 1, 0),
    )
    make_job(ao_user, status=JobStatus.WAITING, submitted_at=london(2026, 6, 15, 7, 0))

    volumes = selectors.daily_volumes(actor=desk, today=SUMMER_DAY)

    assert row_for(volumes, dt.date(2026, 6, 13)) == only(achievement_files=1)
    assert row_for(volumes, dt.date(2026, 6, 14)) == only(batch_files=1, achievement_records=300)
    assert row_for(volumes, SUMMER_DAY) == only(
        batch_files=2, batch_records=1200, achievement_files=1
    )


def test_challenges_count_on_the_uk_day_they_were_raised(desk):
    world = ChallengeWorld()
    world.challenge(created_at=utc(2026, 6, 14, 23, 30))  # 00:30 BST on the 15th
    world.challenge(created_at=utc(2026, 6, 14, 22, 30))  # 23:30 BST on the 14th
    world.challenge(created_at=utc(2026, 6, 14, 12, 0))

    volumes = selectors.daily_volumes(actor=desk, today=SUMMER_DAY)

    assert row_for(volumes, SUMMER_DAY)["challenges"] == 1
    assert row_for(volumes, dt.date(2026, 6, 14))["challenges"] == 2


def test_the_real_services_audit_what_the_dashboard_counts_today(desk, college_user):
    registered = learner_register(actor=college_user, data=learner_data("Maisie", "Fairweather"))
    learner = registered.learner
    assert learner is not None
    learner_find(actor=college_user, data=learner_data("Maisie", "Fairweather"))
    learner_lookup(
        actor=college_user, uln=learner.uln, given_name="Maisie", family_name="Fairweather"
    )
    learner_update(actor=college_user, uln=learner.uln, version_number=1, data={"title": "Miss"})
    learner_verify(
        actor=college_user,
        items=[{"uln": learner.uln, "given_name": "Maisie", "family_name": "Fairweather"}],
    )
    plr_get(actor=college_user, uln=learner.uln, given_name="Maisie", family_name="Fairweather")
    world = ChallengeWorld()
    world.challenge()

    volumes = selectors.daily_volumes(actor=desk)

    today = volumes.rows[0]
    assert today.day == timezone.localdate()
    # The challenge world registered a learner too.
    assert {key: today.counts.get(key, 0) for key in MEASURE_KEYS} == only(
        finds=2, registrations=2, updates=1, verifications=1, plr_views=1, challenges=1
    )


# --- The batch and upload backlog --------------------------------------------------------

NOW = london(2026, 6, 15, 14, 0)


def test_waiting_and_in_progress_files_are_counted_with_records_outstanding_and_the_oldest(
    desk, college_user
):
    ao_user = make_user(make_organisation(OrganisationType.AWARDING_ORGANISATION))
    make_batch(college_user, status=BatchStatus.QUEUED, created_at=NOW - dt.timedelta(hours=3))
    make_batch(college_user, status=BatchStatus.QUEUED, created_at=NOW - dt.timedelta(minutes=5))
    make_batch(
        college_user,
        status=BatchStatus.PROCESSING,
        created_at=NOW - dt.timedelta(hours=1),
        total_records=1000,
        processed_records=400,
        progressed_at=NOW - dt.timedelta(seconds=5),
    )
    make_batch(
        college_user,
        status=BatchStatus.PROCESSING,
        created_at=NOW - dt.timedelta(minutes=30),
        total_records=250,
        processed_records=0,
        progressed_at=NOW - dt.timedelta(seconds=5),
    )
    make_batch(college_user, status=BatchStatus.COMPLETE, created_at=NOW - dt.timedelta(days=1))
    make_job(ao_user, status=JobStatus.WAITING, submitted_at=NOW - dt.timedelta(minutes=50))
    make_job(
        ao_user,
        status=JobStatus.IN_PROGRESS,
        submitted_at=NOW - dt.timedelta(minutes=20),
        records=90,
        processed_records=30,
        progressed_at=NOW - dt.timedelta(seconds=2),
    )
    make_job(ao_user, status=JobStatus.SUCCESSFUL, submitted_at=NOW - dt.timedelta(days=2))

    backlog = selectors.backlog(actor=desk, now=NOW)

    lines = {(line.kind, line.status): line for line in backlog.lines}
    queued = lines[("Batch files", "queued")]
    assert (queued.count, queued.outstanding, queued.oldest) == (
        2,
        None,  # not checked yet: their number of records is not known
        NOW - dt.timedelta(hours=3),
    )
    assert lines[("Batch files", "validating")].count == 0
    assert lines[("Batch files", "validating")].oldest is None
    processing = lines[("Batch files", "processing")]
    assert (processing.count, processing.outstanding, processing.oldest) == (
        2,
        850,
        NOW - dt.timedelta(hours=1),
    )
    assert lines[("Achievement files", "Waiting")].count == 1
    in_progress = lines[("Achievement files", "InProgress")]
    assert (in_progress.count, in_progress.outstanding) == (1, 60)
    assert backlog.waiting == 6
    assert backlog.stalled == []
    assert backlog.failed == []


def test_a_file_in_progress_with_no_progress_for_the_stall_time_is_stalled(
    desk, college_user, settings
):
    settings.LRS_BATCH_STALL_SECONDS = 120
    ao_user = make_user(make_organisation(OrganisationType.AWARDING_ORGANISATION))
    stuck = make_batch(
        college_user,
        status=BatchStatus.PROCESSING,
        file_name="LRB-STUCK.csv",
        total_records=800,
        processed_records=300,
        progressed_at=NOW - dt.timedelta(seconds=121),
    )
    make_batch(
        college_user,
        status=BatchStatus.PROCESSING,
        progressed_at=NOW - dt.timedelta(seconds=119),
    )
    # Waiting files have no worker yet: they are in the queue, not stalled.
    make_batch(college_user, status=BatchStatus.QUEUED, created_at=NOW - dt.timedelta(hours=5))
    stuck_job = make_job(
        ao_user,
        status=JobStatus.IN_PROGRESS,
        file_name="results-june.xml",
        progressed_at=NOW - dt.timedelta(minutes=30),
    )

    backlog = selectors.backlog(actor=desk, now=NOW)

    assert backlog.stalled_count == 2
    # The longest stalled first.
    assert [(job.kind, job.file_name, job.at) for job in backlog.stalled] == [
        ("Achievement file", "results-june.xml", NOW - dt.timedelta(minutes=30)),
        ("Batch file", "LRB-STUCK.csv", NOW - dt.timedelta(seconds=121)),
    ]
    assert backlog.stalled[1].public_id == stuck.public_id
    assert (backlog.stalled[1].processed, backlog.stalled[1].total) == (300, 800)
    assert backlog.stalled[1].organisation == "Fenland College"
    assert backlog.stalled[0].public_id == stuck_job.public_id


def test_files_that_failed_in_the_last_seven_days_are_counted_the_latest_first(desk, college_user):
    ao_user = make_user(make_organisation(OrganisationType.AWARDING_ORGANISATION))
    make_batch(
        college_user,
        status=BatchStatus.FAILED,
        file_name="old.csv",
        finished_at=NOW - dt.timedelta(days=7, minutes=1),
    )
    make_batch(
        college_user,
        status=BatchStatus.FAILED,
        file_name="bad-header.csv",
        failure_reason="The header row is missing",
        finished_at=NOW - dt.timedelta(days=2),
    )
    make_job(
        ao_user,
        status=JobStatus.FAILED,
        file_name="not-xml.xml",
        rejection_reason="The file is not well-formed XML",
        ended_at=NOW - dt.timedelta(hours=1),
    )
    make_job(ao_user, status=JobStatus.CANCELLED, ended_at=NOW - dt.timedelta(hours=2))

    backlog = selectors.backlog(actor=desk, now=NOW)

    assert (backlog.failed_batches, backlog.failed_jobs, backlog.failed_count) == (1, 1, 2)
    assert [(job.file_name, job.reason) for job in backlog.failed] == [
        ("not-xml.xml", "The file is not well-formed XML"),
        ("bad-header.csv", "The header row is missing"),
    ]


def test_workers_alive_are_those_seen_within_three_heartbeats(desk, settings):
    settings.WORKER_HEARTBEAT_SECONDS = 10
    heartbeat(NOW - dt.timedelta(seconds=29), hostname="worker-b")
    heartbeat(NOW - dt.timedelta(seconds=31), hostname="worker-gone")
    heartbeat(NOW - dt.timedelta(seconds=1), hostname="worker-a")

    backlog = selectors.backlog(actor=desk, now=NOW)

    assert [w.hostname for w in backlog.workers] == ["worker-a", "worker-b"]
    assert selectors.backlog(actor=desk, now=NOW + dt.timedelta(minutes=5)).workers == []


# --- Overdue challenges ------------------------------------------------------------------


def test_overdue_challenges_are_counted_and_listed_most_overdue_first_in_working_days(desk):
    today = timezone.localdate()
    world = ChallengeWorld(owner_name="Meridian Awards")
    not_acknowledged = world.challenge(acknowledge_due=today - dt.timedelta(days=3))
    acknowledged = world.challenge()
    challenge_acknowledge(actor=world.ao_user, challenge=acknowledged)
    type(acknowledged).objects.filter(pk=acknowledged.pk).update(
        resolve_due=today - dt.timedelta(days=20)
    )
    world.challenge(acknowledge_due=today)  # due today: not overdue yet
    withdrawn = world.challenge(acknowledge_due=today - dt.timedelta(days=9))
    challenge_withdraw(actor=world.provider, challenge=withdrawn)

    overdue = selectors.overdue_challenges(actor=desk)

    assert overdue.count == 2
    assert [(c.reference, c.owner, c.status, c.due) for c in overdue.items] == [
        (acknowledged.reference, "Meridian Awards", "Acknowledged", today - dt.timedelta(days=20)),
        (not_acknowledged.reference, "Meridian Awards", "Submitted", today - dt.timedelta(days=3)),
    ]
    assert [c.working_days_overdue for c in overdue.items] == [
        working_days_between(today - dt.timedelta(days=20), today),
        working_days_between(today - dt.timedelta(days=3), today),
    ]
    assert overdue.items[0].working_days_overdue >= 13  # 20 days hold at least 13 working days
    assert overdue.items[0].owner_ukprn == world.ao.ukprn


def test_the_overdue_list_is_short_but_the_count_is_complete(desk):
    today = timezone.localdate()
    world = ChallengeWorld()
    for days in range(1, 5):
        world.challenge(acknowledge_due=today - dt.timedelta(days=days))

    overdue = selectors.overdue_challenges(actor=desk, limit=3)

    assert overdue.count == 4
    assert len(overdue.items) == 3
    assert overdue.items[0].due == today - dt.timedelta(days=4)


def test_no_overdue_challenges_is_a_count_of_nothing(desk):
    ChallengeWorld().challenge()
    assert selectors.overdue_challenges(actor=desk) == selectors.OverdueChallenges(count=0)


# --- The desk's queues -------------------------------------------------------------------


def test_pending_organisation_applications_are_counted_with_the_longest_waiting(desk):
    make_application("Brookfield College", submitted_at=london(2026, 6, 12, 9, 0))
    oldest = make_application("Ashgrove College", submitted_at=london(2026, 6, 10, 16, 45))
    rejected = make_application("Nowhere College", submitted_at=london(2026, 6, 1, 9, 0))
    organisation_application_reject(actor=desk, application=rejected, reason="Not a provider")

    queue = selectors.pending_applications(actor=desk)

    assert queue.count == 2
    assert queue.oldest_reference == oldest.reference
    assert queue.oldest_at == london(2026, 6, 10, 16, 45)


def test_open_duplicate_pairs_are_counted_and_decided_ones_are_not(desk, college_user):
    first, second = two_learners(college_user)
    third = learner_register(
        actor=college_user, data=learner_data("Imogen", "Strand", date_of_birth="2008-01-02")
    ).learner
    assert third is not None
    make_pair(first, second, found_at=london(2026, 6, 14, 2, 0))
    make_pair(first, third, found_at=london(2026, 6, 13, 2, 0), status="not_same")

    queue = selectors.open_duplicate_pairs(actor=desk)

    assert (queue.count, queue.oldest_at) == (1, london(2026, 6, 14, 2, 0))


def test_open_misuse_alerts_are_counted_and_decided_ones_are_not(desk, college_user, settings):
    settings.LRS_MISUSE_DAILY_LIMIT = 2
    other = make_user(college_user.organisation, Role.ONLINE_USER, username="college.two")
    record(college_user, "learner.find", NOW - dt.timedelta(hours=2), n=3)
    record(other, "plr.view", NOW - dt.timedelta(hours=1), n=3)
    first, second = misuse_check(now=NOW)
    misuse_alert_decide(actor=desk, alert=second, decision="reinstate", reason="Results day")

    queue = selectors.open_misuse_alerts(actor=desk)

    assert (queue.count, queue.oldest_id, queue.oldest_at) == (1, first.pk, NOW)


def test_empty_queues_say_there_is_nothing_waiting(desk):
    board = selectors.service_desk_dashboard(actor=desk)
    for queue in (board.misuse_alerts, board.applications, board.duplicates):
        assert queue == selectors.Queue()
    assert board.overdue.count == 0
    assert board.backlog.waiting == 0
    assert board.backlog.stalled == board.backlog.failed == []
    assert board.volumes.totals.is_quiet


# --- Who may read it ---------------------------------------------------------------------

READS = [
    lambda actor: selectors.daily_volumes(actor=actor),
    lambda actor: selectors.backlog(actor=actor),
    lambda actor: selectors.overdue_challenges(actor=actor),
    lambda actor: selectors.pending_applications(actor=actor),
    lambda actor: selectors.open_duplicate_pairs(actor=actor),
    lambda actor: selectors.open_misuse_alerts(actor=actor),
    lambda actor: selectors.service_desk_dashboard(actor=actor),
]


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize(
    ("organisation_type", "role"),
    [
        (OrganisationType.FURTHER_EDUCATION_COLLEGE, Role.SUPER_USER),
        (OrganisationType.LOCAL_AUTHORITY, Role.SUPER_USER),
        (OrganisationType.AWARDING_ORGANISATION, Role.SUPER_USER),
        (OrganisationType.SCHOOL, Role.ONLINE_USER),
    ],
)
def test_nobody_but_the_service_desk_may_read_the_dashboard(read, organisation_type, role):
    outsider = make_user(make_organisation(organisation_type), role)
    with pytest.raises(NotPermitted):
        read(outsider)


def test_both_service_desk_roles_may_read_it():
    desk = make_organisation(OrganisationType.SERVICE_DESK)
    now = timezone.now()
    for role in (Role.SUPER_USER, Role.SERVICE_DESK_USER):
        dashboard = selectors.service_desk_dashboard(actor=make_user(desk, role), now=now)
        assert dashboard.at == now
        # Nothing is waiting in a quiet service, and the dashboard says so.
        queues = (dashboard.misuse_alerts, dashboard.applications, dashboard.duplicates)
        assert [queue.count for queue in queues] == [0, 0, 0]


def test_a_suspended_service_desk_may_not_read_it():
    desk = make_organisation(OrganisationType.SERVICE_DESK, status="suspended")
    with pytest.raises(NotPermitted):
        selectors.service_desk_dashboard(actor=make_user(desk, Role.SERVICE_DESK_USER))
