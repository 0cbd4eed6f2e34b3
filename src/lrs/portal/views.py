from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views.decorators.http import require_safe

from lrs.access import Capability
from lrs.users.decorators import signed_in_user

C = Capability


@dataclass(frozen=True)
class Action:
    capability: Capability
    text: str
    url_name: str
    # False for what the service desk itself never does: it answers ULN problem reports
    # and mediates challenges, but has no records of its own to be challenged.
    for_desk: bool = True

    @property
    def href(self) -> str:
        return reverse(f"portal:{self.url_name}")


# What each capability lets a person do, in the order the home page lists them: the
# service desk's own work first (only the desk has those capabilities).
ACTIONS: list[Action] = [
    Action(C.APPROVE_ORGANISATIONS, "Service desk dashboard", "service-desk"),
    Action(C.APPROVE_ORGANISATIONS, "Organisation applications", "organisation-applications"),
    Action(C.APPROVE_ORGANISATIONS, "Organisations", "organisation-list"),
    Action(C.MERGE_LEARNERS, "Duplicate learners", "duplicate-list"),
    Action(C.PUBLISH_LISTS, "Published lists", "published-lists"),
    Action(C.APPROVE_ORGANISATIONS, "Support requests", "support-queue"),
    Action(C.MEDIATE_CHALLENGES, "Learners' reports and requests for a copy", "learner-requests"),
    Action(C.MANAGE_USERS, "Manage users", "users"),
    Action(C.USE_API, "API tokens", "api-tokens"),
    Action(C.MANAGE_USERS, "Web service (SOAP) credentials", "soap-credentials"),
    Action(C.SEARCH_AUDIT, "Search the audit log", "audit-search"),
    Action(C.SEARCH_AUDIT, "Suspended accounts", "misuse-alerts"),
    Action(C.FIND_LEARNER, "Find a learner", "learner-find"),
    Action(C.FIND_LEARNER, "Find a learner by ULN", "learner-lookup"),
    Action(C.REGISTER_LEARNER, "Register a learner", "learner-register"),
    Action(C.VERIFY_LEARNER, "Verify a learner and their ULN", "learner-verify"),
    Action(C.RETRIEVE_ULNS, "Retrieve ULNs", "learner-retrieve"),
    Action(C.SUBMIT_BATCH, "Submit batch files", "batch-list"),
    Action(C.SUBMIT_VERIFY_BATCH, "Submit verification batch files", "batch-list"),
    Action(C.VIEW_PLR, "View a Personal Learning Record (PLR)", "plr-view"),
    Action(C.UPLOAD_ACHIEVEMENTS, "Upload achievements", "achievement-job-list"),
    Action(C.RAISE_CHALLENGE, "Challenge a learning record", "challenge-start"),
    Action(
        C.RESOLVE_CHALLENGE, "Resolve challenges to your records", "challenge-list", for_desk=False
    ),
    Action(C.MEDIATE_CHALLENGES, "Mediate challenges", "challenge-list"),
    Action(C.FIND_LEARNER, "Report a problem with a ULN", "uln-problem-new", for_desk=False),
]


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    capabilities = user.capabilities()
    desk = user.in_service_desk()
    return render(
        request,
        "portal/home.html",
        {
            "capabilities": capabilities,
            "available": [
                action
                for action in ACTIONS
                if action.capability in capabilities and (action.for_desk or not desk)
            ],
        },
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "portal/errors/403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """For settings.CSRF_FAILURE_VIEW: a form sent without a valid token, usually stale."""
    return render(request, "portal/errors/403.html", {"csrf_failure": True}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "portal/errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: no context processors, no database, no user.
    template = loader.get_template("portal/errors/500.html")
    return HttpResponseServerError(template.render({}))
