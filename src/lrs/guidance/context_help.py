"""Context help: every portal page links to the part of the guidance about it.

``HELP_TOPICS`` maps each portal URL name to a guidance page (and section). Where the
people using a page differ, ``TOPICS_BY_ORGANISATION_TYPE`` overrides the topic for users
of that type of organisation, so an awarding organisation user on the verify page is sent
to their own guide. tests/guidance/test_context_help.py fails if a portal page has no
topic, or a topic's page or #anchor does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lrs.access import OrganisationType

_P = "/guidance/providers"
_AO = "/guidance/awarding-organisations"
_SD = "/guidance/service-desk"
_HELP = f"{_P}/getting-help/"
_ACCESS = f"{_P}/getting-access/"
_USERS = f"{_P}/managing-users/"
_LISTS = f"{_P}/published-lists/"
_AO_BATCH = f"{_AO}/verifying-learners/#verifying-many-learners-with-a-verify-batch-file"

HELP_TOPICS: dict[str, str] = {
    "portal:home": f"{_P}/",
    # Signing in and getting access
    "portal:sign-in": f"{_ACCESS}#signing-in",
    "portal:set-password": f"{_ACCESS}#your-first-sign-in",
    "portal:sign-in-code": f"{_ACCESS}#two-factor-sign-in",
    "portal:dfe-sign-in": f"{_ACCESS}#signing-in-with-dfe-sign-in",
    "portal:dfe-sign-in-callback": f"{_ACCESS}#signing-in-with-dfe-sign-in",
    "portal:sign-in-set-up": f"{_ACCESS}#two-factor-sign-in",
    "portal:two-factor": f"{_ACCESS}#two-factor-sign-in",
    "portal:two-factor-set-up": f"{_ACCESS}#two-factor-sign-in",
    "portal:two-factor-recovery-codes": f"{_ACCESS}#two-factor-sign-in",
    "portal:two-factor-new-codes": f"{_ACCESS}#two-factor-sign-in",
    "portal:two-factor-turn-off": f"{_ACCESS}#two-factor-sign-in",
    "portal:user-reset-two-factor": f"{_USERS}#if-a-user-loses-their-phone",
    "portal:organisation-apply": f"{_ACCESS}#applying",
    "portal:organisation-apply-done": f"{_ACCESS}#what-the-service-desk-checks",
    # Managing users and credentials
    "portal:users": _USERS,
    "portal:user-create": f"{_USERS}#adding-a-user",
    "portal:user-detail": _USERS,
    "portal:user-change-role": f"{_USERS}#changing-a-users-role",
    "portal:user-deactivate": f"{_USERS}#deactivating-a-user",
    "portal:user-reset-password": f"{_USERS}#if-a-user-forgets-their-password",
    "portal:user-reactivate": _USERS,
    "portal:user-usage": _USERS,
    "portal:api-tokens": f"{_P}/web-services/#the-rest-api",
    "portal:api-token-create": f"{_P}/web-services/#the-rest-api",
    "portal:api-token-revoke": f"{_P}/web-services/#the-rest-api",
    "portal:soap-credentials": f"{_P}/web-services/#the-soap-web-services",
    "portal:soap-credentials-change": f"{_P}/web-services/#the-soap-web-services",
    # Learners
    "portal:learner-find": f"{_P}/finding-learners/#finding-a-learner",
    "portal:learner-lookup": f"{_P}/finding-learners/#finding-a-learner-by-uln",
    "portal:learner-retrieve": f"{_P}/finding-learners/#retrieving-a-learners-uln",
    "portal:learner-detail": f"{_P}/finding-learners/#a-learners-details",
    "portal:learner-update": f"{_P}/updating-learners/#updating-a-learners-details",
    "portal:learner-register": f"{_P}/registering-learners/#registering-a-learner",
    "portal:learner-registered": f"{_P}/registering-learners/#after-you-register-a-learner",
    "portal:learner-verify": f"{_P}/verifying-learners/#verifying-a-learner",
    # Batch files
    "portal:batch-list": f"{_P}/batch-files/#following-your-batch-files",
    "portal:batch-upload": f"{_P}/batch-files/#sending-a-batch-file",
    "portal:batch-upload-again": f"{_P}/batch-files/#sending-a-batch-file",
    "portal:batch-validate": f"{_P}/batch-files/#checking-a-file-before-you-send-it",
    "portal:batch-detail": f"{_P}/batch-files/#the-output-file",
    "portal:batch-exceptions-all": f"{_P}/batch-exceptions/",
    "portal:batch-exceptions": f"{_P}/batch-exceptions/",
    "portal:batch-exception-resolve": f"{_P}/batch-exceptions/#resolving-an-exception",
    # Personal Learning Records
    "portal:plr-view": f"{_P}/viewing-plrs/#viewing-a-plr",
    "portal:plr-viewers": f"{_P}/viewing-plrs/#who-has-viewed-a-plr",
    # Verifiable credentials
    "portal:credential-issue": f"{_P}/viewing-plrs/#verifiable-credentials",
    "portal:credential-verify": f"{_P}/viewing-plrs/#checking-a-credential",
    # Achievements: awarding organisations only
    "portal:achievement-job-list": f"{_AO}/uploading-achievements/",
    "portal:achievement-job-upload": f"{_AO}/uploading-achievements/#uploading-the-file",
    "portal:achievement-job-detail": f"{_AO}/uploading-achievements/#the-job-result",
    "portal:achievement-job-cancel": f"{_AO}/uploading-achievements/#how-lrs-processes-your-file",
    # Challenges
    "portal:challenge-list": f"{_P}/challenges/#following-your-challenges",
    "portal:challenge-start": f"{_P}/challenges/#raising-a-challenge",
    "portal:challenge-raise": f"{_P}/challenges/#raising-a-challenge",
    "portal:challenge-raised": f"{_P}/challenges/#after-you-raise-a-challenge",
    "portal:challenge-detail": f"{_P}/challenges/#following-your-challenges",
    "portal:challenge-withdraw": f"{_P}/challenges/#withdrawing-a-challenge",
    "portal:challenge-resolve": f"{_AO}/challenges/#resolving-a-challenge",
    "portal:challenge-reports": f"{_SD}/challenges/",
    # Published lists
    "portal:published-lists": _LISTS,
    "portal:published-list": f"{_LISTS}#searching-a-list",
    "portal:list-editions": f"{_LISTS}#editions-and-what-changed",
    "portal:list-edition": f"{_LISTS}#editions-and-what-changed",
    "portal:list-publish": f"{_SD}/published-lists/",
    # Service desk only
    "portal:service-desk": f"{_SD}/dashboard/",
    "portal:service-desk-matching-parameters": f"{_SD}/dashboard/#matching-parameters",
    "portal:audit-search": f"{_SD}/misuse/",
    "portal:misuse-alerts": f"{_SD}/misuse/",
    "portal:misuse-alert": f"{_SD}/misuse/",
    "portal:organisation-list": f"{_SD}/organisations/",
    "portal:organisation-applications": f"{_SD}/organisations/",
    "portal:organisation-application": f"{_SD}/organisations/",
    "portal:organisation-application-approve": f"{_SD}/organisations/",
    "portal:organisation-application-reject": f"{_SD}/organisations/",
    "portal:organisation-detail": f"{_SD}/organisations/",
    "portal:organisation-change-status": f"{_SD}/organisations/",
    "portal:duplicate-list": f"{_SD}/duplicates/",
    "portal:duplicate-pair": f"{_SD}/duplicates/",
    "portal:duplicate-merge-list": f"{_SD}/duplicates/",
    "portal:duplicate-merge": f"{_SD}/duplicates/",
    "portal:duplicate-merge-of": f"{_SD}/duplicates/",
    "portal:learner-merge": f"{_SD}/duplicates/",
    # Learners' reports and requests for a copy (the service desk's side of learnerportal)
    "portal:learner-requests": f"{_SD}/learners/",
    "portal:learner-report-manage": f"{_SD}/learners/#a-learner-reports-a-wrong-learning-event",
    "portal:learner-report-raise": f"{_SD}/learners/#a-learner-reports-a-wrong-learning-event",
    "portal:learner-report-decide": f"{_SD}/learners/#a-learner-reports-wrong-details",
    "portal:paper-request-manage": f"{_SD}/learners/#someone-asks-for-a-copy-of-their-record",
    "portal:paper-request-send": f"{_SD}/learners/#someone-asks-for-a-copy-of-their-record",
    "portal:paper-request-refuse": f"{_SD}/learners/#someone-asks-for-a-copy-of-their-record",
    # Support requests (the support app); the getting-help page explains them.
    "portal:support-requests": f"{_HELP}#following-your-request",
    "portal:support-request-new": f"{_HELP}#raising-a-support-request",
    "portal:uln-problem-new": f"{_HELP}#reporting-a-problem-with-a-uln",
    "portal:support-request": f"{_HELP}#following-your-request",
    "portal:support-request-reply": f"{_HELP}#following-your-request",
    "portal:uln-problem-details": f"{_HELP}#reporting-a-problem-with-a-uln",
    # POST only, but they show the request again when the form has an error.
    "portal:support-request-close": f"{_HELP}#following-your-request",
    "portal:support-request-assign": f"{_SD}/support-queue/",
    "portal:support-request-status": f"{_SD}/support-queue/",
    "portal:support-queue": f"{_SD}/support-queue/",
    "portal:support-request-manage": f"{_SD}/support-queue/",
}

# Pages whose readers differ by organisation: the topic for users of that type.
TOPICS_BY_ORGANISATION_TYPE: dict[str, dict[str, str]] = {
    OrganisationType.AWARDING_ORGANISATION: {
        "portal:home": f"{_AO}/",
        "portal:learner-verify": f"{_AO}/verifying-learners/#verifying-one-learner",
        "portal:learner-retrieve": (
            f"{_AO}/verifying-learners/#checking-the-current-uln-of-many-learners"
        ),
        "portal:batch-list": f"{_AO_BATCH}",
        "portal:batch-upload": f"{_AO_BATCH}",
        "portal:batch-upload-again": f"{_AO_BATCH}",
        "portal:batch-validate": f"{_AO_BATCH}",
        "portal:batch-detail": f"{_AO_BATCH}",
        "portal:plr-view": (
            f"{_AO}/uploading-achievements/#checking-an-achievement-on-a-learners-record"
        ),
        "portal:challenge-list": f"{_AO}/challenges/",
        "portal:challenge-detail": f"{_AO}/challenges/",
        "portal:api-tokens": f"{_AO}/web-services/#getting-an-api-token",
        "portal:api-token-create": f"{_AO}/web-services/#getting-an-api-token",
        "portal:soap-credentials": f"{_AO}/web-services/#setting-up-the-soap-web-services",
    },
    OrganisationType.SERVICE_DESK: {
        "portal:home": f"{_SD}/dashboard/",
        "portal:learner-find": f"{_SD}/duplicates/",
        "portal:learner-detail": f"{_SD}/duplicates/",
        "portal:learner-update": f"{_SD}/duplicates/",
        "portal:challenge-list": f"{_SD}/challenges/",
        "portal:challenge-detail": f"{_SD}/challenges/",
        "portal:challenge-resolve": f"{_SD}/challenges/",
    },
}

# Portal URL names that render no HTML page of their own, so need no help link: file
# downloads, JSON progress polls and actions that only accept POST.
NO_HELP_NEEDED: frozenset[str] = frozenset(
    {
        "portal:sign-out",  # POST only
        "portal:batch-progress",  # JSON
        "portal:batch-output",  # file download
        "portal:batch-template",  # file download
        "portal:achievement-job-progress",  # JSON
        "portal:achievement-job-errors",  # file download
        "portal:challenge-export",  # CSV download
        "portal:challenge-report-csv",  # CSV download
        "portal:challenge-acknowledge",  # POST only
        "portal:challenge-evidence-add",  # POST only
        "portal:challenge-evidence",  # file download
        "portal:organisation-sign-in-link",  # POST only
        "portal:duplicate-scan",  # POST only
        "portal:duplicate-propose",  # POST only
        "portal:list-download",  # file download
        "portal:support-attachment",  # file download
        "portal:did-document",  # JSON
        "portal:credential-status-list",  # JSON
        "portal:credential-download",  # file download
        "portal:paper-evidence",  # file download
    }
)


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace != "portal" or not match.url_name:
        return ""
    return f"portal:{match.url_name}"


def help_topic_for(request: HttpRequest) -> str:
    """The guidance URL about the page ``request`` is for, or "" if there is none."""
    view_name = _view_name(request)
    if not view_name:
        return ""
    user: Any = getattr(request, "user", None)
    organisation = getattr(user, "organisation", None) if user is not None else None
    if organisation is not None and getattr(user, "is_authenticated", False):
        override = TOPICS_BY_ORGANISATION_TYPE.get(organisation.type, {}).get(view_name)
        if override:
            return override
    return HELP_TOPICS.get(view_name, "")


def context_help(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: ``help_topic`` for the "Help with this page" link and
    the link to the guidance for the header and footer."""
    match = getattr(request, "resolver_match", None)
    in_guidance = bool(
        match is not None
        and match.namespace == "portal"
        and (match.url_name or "").startswith(("guidance", "reference"))
    )
    return {
        "help_topic": help_topic_for(request),
        "guidance_href": "/guidance/",
        "in_guidance": in_guidance,
    }
