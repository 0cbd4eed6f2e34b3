"""Small factories for the service desk dashboard's tests.

Learners, events, challenges and applications go through the real services. Audit
entries, batches and achievement jobs are written directly, because the dashboard is
about *when* things happened and those services always stamp the present moment.
All people and organisations are synthetic.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.batches.models import Batch, BatchKind, BatchStatus
from lrs.challenges.models import Challenge
from lrs.challenges.services import challenge_raise
from lrs.core.models import WorkerHeartbeat
from lrs.duplicates.models import DuplicatePair, PairSource
from lrs.learners.models import Learner
from lrs.learners.services import learner_register
from lrs.organisations.models import OrganisationApplication
from lrs.organisations.services import organisation_application_submit
from lrs.records.models import AchievementJob, JobStatus, LearningEvent, Qualification
from lrs.records.services import EventValues, event_create
from lrs.users.models import User
from tests.factories import make_organisation, make_user

_numbers = itertools.count(1)
_ukprns = itertools.count(10_700_000)


def london(*args: int) -> dt.datetime:
    """A moment on the UK's clock (GMT or BST, whichever applies then)."""
    return timezone.make_aware(dt.datetime(*args))


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def desk_user(**kwargs: Any) -> User:
    desk = make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")
    return make_user(desk, Role.SERVICE_DESK_USER, **kwargs)


def record(
    user: User | None,
    action: str,
    at: dt.datetime,
    *,
    n: int = 1,
    outcome: str = "success",
    channel: str = "portal",
    detail: dict[str, Any] | None = None,
) -> None:
    """``n`` audit entries of ``action`` at ``at``, as audit_record writes them."""
    organisation = user.organisation if user is not None else None
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                occurred_at=at,
                actor=user,
                actor_username=user.username if user is not None else "",
                organisation=organisation,
                organisation_ukprn=organisation.ukprn if organisation is not None else "",
                action=action,
                object_type="uln",
                object_id="",
                outcome=outcome,
                detail=detail or {},
                request_id=f"test-{next(_numbers)}",
                channel=channel,
            )
            for _ in range(n)
        ]
    )


def make_batch(
    user: User,
    *,
    status: str = BatchStatus.QUEUED,
    created_at: dt.datetime | None = None,
    total_records: int = 0,
    processed_records: int = 0,
    progressed_at: dt.datetime | None = None,
    finished_at: dt.datetime | None = None,
    failure_reason: str = "",
    file_name: str | None = None,
) -> Batch:
    number = next(_numbers)
    batch = Batch.objects.create(
        kind=BatchKind.REGISTRATION,
        organisation=user.organisation,
        uploaded_by=user,
        file_name=file_name or f"LRB-{number:04d}.csv",
        file_format="csv",
        file_size=1024,
        file_sha256=f"{number:064x}",
        stored_path=f"batches/{number}.csv",
        status=status,
        total_records=total_records,
        processed_records=processed_records,
        progressed_at=progressed_at,
        finished_at=finished_at,
        failure_reason=failure_reason,
    )
    if created_at is not None:
        Batch.objects.filter(pk=batch.pk).update(created_at=created_at)
        batch.refresh_from_db()
    return batch


def make_job(
    user: User,
    *,
    status: str = JobStatus.WAITING,
    submitted_at: dt.datetime | None = None,
    records: int = 0,
    processed_records: int = 0,
    progressed_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
    rejection_reason: str = "",
    file_name: str | None = None,
) -> AchievementJob:
    number = next(_numbers)
    job = AchievementJob.objects.create(
        organisation=user.organisation,
        submitted_by=user,
        file_name=file_name or f"achievements-{number:04d}.csv",
        file_format="csv",
        file_size=2048,
        file_sha256=f"{number:064x}",
        stored_path=f"achievements/{number}.csv",
        status=status,
        records=records,
        processed_records=processed_records,
        progressed_at=progressed_at,
        ended_at=ended_at,
        rejection_reason=rejection_reason,
    )
    if submitted_at is not None:
        AchievementJob.objects.filter(pk=job.pk).update(submitted_at=submitted_at)
        job.refresh_from_db()
    return job


def heartbeat(last_seen_at: dt.datetime, *, hostname: str = "worker-a") -> WorkerHeartbeat:
    number = next(_numbers)
    return WorkerHeartbeat.objects.create(
        worker_id=f"w{number}",
        hostname=hostname,
        pid=4000 + number,
        started_at=last_seen_at - dt.timedelta(hours=1),
        last_seen_at=last_seen_at,
    )


