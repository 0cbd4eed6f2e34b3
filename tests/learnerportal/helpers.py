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
