"""The learner's session: who is signed in with One Login, kept apart from organisation
users. ``visitor_of`` says which of the access policy's visitors a request comes from."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from django.http import HttpRequest

from lrs.access import Visitor
from lrs.learnerportal.models import LearnerIdentity

SESSION_KEY = "lrs_learner"


def learner_identity(request: HttpRequest) -> LearnerIdentity | None:
    """The signed-in learner's identity (set by LearnerSessionMiddleware), if any."""
    identity: Any = getattr(request, "learner_identity", None)
    return identity if isinstance(identity, LearnerIdentity) else None


def visitor_of(request: HttpRequest) -> Visitor:
    if learner_identity(request) is not None:
        return Visitor.LEARNER
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Visitor.ORGANISATION_USER
    return Visitor.STRANGER


def learner_session_start(
    request: HttpRequest, *, identity: LearnerIdentity, id_token: str
) -> None:
    """Sign ``identity`` in on this browser, ending any organisation user's session first
    (a browser is never both) and changing the session key (no fixation)."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        logout(request)
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"identity": identity.pk, "id_token": id_token}
    request.learner_identity = identity  # type: ignore[attr-defined]


def learner_session_end(request: HttpRequest) -> str:
    """Sign the learner out; returns their ID token, for the provider's sign-out."""
    held = request.session.get(SESSION_KEY) or {}
    request.session.flush()
    request.learner_identity = None  # type: ignore[attr-defined]
    return str(held.get("id_token") or "")
