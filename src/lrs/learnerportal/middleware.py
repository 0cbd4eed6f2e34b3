from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from lrs.learnerportal.models import LearnerIdentity
from lrs.learnerportal.sessions import SESSION_KEY


class LearnerSessionMiddleware:
    """Puts the signed-in learner on ``request.learner_identity`` (None for anyone else).

    A session never holds both a learner and an organisation user: if it somehow does,
    the learner is dropped, so an organisation user never sees a learner page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.learner_identity = None  # type: ignore[attr-defined]
        held = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if held:
            if request.user.is_authenticated:
                request.session.pop(SESSION_KEY, None)
            else:
                request.learner_identity = (  # type: ignore[attr-defined]
                    LearnerIdentity.objects.select_related("learner", "learner__master")
                    .filter(pk=held.get("identity"))
                    .first()
                )
        response = self.get_response(request)
        if request.learner_identity is not None:  # type: ignore[attr-defined]
            response.setdefault("Cache-Control", "no-store")
        return response
