"""Test data in one place, built through the real services (as GOV.UK Notify's test
helpers are): organisations, users, learners, learning events, challenges, and the batch
and achievement files that providers and awarding organisations upload.

Every person is synthetic. Defaults are fixed so that a test reads what it relies on;
keyword overrides change one thing at a time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from lrs.access import OrganisationType, Role
from lrs.achievementfiles import AchievementRecord, make_header, write_achievements
from lrs.batches.models import Batch
from lrs.batches.services import batch_submit
from lrs.batchfiles import VERIFY_LAYOUT, BatchHeader, BatchRecord, VerifyRecord, write_batch
from lrs.challenges.models import Challenge
from lrs.challenges.services import challenge_raise
from lrs.learners.models import Learner
from lrs.learners.services import learner_access_record, learner_find, learner_register
from lrs.organisations.models import Organisation
from lrs.organisations.services import organisation_create
from lrs.records.models import AchievementJob, LearningEvent, Qualification
from lrs.records.services import EventValues, achievement_job_submit, event_create
from lrs.users.models import User
from lrs.users.services import api_token_create, user_create

PASSWORD = "correct-horse-battery"
_ukprns = itertools.count(10_100_000)
_urns = itertools.count(200_000)
_names = itertools.count(1)


def make_organisation(
    type: OrganisationType | str = OrganisationType.FURTHER_EDUCATION_COLLEGE,
    *,
    name: str | None = None,
    status: str = "active",
) -> Organisation:
    org_type = OrganisationType(type)
    return organisation_create(
        actor=None,
        name=name or f"Test {org_type.value} {next(_names)}",
        type=org_type,
        ukprn=str(next(_ukprns)),
        urn=str(next(_urns)) if org_type is OrganisationType.SCHOOL else None,
        la_code="123" if org_type is OrganisationType.LOCAL_AUTHORITY else None,
        status=status,
    )


def make_user(
    organisation: Organisation | None = None,
    role: Role | str = Role.SUPER_USER,
    *,
    username: str | None = None,
    password: str = PASSWORD,
) -> User:
    organisation = organisation or make_organisation()
    return user_create(
        actor=None,
        organisation=organisation,
        username=username or f"user{next(_names)}",
        role=role,
        password=password,
        email="someone@example.com",
        first_name="Test",
        last_name="Person",
    )


def make_token(user: User) -> str:
    _, plaintext = api_token_create(actor=None, user=user, name="test token")
    return plaintext


# --- Learners -----------------------------------------------------------------------

# One synthetic learner, as a provider types her in. Tests that need someone else pass
# overrides (``make_learner(given_name="Olivai")``) rather than writing a new person out.
OLIVIA: dict[str, str] = {
    "given_name": "Olivia",
    "family_name": "Thornbury",
    "date_of_birth": "2006-03-14",
    "gender": "2",
    "last_known_postcode": "CV4 9EE",
    "verification_type": "1",
    "ability_to_share": "1",
}


def make_provider_user(role: Role | str = Role.ONLINE_USER, **organisation: Any) -> User:
    return make_user(
        make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, **organisation), role
    )


def make_ao_user(**organisation: Any) -> User:
    return make_user(
        make_organisation(OrganisationType.AWARDING_ORGANISATION, **organisation),
        Role.AWARDING_ORGANISATION_USER,
    )


def make_learner(
    actor: User | None = None, *, confirmation_reason: str = "", **overrides: Any
) -> Learner:
    """Olivia (or whoever ``overrides`` make her), registered by ``actor``'s organisation.

    With a ``confirmation_reason`` she is registered even where someone like her already
    is, as a provider that confirms a new learner does.
    """
    return learner_register(
        actor=actor or make_provider_user(),
        data={**OLIVIA, **overrides},
        confirm_new_learner=bool(confirmation_reason),
        confirmation_reason=confirmation_reason,
    ).learner


# --- Qualifications and learning events -----------------------------------------------

GCSE_MATHS = ("601/4702/5", "GCSE (9 to 1) in Mathematics")
GCSE_ENGLISH = ("601/4703/7", "GCSE (9 to 1) in English Language")
_qualifications = itertools.count(1)


def make_qualification(
    awarding_organisation: Organisation,
    reference: str | None = None,
    title: str | None = None,
    **fields: Any,
) -> Qualification:
    """A GCSE of ``awarding_organisation``; the register of qualifications is loaded from
    Ofqual's list, which has no service of its own to go through."""
    number = next(_qualifications)
    values = {
        "kind": "qualification",
        "qualification_type": "GCSE (9 to 1)",
        "level": "Level 1/2",
        **fields,
    }
    return Qualification.objects.create(
        reference=reference or f"601/{number:04d}/5",
        title=title or f"GCSE (9 to 1) in Subject {number}",
        awarding_organisation=awarding_organisation,
        **values,
    )


