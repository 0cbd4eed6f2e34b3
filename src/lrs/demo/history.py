"""A few weeks of plausible activity for the demo, so that the service desk's first look at
its dashboard, the misuse watch and the challenge reports shows something real.

Everything goes through the real services (finds, PLR views, verifications,
registrations, updates, batch and achievement files, challenges, the misuse check), each
run with the clock set back to the moment it happens, so that every audit entry and
timestamp falls on its own day. Only the demo's synthetic people appear.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lrs.access import OrganisationType, Role
from lrs.achievementfiles import AchievementRecord, make_header, write_achievements
from lrs.audit.models import AuditEntry
from lrs.audit.services import audit_record
from lrs.batches.processing import process as process_batch
from lrs.batches.services import batch_submit
from lrs.batchfiles.records import BatchHeader, BatchRecord
from lrs.batchfiles.writers import write_batch
from lrs.challenges.models import Challenge
from lrs.challenges.services import challenge_acknowledge, challenge_raise, challenge_resolve
from lrs.core.errors import ServiceError
from lrs.learners.bulk import synthetic_learner_record
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.services import learner_find, learner_register, learner_update, learner_verify
from lrs.misuse.services import misuse_check
from lrs.organisations.models import Organisation
from lrs.records.models import LearningEvent
from lrs.records.services import achievement_job_submit, plr_get
from lrs.records.uploads import process as process_achievements
from lrs.synthetic import generate_learners
from lrs.users.models import User
from lrs.users.services import user_create

HISTORY_DAYS = 28
SEED = 2027
# A demo account that searched far more than its organisation's work explains, three days
# ago: the misuse watch suspended it and the service desk has yet to decide.
BUSY_SEARCHER = "training.searcher"
SEARCHER_DAYS_AGO = 3
_PROVIDERS = ("college.online", "college.super", "school.super", "training.super", "council.super")


@contextmanager
def _at(moment: dt.datetime) -> Iterator[None]:
    """Run the services as if it were ``moment``: every timestamp they write is then."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _moment(rng: random.Random, day: dt.date, now: dt.datetime) -> dt.datetime:
    """A time in the working day of ``day`` (UK time), never after ``now``."""
    minutes = rng.randint(8 * 60 + 30, 17 * 60 + 30)
    start = dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())
    return min(start + dt.timedelta(minutes=minutes), now - dt.timedelta(minutes=5))


def _details(learner: Learner) -> dict[str, str]:
    return {
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "date_of_birth": learner.date_of_birth.isoformat(),
        "gender": learner.gender,
        "last_known_postcode": learner.last_known_postcode,
    }


def _quietly(call: object, *args: object, **kwargs: object) -> object:
    """A refusal (a slip in made-up details) is part of a real day too: carry on."""
    try:
        return call(*args, **kwargs)  # type: ignore[operator]
    except ServiceError:
        return None


