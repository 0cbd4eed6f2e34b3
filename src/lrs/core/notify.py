"""Sending LRS's emails through GOV.UK Notify instead of SMTP.

Select it with ``EMAIL_BACKEND=lrs.core.notify.NotifyEmailBackend``. Every email LRS sends
names its kind (``send_email(kind=...)``, one of ``EMAIL_TYPES``); each kind is sent with
its own Notify template (``LRS_NOTIFY_TEMPLATES``), so each can be worded, branded and
turned off in Notify. Each template is given the personalisation ``subject`` and ``body``:
the same text the SMTP email would carry, which already holds only what the reader needs
(a reference and where to look, never a learner's details).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from notifications_python_client.notifications import NotificationsAPIClient

from lrs.core.tasks import EMAIL_TYPE_HEADER

# Every kind of email LRS sends, and when.
EMAIL_TYPES: dict[str, str] = {
    "sign_in_link": "A new user's (or a reset password's) link to choose a password",
    "two_factor_reset": "A super user has reset the user's two-factor sign-in",
    "organisation_application_rejected": "The service desk did not approve an application",
    "batch_result": "A batch file has been processed, or refused",
    "achievement_file_result": "An achievement file has been processed, or refused",
    "challenge_update": "An event data challenge changed, or its deadline is near",
    "support_update": "A support request or ULN problem report changed",
    "misuse_suspension": "The misuse watch suspended an account (to the service desk)",
    "learner_notice": "A learner's own record: a share, a request for a copy, a report",
    "general": "Anything else (the fallback template)",
}


def _templates() -> dict[str, str]:
    return dict(getattr(settings, "LRS_NOTIFY_TEMPLATES", {}) or {})


def template_for(kind: str) -> str:
    templates = _templates()
    template_id = templates.get(kind) or templates.get("general")
    if not template_id:
        raise ImproperlyConfigured(
            f"LRS_NOTIFY_TEMPLATES has no template for {kind!r} emails and no 'general' one"
        )
    return template_id


class NotifyEmailBackend(BaseEmailBackend):
    """A Django email backend that sends each message through the GOV.UK Notify API, one
    request per recipient (Notify sends to one address at a time)."""

    def __init__(self, fail_silently: bool = False, **kwargs: object) -> None:
        super().__init__(fail_silently=fail_silently)
        api_key = getattr(settings, "LRS_NOTIFY_API_KEY", "")
        if not api_key:
            raise ImproperlyConfigured("Set LRS_NOTIFY_API_KEY to send email through Notify")
        self.client = NotificationsAPIClient(
            api_key, base_url=settings.LRS_NOTIFY_BASE_URL, timeout=30
        )
        self.reply_to_id = getattr(settings, "LRS_NOTIFY_REPLY_TO_ID", "") or None

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            kind = message.extra_headers.get(EMAIL_TYPE_HEADER, "general")
            try:
                template_id = template_for(kind)
                for address in [*message.to, *message.cc, *message.bcc]:
                    self.client.send_email_notification(
                        email_address=address,
                        template_id=template_id,
                        personalisation={"subject": message.subject, "body": message.body},
                        reference=kind,
                        email_reply_to_id=self.reply_to_id,
                    )
                sent += 1
            except Exception:
                if not self.fail_silently:
                    raise
        return sent