def make_event(
    actor: User,
    learner: Learner,
    *,
    qualification: Qualification | None = None,
    grade: str = "7",
    award_date: dt.date = dt.date(2022, 8, 25),
    found_by: User | None = None,
    **values: Any,
) -> LearningEvent:
    """A learning event recorded by the awarding organisation user ``actor`` (a new GCSE of
    theirs unless ``qualification`` is given). ``found_by``, a provider user, then finds
    the learner, as a provider does before it may challenge one of her events."""
    event = event_create(
        actor=actor,
        learner=learner,
        values=EventValues(
            qualification=qualification or make_qualification(actor.organisation),
            grade=grade,
            award_date=award_date,
            **values,
        ),
    )
    if found_by is not None:
        learner_find(actor=found_by, data={**OLIVIA, **_names_of(learner)})
    return event


def _names_of(learner: Learner) -> dict[str, str]:
    return {
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "date_of_birth": learner.date_of_birth.isoformat(),
        "gender": learner.gender,
        "last_known_postcode": learner.last_known_postcode,
    }


# --- Challenges -------------------------------------------------------------------------


def raise_args(event: LearningEvent, **changes: Any) -> dict[str, Any]:
    """What a provider fills in to challenge ``event``'s grade."""
    args = {
        "type": "incorrect_details",
        "event_id": str(event.public_id),
        "contact_name": "Priya Shah",
        "contact_email": "exams@college.example",
        "explanation": "The certificate shows grade 8.",
        "supplied_values": {"grade": "8"},
    }
    args.update(changes)
    return args


def make_challenge(provider_user: User, event: LearningEvent, **changes: Any) -> Challenge:
    """An open challenge of ``event`` by a provider that has been shown its learner (a
    provider only challenges events of learners it has found)."""
    learner_access_record(
        organisation_id=provider_user.organisation_id, learner_ids=[event.learner_id]
    )
    return challenge_raise(actor=provider_user, **raise_args(event, **changes))


# --- Batch files ------------------------------------------------------------------------

STAMP = "010920241030"  # the date and time in a file's name: 1 September 2024, 10:30


def batch_record(row: int, **changes: Any) -> BatchRecord:
    """One learner line of a registration batch file."""
    record = BatchRecord(
        row=row,
        mis_identifier=f"S{row:05d}",
        given_name="Ann",
        family_name="Example",
        last_known_postcode="CV4 9EE",
        date_of_birth="2001-04-03",
        gender="2",
        ability_to_share="1",
        verification_type="2",
    )
    return dataclasses.replace(record, **changes)


def verify_record(row: int, **changes: Any) -> VerifyRecord:
    """One line of a verify batch file."""
    return dataclasses.replace(VerifyRecord(row=row, mis_identifier=f"C{row}"), **changes)