def demo_history(*, now: dt.datetime | None = None) -> int:
    """Create HISTORY_DAYS days of activity ending now; returns the audit entries added."""

    now = now or timezone.now()
    before = AuditEntry.objects.count()
    rng = random.Random(SEED)
    users = {u.username: u for u in User.objects.filter(organisation__isnull=False)}
    learners = list(Learner.objects.filter(status=LearnerStatus.ACTIVE).order_by("id")[:300])
    newcomers = iter(generate_learners(80, seed=SEED))
    today = timezone.localdate(now)
    for days_ago in range(HISTORY_DAYS - 1, -1, -1):
        day = today - dt.timedelta(days=days_ago)
        weekend = day.weekday() >= 5
        busy = 0.15 if weekend else 1.0
        for _ in range(round(rng.randint(10, 24) * busy)):
            learner = rng.choice(learners)
            actor = users[rng.choice(_PROVIDERS)]
            with _at(_moment(rng, day, now)):
                _quietly(learner_find, actor=actor, data=_details(learner))
                if rng.random() < 0.4:
                    _quietly(
                        plr_get,
                        actor=actor,
                        uln=learner.uln,
                        given_name=learner.given_name,
                        family_name=learner.family_name,
                    )
        for _ in range(round(rng.randint(1, 3) * busy)):
            sample = rng.sample(learners, rng.randint(1, 4))
            with _at(_moment(rng, day, now)):
                _quietly(
                    learner_verify,
                    actor=users["awards.user"],
                    items=[
                        {
                            "uln": learner.uln,
                            "given_name": learner.given_name,
                            "family_name": learner.family_name,
                        }
                        for learner in sample
                    ],
                )
        if not weekend:
            for _ in range(rng.randint(0, 2)):
                with _at(_moment(rng, day, now)):
                    _quietly(
                        learner_register,
                        actor=users["college.online"],
                        data=synthetic_learner_record(next(newcomers)),
                    )
            if rng.random() < 0.5:
                learner = rng.choice(learners)
                learner.refresh_from_db()
                with _at(_moment(rng, day, now)):
                    _quietly(
                        learner_update,
                        actor=users["college.online"],
                        uln=learner.uln,
                        version_number=learner.version_number,
                        data={"email_address": f"learner{learner.pk}@example.com"},
                    )
    _batch_files(rng, users, learners, newcomers, today, now)
    _achievement_files(rng, users, today, now)
    _challenges(rng, users, today, now)
    _busy_searcher(rng, learners, today, now)
    return AuditEntry.objects.count() - before


def _batch_files(
    rng: random.Random,
    users: dict[str, User],
    learners: list[Learner],
    newcomers: Iterator[object],
    today: dt.date,
    now: dt.datetime,
) -> None:
    """A registration batch a week from the college: mostly learners LRS already knows."""
    ukprn = users["college.batch"].organisation.ukprn
    for days_ago in (22, 15, 8, 1):
        moment = _moment(rng, today - dt.timedelta(days=days_ago), now)
        name = f"LRB_{ukprn}_{timezone.localtime(moment):%d%m%Y%H%M}.CSV"
        people = [_known(learner) for learner in rng.sample(learners, 12)]
        people += [synthetic_learner_record(next(newcomers)) for _ in range(4)]  # type: ignore[arg-type]
        records = [_batch_record(row, person) for row, person in enumerate(people, start=2)]
        buffer = io.BytesIO()
        header = BatchHeader(
            file_version="2A", file_name=name, ukprn=ukprn, learner_record_count=len(records)
        )
        write_batch(buffer, header, records, fmt="CSV")
        with _at(moment):
            batch = batch_submit(
                actor=users["college.batch"],
                upload=SimpleUploadedFile(name, buffer.getvalue()),
                confirm_duplicate=True,
            )
        with _at(moment + dt.timedelta(minutes=2)):
            process_batch(batch.pk)


def _known(learner: Learner) -> dict[str, object]:
    """A learner already registered, as their provider's system would send them again."""
    return {
        **_details(learner),
        "ability_to_share": learner.ability_to_share,
        "verification_type": learner.verification_type,
    }


def _batch_record(row: int, values: dict[str, object]) -> BatchRecord:
    """A learner's register fields as a row of a batch file."""
    fields = {f.name for f in dataclasses.fields(BatchRecord)}
    data = {
        key: (value.isoformat() if isinstance(value, dt.date) else str(value or ""))
        for key, value in values.items()
        if key in fields
    }
    return BatchRecord(row=row, mis_identifier=f"RC{row:05d}", **data)  # type: ignore[arg-type]


