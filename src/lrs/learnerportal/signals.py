from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from lrs.learnerportal.sessions import SESSION_KEY


@receiver(user_logged_in)
def end_learner_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """An organisation user signing in on a browser ends the learner's session there."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)
        request.learner_identity = None