def learner_data(given_name: str, family_name: str, **changes: Any) -> dict[str, Any]:
    data = {
        "given_name": given_name,
        "family_name": family_name,
        "date_of_birth": "2007-05-21",
        "gender": "1",
        "last_known_postcode": "CV4 9EE",
        "verification_type": "1",
        "ability_to_share": "1",
    }
    data.update(changes)
    return data


class ChallengeWorld:
    """An awarding organisation with a qualification, a college that registered a learner,
    and a way to raise challenges (each about a new event) and move their dates."""

    def __init__(self, *, owner_name: str = "Meridian Awards") -> None:
        self.ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name=owner_name)
        self.ao_user = make_user(self.ao, Role.AWARDING_ORGANISATION_USER)
        college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE)
        self.provider = make_user(college, Role.ONLINE_USER)
        self.qualification = Qualification.objects.create(
            reference=f"601/{next(_numbers):04d}/5",
            kind="qualification",
            title="GCSE (9 to 1) in Mathematics",
            qualification_type="GCSE (9 to 1)",
            level="Level 1/2",
            awarding_organisation=self.ao,
        )
        result = learner_register(actor=self.provider, data=learner_data("Esme", "Holloway"))
        assert result.learner is not None
        self.learner = result.learner
        self._days = itertools.count(1)

    def event(self) -> LearningEvent:
        return event_create(
            actor=self.ao_user,
            learner=self.learner,
            values=EventValues(
                qualification=self.qualification,
                grade="6",
                award_date=dt.date(2023, 8, 1) + dt.timedelta(days=next(self._days)),
            ),
        )

    def challenge(
        self,
        *,
        created_at: dt.datetime | None = None,
        acknowledge_due: dt.date | None = None,
        resolve_due: dt.date | None = None,
    ) -> Challenge:
        challenge = challenge_raise(
            actor=self.provider,
            type="incorrect_details",
            event_id=str(self.event().public_id),
            contact_name="Priya Shah",
            contact_email="exams@college.example",
            explanation="The certificate shows grade 7.",
            supplied_values={"grade": "7"},
        )
        # As if raised earlier: the dashboard counts by day and compares with due dates.
        changes: dict[str, Any] = {}
        if created_at is not None:
            changes["created_at"] = created_at
        if acknowledge_due is not None:
            changes["acknowledge_due"] = acknowledge_due
        if resolve_due is not None:
            changes["resolve_due"] = resolve_due
        if changes:
            Challenge.objects.filter(pk=challenge.pk).update(**changes)
            challenge.refresh_from_db()
        return challenge


def make_application(
    name: str = "Brookfield College", *, submitted_at: dt.datetime | None = None
) -> OrganisationApplication:
    application = organisation_application_submit(
        name=name,
        type=OrganisationType.FURTHER_EDUCATION_COLLEGE.value,
        ukprn=str(next(_ukprns)),
        ico_number="ZA123456",
        companies_house_number="01234567",
        purpose="To register our learners at enrolment and get their ULNs for our ILR.",
        expected_volumes="501_to_5000",
        contact_name="Priya Shah",
        contact_job_title="MIS manager",
        contact_email="priya.shah@brookfield.example",
        contact_telephone="01632 960 001",
    )
    if submitted_at is not None:
        OrganisationApplication.objects.filter(pk=application.pk).update(submitted_at=submitted_at)
        application.refresh_from_db()
    return application


def make_pair(
    first: Learner, second: Learner, *, found_at: dt.datetime, status: str = "open"
) -> DuplicatePair:
    low, high = sorted([first, second], key=lambda learner: learner.pk)
    return DuplicatePair.objects.create(
        first=low,
        second=high,
        score=0.93,
        status=status,
        source=PairSource.SCAN,
        found_at=found_at,
    )


def two_learners(provider: User) -> tuple[Learner, Learner]:
    made = []
    for given, family in (("Callum", "Ashworth"), ("Kallum", "Ashworth")):
        result = learner_register(
            actor=provider,
            data=learner_data(given, family),
            confirm_new_learner=True,
            confirmation_reason="A different person",
        )
        assert result.learner is not None
        made.append(result.learner)
    return made[0], made[1]