def _achievement_files(
    rng: random.Random, users: dict[str, User], today: dt.date, now: dt.datetime
) -> None:
    """Two achievement files from Meridian Awards, the second with rows it got wrong."""
    actor = users["awards.user"]
    ukprn = actor.organisation.ukprn
    centre = Organisation.objects.get(ukprn="10000002")
    events = list(
        LearningEvent.objects.filter(
            awarding_organisation=actor.organisation, qualification__isnull=False
        )
        .select_related("learner", "qualification")
        .order_by("id")[:40]
    )
    for days_ago, mistakes in ((18, 0), (5, 3)):
        moment = _moment(rng, today - dt.timedelta(days=days_ago), now)
        name = f"ACH_{ukprn}_{timezone.localtime(moment):%d%m%Y%H%M}.CSV"
        chosen = rng.sample(events, 8)
        records = []
        for row, event in enumerate(chosen, start=2):
            learner = event.learner
            record = AchievementRecord(
                row=row,
                mis_identifier=f"M{row:04d}",
                uln=learner.uln,
                given_name=learner.given_name,
                family_name=learner.family_name,
                date_of_birth=learner.date_of_birth.isoformat(),
                gender=learner.gender,
                provider_ukprn=centre.ukprn,
                reference=event.qualification.reference if event.qualification else "",
                grade=event.grade,
                award_date=(moment.date() - dt.timedelta(days=30)).isoformat(),
                status="F",
                action="1",
                action_date=moment.date().isoformat(),
            )
            if row - 2 < mistakes:  # a gender code that does not exist: the row is refused
                record = dataclasses.replace(record, gender="7")
            records.append(record)
        buffer = io.BytesIO()
        write_achievements(buffer, make_header(name, ukprn, len(records)), records, fmt="CSV")
        with _at(moment):
            job = achievement_job_submit(
                actor=actor, upload=SimpleUploadedFile(name, buffer.getvalue())
            )
        with _at(moment + dt.timedelta(minutes=3)):
            process_achievements(job.pk)


def _challenges(
    rng: random.Random, users: dict[str, User], today: dt.date, now: dt.datetime
) -> None:
    """Oakfield Academy challenges grades Meridian Awards gave its learners: one resolved,
    one acknowledged, one that nobody has answered in time."""
    school = users["school.super"]
    awards = users["awards.user"]
    events = list(
        LearningEvent.objects.filter(achievement_provider_ukprn=school.organisation.ukprn)
        .select_related("learner")
        .order_by("id")[:3]
    )
    plans = [(20, "resolve"), (12, "acknowledge"), (16, "ignore")]
    for event, (days_ago, plan) in zip(events, plans):
        moment = _moment(rng, today - dt.timedelta(days=days_ago), now)
        with _at(moment):
            learner_find(actor=school, data=_details(event.learner))
            challenge = _quietly(
                challenge_raise,
                actor=school,
                type="incorrect_details",
                event_id=str(event.public_id),
                contact_name="Eleanor Hughes",
                contact_email="exams@oakfield.example",
                explanation="The certificate the learner showed us has a different grade.",
                supplied_values={"grade": "A" if event.grade != "A" else "B"},
            )
        if not isinstance(challenge, Challenge) or plan == "ignore":
            continue
        with _at(moment + dt.timedelta(days=2)):
            challenge_acknowledge(actor=awards, challenge=challenge)
        if plan == "resolve":
            with _at(moment + dt.timedelta(days=6)):
                challenge_resolve(
                    actor=awards,
                    challenge=challenge,
                    outcome="no_change",
                    reason="We checked the marks: the grade on the record is right.",
                )


def _busy_searcher(
    rng: random.Random, learners: list[Learner], today: dt.date, now: dt.datetime
) -> None:
    organisation = Organisation.objects.get(
        type=OrganisationType.TRAINING_PROVIDER, ukprn="10000003"
    )
    searcher = User.objects.filter(username=BUSY_SEARCHER).first() or user_create(
        actor=None,
        organisation=organisation,
        username=BUSY_SEARCHER,
        role=Role.ONLINE_USER,
        password=None,
        email=f"{BUSY_SEARCHER}@example.com",
        first_name="Sam",
        last_name="Reid",
    )
    day = today - dt.timedelta(days=SEARCHER_DAYS_AGO)
    start = _moment(rng, day, now).replace(hour=9, minute=0)
    # Many more searches than one person's work, in one afternoon: audited as the real
    # find would audit them (the details never matter to the watch, only the count).
    for i in range(settings.LRS_MISUSE_DAILY_LIMIT + 40):
        with _at(start + dt.timedelta(seconds=20 * i)):
            audit_record(
                action="learner.find",
                actor=searcher,
                object_type="uln",
                object_id=rng.choice(learners).uln if rng.random() < 0.3 else "",
            )
    misuse_check(now=start + dt.timedelta(hours=7))
