"""How learner pages check who is asking: the access policy's ``may_enter``, in one place."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lrs.access import Audience, Visitor, may_enter
from lrs.core.errors import NotFound, NotPermitted
from lrs.learnerportal.models import LearnerIdentity
from lrs.learnerportal.sessions import learner_identity, visitor_of

View = Callable[..., HttpResponse]


def learner_required(view: View) -> View:
    """For the learner's own pages: a stranger goes to the learner sign-in, an
    organisation user is refused (403) and never sees a learner's page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        visitor = visitor_of(request)
        if not may_enter(audience=Audience.LEARNER, visitor=visitor):
            if visitor is Visitor.STRANGER:
                return redirect("learner:sign-in")
            return render(request, "learnerportal/learners_only.html", status=403)
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except NotPermitted as exc:
            raise Http404(exc.message) from exc

    wrapped.lrs_audience = Audience.LEARNER  # type: ignore[attr-defined]
    return wrapped


def public_page(view: View) -> View:
    """For pages anyone may use; a learner or organisation user sees what a stranger sees."""
    view.lrs_audience = Audience.PUBLIC  # type: ignore[attr-defined]
    return view


def signed_in_learner(request: HttpRequest) -> LearnerIdentity:
    identity = learner_identity(request)
    if identity is None:  # learner_required has already turned strangers away
        raise Http404
    return identity
