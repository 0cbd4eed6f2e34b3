from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from lrs.access import Capability

SERVICE_NAME = "Learning Records Service"

# The service navigation: (text, URL name, the capabilities of which one is needed (none:
# anyone), the URL names that belong to that section).
_NAVIGATION: list[tuple[str, str, tuple[Capability, ...], tuple[str, ...]]] = [
    ("Home", "home", (), ("home",)),
    ("Dashboard", "service-desk", (Capability.APPROVE_ORGANISATIONS,), ("service-desk",)),
    (
        "Find a learner",
        "learner-find",
        (Capability.FIND_LEARNER,),
        ("learner-find", "learner-detail", "learner-update"),
    ),
    (
        "Register a learner",
        "learner-register",
        (Capability.REGISTER_LEARNER,),
        ("learner-register", "learner-registered"),
    ),
    ("Verify a learner", "learner-verify", (Capability.VERIFY_LEARNER,), ("learner-verify",)),
    ("View a PLR", "plr-view", (Capability.VIEW_PLR,), ("plr-",)),
    (
        "Batch files",
        "batch-list",
        (Capability.SUBMIT_BATCH, Capability.SUBMIT_VERIFY_BATCH),
        ("batch-",),
    ),
    (
        "Achievements",
        "achievement-job-list",
        (Capability.UPLOAD_ACHIEVEMENTS,),
        ("achievement-",),
    ),
    (
        "Challenges",
        "challenge-list",
        (
            Capability.RAISE_CHALLENGE,
            Capability.RESOLVE_CHALLENGE,
            Capability.MEDIATE_CHALLENGES,
        ),
        ("challenge-",),
    ),
    ("Manage users", "users", (Capability.MANAGE_USERS,), ("users", "user-")),
    ("API tokens", "api-tokens", (Capability.USE_API,), ("api-token",)),
    ("Web services", "soap-credentials", (Capability.MANAGE_USERS,), ("soap-credentials",)),
    ("Audit log", "audit-search", (Capability.SEARCH_AUDIT,), ("audit-",)),
    (
        "Suspended accounts",
        "misuse-alerts",
        (Capability.SEARCH_AUDIT,),
        ("misuse-",),
    ),
    (
        "Organisations",
        "organisation-list",
        (Capability.APPROVE_ORGANISATIONS,),
        ("organisation-",),
    ),
    ("Duplicates", "duplicate-list", (Capability.MERGE_LEARNERS,), ("duplicate-", "learner-merge")),
    ("Published lists", "published-lists", (Capability.PUBLISH_LISTS,), ("published-", "list-")),
    (
        "Support requests",
        "support-queue",
        (Capability.APPROVE_ORGANISATIONS,),
        ("support-queue", "support-request-manage"),
    ),
    ("Support", "support-requests", (), ("support-request", "uln-problem-")),
    (
        "Learners' requests",
        "learner-requests",
        (Capability.MEDIATE_CHALLENGES,),
        ("learner-request", "learner-report-", "paper-request-"),
    ),
]
# Items the service desk does not see: it answers support requests rather than raising them.
_NOT_FOR_THE_DESK = {"support-requests"}
# Sections reached from the home page (the service name links there) rather than from
# the header, which would otherwise wrap onto three rows for a super user: the home page
# itself, and what people open now and then rather than every day.
_HOME_PAGE_ONLY = {
    "home",
    "api-tokens",
    "soap-credentials",
    "audit-search",
    "misuse-alerts",
    "published-lists",
}


def _section_matches(url_name: str, prefixes: tuple[str, ...]) -> bool:
    return any(url_name == prefix or url_name.startswith(prefix) for prefix in prefixes)


def navigation_for(request: HttpRequest, capabilities: frozenset[str]) -> list[dict[str, Any]]:
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match is not None and match.namespace == "portal" else ""
    items = []
    for text, name, needed, prefixes in _NAVIGATION:
        if needed and not any(capability in capabilities for capability in needed):
            continue
        if name in _NOT_FOR_THE_DESK and Capability.APPROVE_ORGANISATIONS in capabilities:
            continue
        if name in _HOME_PAGE_ONLY:
            continue
        current = bool(url_name) and _section_matches(url_name or "", prefixes)
        items.append(
            {
                "text": text,
                "href": reverse(f"portal:{name}"),
                # aria-current="page" on the section's own page, "true" within it.
                "current": "page" if current and url_name == name else ("true" if current else ""),
            }
        )
    return items


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    capabilities: frozenset[str] = frozenset()
    navigation: list[dict[str, Any]] = []
    if user is not None and user.is_authenticated:
        capabilities = frozenset(c.value for c in user.capabilities())
        navigation = navigation_for(request, capabilities)
    return {
        "service_name": SERVICE_NAME,
        "capabilities": capabilities,
        "service_navigation": navigation,
    }