def synthetic_batch_records(count: int, seed: int = 7) -> list[BatchRecord]:
    """``count`` distinct realistic learners as batch records, rows 2 onwards."""
    from lrs.synthetic import generate_learners

    records = []
    for row, person in enumerate(generate_learners(count, seed=seed), start=2):
        d = person.demographics
        records.append(
            batch_record(
                row,
                given_name=d.given_name,
                family_name=d.family_name,
                date_of_birth=d.date_of_birth.isoformat(),
                gender=d.gender,
                last_known_postcode=d.postcode,
            )
        )
    return records


def batch_file_name(ukprn: str, fmt: str = "CSV", prefix: str = "LRB") -> str:
    return f"{prefix}_{ukprn}_{STAMP}.{fmt}"


def batch_upload(
    ukprn: str, records: list[Any], fmt: str = "CSV", count: int | None = None, prefix: str = "LRB"
) -> SimpleUploadedFile:
    """A batch file of ``records`` as its sender uploads it (a verify file for ``LRV``)."""
    name = batch_file_name(ukprn, fmt, prefix)
    buffer = io.BytesIO()
    header = BatchHeader(
        file_version="V1" if prefix == "LRV" else "2A",
        file_name=name,
        ukprn=ukprn,
        learner_record_count=len(records) if count is None else count,
    )
    layout = VERIFY_LAYOUT if prefix == "LRV" else None
    if layout is None:
        write_batch(buffer, header, records, fmt=fmt)
    else:
        write_batch(buffer, header, records, fmt=fmt, layout=layout)
    return SimpleUploadedFile(name, buffer.getvalue())


def make_batch(user: User, records: list[Any] | None = None, **file: Any) -> Batch:
    """A batch file of ``records`` (one learner unless given) submitted by ``user`` and
    processed by the worker's code."""
    from lrs.batches.processing import process

    upload = batch_upload(user.organisation.ukprn, records or [batch_record(2)], **file)
    batch = batch_submit(actor=user, upload=upload)
    process(batch.pk)
    batch.refresh_from_db()
    return batch


# --- Achievement files ------------------------------------------------------------------


def achievement_row(
    n: int, learner: Learner, qualification: Qualification, centre: Organisation, **changes: Any
) -> AchievementRecord:
    """One line of an achievement file: ``learner`` (named as Olivia unless ``changes`` say
    otherwise) awarded grade 7 in ``qualification`` at ``centre``."""
    record = AchievementRecord(
        row=n,
        mis_identifier=f"C{n}",
        uln=learner.uln,
        given_name=OLIVIA["given_name"],
        family_name=OLIVIA["family_name"],
        date_of_birth=OLIVIA["date_of_birth"],
        gender=OLIVIA["gender"],
        provider_ukprn=centre.ukprn,
        reference=qualification.reference,
        grade="7",
        award_date="2022-08-25",
        status="F",
        action="1",
        action_date="2022-08-26",
    )
    return dataclasses.replace(record, **changes)


def achievement_file(
    user: User,
    records: list[AchievementRecord],
    *,
    fmt: str = "CSV",
    count: int | None = None,
    ukprn: str | None = None,
) -> SimpleUploadedFile:
    """An achievement file of ``records`` as ``user`` uploads it; ``count`` and ``ukprn``
    put other values in its header."""
    ukprn = ukprn or user.organisation.ukprn
    name = f"ACH_{ukprn}_{STAMP}.{fmt}"
    buffer = io.BytesIO()
    header = make_header(name, ukprn, len(records) if count is None else count)
    write_achievements(buffer, header, records, fmt=fmt)
    return SimpleUploadedFile(name, buffer.getvalue())


def make_achievement_job(
    user: User,
    records: list[AchievementRecord],
    fmt: str = "CSV",
    count: int | None = None,
    ukprn: str | None = None,
) -> AchievementJob:
    """An achievement file of ``records`` submitted by ``user`` and processed by the
    worker's code."""
    from lrs.records.uploads import process

    upload = achievement_file(user, records, fmt=fmt, count=count, ukprn=ukprn)
    job = achievement_job_submit(actor=user, upload=upload)
    process(job.pk)
    job.refresh_from_db()
    return job
