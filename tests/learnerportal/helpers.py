from __future__ import annotations

import io


def run_queued_emails() -> None:
    """The email task runs in the worker; the tests run what is queued directly."""
    from django_tasks_db.models import DBTaskResult

    from lrs.core.tasks import send_email

    for result in DBTaskResult.objects.filter(task_path__endswith="send_email"):
        send_email.call(**result.args_kwargs["kwargs"])
        result.delete()


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def make_qualification(ao, reference: str, title: str):
    from lrs.records.models import Qualification

    return Qualification.objects.create(
        reference=reference,
        kind="qualification",
        title=title,
        qualification_type="GCSE (9 to 1)",
        level="Level 1/2",
        awarding_organisation=ao,
    )


MATHS = ("601/4702/5", "GCSE (9 to 1) in Mathematics")
ENGLISH = ("601/4703/7", "GCSE (9 to 1) in English Language")


def make_events(*, ao_user, learner, qualifications):
    """Grade 7 on 25 August 2022 for the first, 6 on the 24th for the second."""
    import datetime as dt

    from lrs.records.services import EventValues, event_create

    return [
        event_create(
            actor=ao_user,
            learner=learner,
            values=EventValues(
                qualification=qualification, grade=grade, award_date=dt.date(2022, 8, day)
            ),
        )
        for qualification, grade, day in zip(qualifications, ("7", "6"), (25, 24))
    ]
