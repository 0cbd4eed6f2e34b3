from __future__ import annotations

import datetime as dt
import io

from tests.factories import make_event


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


def make_events(*, ao_user, learner, qualifications):
    """Grade 7 on 25 August 2022 for the first, 6 on the 24th for the second."""
    return [
        make_event(
            ao_user,
            learner,
            qualification=qualification,
            grade=grade,
            award_date=dt.date(2022, 8, day),
        )
        for qualification, grade, day in zip(qualifications, ("7", "6"), (25, 24))
    ]


def sign_in_learner(client, identity):
    """Skip One Login (tested end to end on its own) for tests of what comes after."""
    from lrs.learnerportal.sessions import SESSION_KEY

    session = client.session
    session[SESSION_KEY] = {"identity": identity.pk, "id_token": ""}
    session.save()
    return client
