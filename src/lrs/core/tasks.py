"""Background tasks shared by every app."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django_tasks import task

# Names the kind of email (an entry of lrs.core.notify.EMAIL_TYPES) for a backend that
# sends each kind with its own template, such as GOV.UK Notify's.
EMAIL_TYPE_HEADER = "X-LRS-Email-Type"


@task()
def send_email(*, to: list[str], subject: str, body: str, kind: str = "general") -> int:
    """Send a plain-text email from the worker, so a slow mail server never slows a page."""
    message = EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, to, headers={EMAIL_TYPE_HEADER: kind}
    )
    return message.send(fail_silently=False)
