"""Portal pages for finding, registering, viewing, updating and verifying learners.

Views only call the learner services and selectors. Personal data travels only in POST
bodies: a find shows its results on the response to the POST, details are carried from
one page to the next in hidden inputs, and after a change the browser is sent to a page
addressed by ULN alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from lrs.access import Capability
from lrs.core import codes
from lrs.learners import selectors, services
from lrs.learners.forms import (
    FIELD_LABELS,
    GENDER_CHOICES,
    ConfirmNewLearnerForm,
    FindForm,
    LearnerForm,
    LookupForm,
    RetrieveForm,
    UpdateForm,
    VerifyForm,
    add_learner_problems,
    initial_from_posted,
    posted_values,
)
from lrs.learners.models import Learner, LearnerChange, LearnerStatus
from lrs.learners.presenters import (
    FIELD_GROUPS,
    CodeView,
    candidate_views,
    code_view,
    display_value,
)
from lrs.learners.services import LearnerError
from lrs.users.decorators import capability_required, signed_in_user

C = Capability

# The session key naming the ULN its user has just registered, so that the "Learner
# registered" panel is shown to them (and only them) after the redirect.
REGISTERED_SESSION_KEY = "learners:registered_uln"


def _learner_groups(learner: Learner) -> list[dict[str, Any]]:
    return [
        {
            "title": title,
            "rows": [
                {"label": FIELD_LABELS[name], "value": display_value(name, getattr(learner, name))}
                for name in names
            ],
        }
        for title, names in FIELD_GROUPS
    ]


def _searched_for(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """What a person searched with, from a valid find form, to show above the results."""
    rows = [
        ("Name", f"{data['given_name']} {data['family_name']}"),
        ("Date of birth", display_value("date_of_birth", data["date_of_birth"])),
        ("Gender", display_value("gender", data["gender"])),
        ("Postcode", str(data["last_known_postcode"]).upper()),
    ]
    rows.extend(
        (FIELD_LABELS[name], str(data[name])) for name in FindForm.OPTIONAL if data.get(name)
    )
    return [{"label": label, "value": value} for label, value in rows]


_FIELD_ORDER = {name: index for index, name in enumerate(FIELD_LABELS)}


def _order(name: str) -> int:
    return _FIELD_ORDER.get(name, len(_FIELD_ORDER))


# How a history entry is headed, by LearnerChange.action; anything else is an update.
_HISTORY_ACTIONS = {
    "register": "Registered",
    "merge": "Merged into another record",
    "unmerge": "Merge undone",
}
# Fields that a merge changes, which are not learner fields a person edits.
_HISTORY_LABELS = {"status": "Status", "master": "Master record (ULN)"}
_STATUS_LABELS = {"0": "Active", "1": "Linked", "2": "Closed"}


def _history(changes: list[LearnerChange]) -> list[dict[str, Any]]:
    entries = []
    for change in changes:
        who = change.actor.display_name if change.actor is not None else "The service"
        items = []
        for name, values in sorted(change.changes.items(), key=lambda item: _order(item[0])):
            old, new = [*values, None, None][:2]
            if name == "status":
                old, new = _STATUS_LABELS.get(old or "", old), _STATUS_LABELS.get(new or "", new)
            items.append(
                {
                    "label": FIELD_LABELS.get(name) or _HISTORY_LABELS.get(name, name),
                    "old": display_value(name, old),
                    "new": display_value(name, new),
                }
            )
        entries.append(
            {
                "version": change.version_number,
                "when": change.changed_at,
                "who": who,
                "organisation": change.organisation.name if change.organisation else "",
                "action": _HISTORY_ACTIONS.get(change.action, "Updated"),
                "items": items,
            }
        )
    return entries


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# --- Find a learner -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(C.FIND_LEARNER)
def learner_find(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    if request.method == "GET":
        return _find_page(request, FindForm())
    if request.POST.get("action") == "edit":
        # "Change your search": the details come back into the form, unchecked.
        return _find_page(request, FindForm(initial=initial_from_posted(request.POST, FindForm)))
    form = FindForm(request.POST)
    if not form.is_valid():
        return _find_page(request, form)
    try:
        result = services.learner_find(actor=actor, data=form.service_data())
    except LearnerError as exc:
        add_learner_problems(form, exc.problems)
        if not exc.problems:
            form.add_error(None, f"{exc.message} ({exc.response_code})")
        return _find_page(request, form)
    if result.response_code == codes.TOO_MANY:
        return _find_page(request, form, too_many=code_view(result.response_code))
    return render(
        request,
        "learners/find_results.html",
        {
            "result": result,
            "outcome": code_view(result.response_code),
            "candidates": candidate_views(actor, result.candidates),
            "searched_for": _searched_for(form.cleaned_data),
            "carry": posted_values(request.POST, FindForm),
            "can_register": actor.can(C.REGISTER_LEARNER),
        },
    )


def _find_page(
    request: HttpRequest, form: FindForm, *, too_many: CodeView | None = None
) -> HttpResponse:
    return render(
        request,
        "learners/find.html",
        {
            "form": form,
            "too_many": too_many,
            "show_optional": too_many is not None or form.has_optional_details(),
        },
    )


# --- Register a learner ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(C.REGISTER_LEARNER)
def learner_register(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    if request.method == "GET":
        return _register_page(request, LearnerForm())
    action = request.POST.get("action", "register")
    if action == "prefill":
        # From a find with no match, or "Change the details": shown again, not yet checked.
        initial = initial_from_posted(request.POST, LearnerForm)
        return _register_page(request, LearnerForm(initial=initial))
    form = LearnerForm(request.POST)
    if not form.is_valid():
        return _register_page(request, form)
    confirming = action == "confirm"
    confirm_form = ConfirmNewLearnerForm(request.POST if confirming else None)
    # Without a reason, ask the service again without confirming: it returns the
    # candidates to show with the error (or registers, if they have gone meanwhile).
    confirmed = confirming and confirm_form.is_valid()
    try:
        result = services.learner_register(
            actor=actor,
            data=form.service_data(),
            confirm_new_learner=confirmed,
            confirmation_reason=confirm_form.cleaned_data["confirmation_reason"]
            if confirmed
            else "",
        )
    except LearnerError as exc:
        if exc.candidates or exc.response_code == codes.TOO_MANY:
            return render(
                request,
                "learners/register_candidates.html",
                {
                    "form": confirm_form,
                    "outcome": code_view(exc.response_code),
                    "too_many": exc.response_code == codes.TOO_MANY,
                    "candidates": candidate_views(actor, exc.candidates),
                    "entered": _searched_for(form.cleaned_data),
                    "carry": posted_values(request.POST, LearnerForm),
                    "can_find": actor.can(C.FIND_LEARNER),
                },
            )
        if exc.response_code == codes.ALREADY_REGISTERED:
            form.add_error(None, f"{exc.message} ({exc.response_code})")
            return _register_page(
                request,
                form,
                already_registered=code_view(exc.response_code),
                find_carry=posted_values(request.POST, FindForm),
            )
        add_learner_problems(form, exc.problems)
        if not exc.problems:
            form.add_error(None, f"{exc.message} ({exc.response_code})")
        return _register_page(request, form)
    request.session[REGISTERED_SESSION_KEY] = result.learner.uln
    return redirect("portal:learner-registered", uln=result.learner.uln)


def _register_page(
    request: HttpRequest,
    form: LearnerForm,
    *,
    already_registered: CodeView | None = None,
    find_carry: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    actor = signed_in_user(request)
    return render(
        request,
        "learners/register.html",
        {
            "form": form,
            "already_registered": already_registered,
            "find_carry": find_carry or [],
            "can_find": actor.can(C.FIND_LEARNER),
        },
    )


@require_safe
@capability_required(C.REGISTER_LEARNER)
def learner_registered(request: HttpRequest, uln: str) -> HttpResponse:
    """The "Learner registered" panel, for the person who has just registered ``uln``."""
    if request.session.get(REGISTERED_SESSION_KEY) != uln:
        return redirect("portal:learner-detail", uln=uln)
    return render(
        request,
        "learners/registered.html",
        {"uln": uln, "can_find": signed_in_user(request).can(C.FIND_LEARNER)},
    )


# --- View and update a learner --------------------------------------------------------


@require_safe
@capability_required(C.FIND_LEARNER)
def learner_detail(request: HttpRequest, uln: str) -> HttpResponse:
    actor = signed_in_user(request)
    learner = selectors.learner_get(actor=actor, uln=uln)
    services.learner_view_record(actor=actor, learner=learner)
    return render(
        request,
        "learners/detail.html",
        {
            "learner": learner,
            "groups": _learner_groups(learner),
            "history": _history(selectors.learner_history(actor=actor, learner=learner)),
            "can_update": actor.can(C.UPDATE_LEARNER) and learner.status == LearnerStatus.ACTIVE,
            "linked": selectors.learners_linked(actor=actor, master=learner),
        },
    )


def _initial(learner: Learner) -> dict[str, Any]:
    return {name: getattr(learner, name) for name in FIELD_LABELS} | {
        "version_number": learner.version_number
    }


@require_http_methods(["GET", "POST"])
@capability_required(C.UPDATE_LEARNER)
def learner_update(request: HttpRequest, uln: str) -> HttpResponse:
    actor = signed_in_user(request)
    learner = selectors.learner_get_for_update(actor=actor, uln=uln)
    if learner.status != LearnerStatus.ACTIVE:
        if learner.master is not None:
            messages.info(
                request,
                f"This record is linked to ULN {learner.master.uln}: update that learner instead",
            )
        else:
            messages.info(request, "This learner's record is closed and cannot be updated")
        return redirect("portal:learner-detail", uln=learner.uln)
    form = UpdateForm(_posted(request), initial=_initial(learner))
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.learner_update(
                actor=actor,
                uln=learner.uln,
                version_number=form.cleaned_data["version_number"],
                data=form.service_data(blanks=True),
            )
        except LearnerError as exc:
            if exc.response_code == codes.STALE_VERSION:
                stale = code_view(exc.response_code)
            elif exc.response_code == codes.INVALID_SHARE_CHANGE:
                form.add_error(
                    "ability_to_share",
                    "Once a learner has seen the privacy notice, their ability to share cannot "
                    f'go back to "Privacy notice not seen" ({exc.response_code})',
                )
            elif exc.problems:
                add_learner_problems(form, exc.problems)
            else:
                form.add_error(None, f"{exc.message} ({exc.response_code})")
        else:
            if result.response_code == codes.NO_CHANGE:
                messages.info(
                    request, "You did not change anything, so the learner was not updated"
                )
            else:
                messages.success(request, "Learner details updated")
            return redirect("portal:learner-detail", uln=learner.uln)
    return render(
        request, "learners/update.html", {"form": form, "learner": learner, "stale": stale}
    )


# --- Verify a learner -----------------------------------------------------------------

FLAG_MEANINGS: dict[str, tuple[str, str]] = {
    "VRF1": (
        "Given name against given name",
        "The given name you entered does not exactly match the learner's given name",
    ),
    "VRF2": (
        "Given name against family name",
        "The given name you entered does not match the learner's family name either "
        "(checked in case the names were entered the wrong way round)",
    ),
    "VRF3": (
        "Given name against previous family name",
        "The given name you entered does not match the learner's previous family name "
        "(checked in case a former family name was entered as the given name)",
    ),
    "VRF4": (
        "Family name against given name",
        "The family name you entered does not match the learner's given name "
        "(checked in case the names were entered the wrong way round)",
    ),
    "VRF5": (
        "Family name against family name",
        "The family name you entered does not exactly match the learner's family name",
    ),
    "VRF6": (
        "Family name against previous family name",
        "The family name you entered does not match the learner's previous family name",
    ),
    "VRF7": ("Date of birth", "The date of birth you entered is not the learner's"),
    "VRF8": ("Gender", "The gender you entered is not the learner's"),
}

VERIFY_HEADINGS = {
    codes.VERIFY_MATCH: "The details match this ULN",
    codes.VERIFY_LINKED_MATCH: "The details match, and the ULN is linked to another",
    codes.VERIFY_SIMILAR: "The details are similar to this ULN's learner",
    codes.VERIFY_SIMILAR_LINKED: "The details are similar, and the ULN is linked to another",
    codes.VERIFY_NO_MATCH: "The details do not match this ULN",
    codes.VERIFY_ULN_NOT_FOUND: "No learner has this ULN",
}

VERIFY_EXPLANATIONS = {
    codes.VERIFY_MATCH: "The ULN belongs to a learner with exactly these details.",
    codes.VERIFY_LINKED_MATCH: (
        "The details match, but this ULN was merged into another learner record. "
        "Use the master ULN from now on."
    ),
    codes.VERIFY_SIMILAR: (
        "The ULN belongs to a learner whose details are close to these but not the same. "
        "Check the differences below with the learner or their centre."
    ),
    codes.VERIFY_SIMILAR_LINKED: (
        "The details are close but not the same, and this ULN was merged into another "
        "learner record. Check the differences below, and use the master ULN from now on."
    ),
    codes.VERIFY_NO_MATCH: (
        "The ULN exists, but its learner's details are not these. Check the ULN and the "
        "details with the learner or their centre."
    ),
    codes.VERIFY_ULN_NOT_FOUND: (
        "The ULN is a valid number but no learner has it. Check it with the learner or "
        "their centre."
    ),
}


@require_http_methods(["GET", "POST"])
@capability_required(C.VERIFY_LEARNER)
def learner_verify(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = VerifyForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item = {
            "uln": data["uln"].replace(" ", ""),
            "given_name": data["given_name"],
            "family_name": data["family_name"],
            "date_of_birth": data["date_of_birth"],
            "gender": data["gender"] or None,
        }
        try:
            [result] = services.learner_verify(actor=actor, items=[item])
        except LearnerError as exc:
            add_learner_problems(form, exc.problems)
        else:
            if result.response_code == codes.INVALID_ULN:
                form.add_error("uln", f"Enter a valid ULN. {result.outcome.split(': ', 1)[-1]}")
            elif result.response_code == codes.INVALID_REQUEST:
                form.add_error(None, result.outcome)
            else:
                linked = result.response_code in (
                    codes.VERIFY_LINKED_MATCH,
                    codes.VERIFY_SIMILAR_LINKED,
                )
                return render(
                    request,
                    "learners/verify_result.html",
                    {
                        "result": result,
                        "outcome": code_view(result.response_code),
                        "heading": VERIFY_HEADINGS[result.response_code],
                        "explanation": VERIFY_EXPLANATIONS[result.response_code],
                        "master_uln": result.found_uln if linked else "",
                        "flags": [
                            {
                                "flag": flag,
                                "compared": FLAG_MEANINGS[flag][0],
                                "meaning": FLAG_MEANINGS[flag][1],
                            }
                            for flag in result.failure_flags
                            if flag in FLAG_MEANINGS
                        ],
                        "checked": _verified_details(item),
                        # The details just verified open the PLR without typing them again.
                        "plr": item
                        if actor.can(C.VIEW_PLR)
                        and result.response_code in (codes.VERIFY_MATCH, codes.VERIFY_LINKED_MATCH)
                        else None,
                    },
                )
    return render(request, "learners/verify.html", {"form": form})


def _verified_details(item: Mapping[str, Any]) -> list[dict[str, str]]:
    genders = dict(GENDER_CHOICES)
    rows = [
        ("ULN", item["uln"]),
        ("Given name", item["given_name"]),
        ("Family name", item["family_name"]),
        ("Date of birth", display_value("date_of_birth", item["date_of_birth"]) or "Not given"),
        ("Gender", genders.get(item["gender"] or "", "Not given")),
    ]
    return [{"label": label, "value": value} for label, value in rows]


# --- Find by ULN and retrieve ULNs -------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(C.FIND_LEARNER)
def learner_lookup(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = LookupForm(_posted(request))
    not_found = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.learner_lookup(
                actor=actor,
                uln=data["uln"].replace(" ", ""),
                given_name=data["given_name"],
                family_name=data["family_name"],
            )
        except LearnerError as exc:
            form.add_error("uln", f"Enter a valid ULN. {exc.message} ({exc.response_code})")
        else:
            if result.learner is None:
                not_found = code_view(result.response_code)
            else:
                if result.response_code == codes.MASTER_SUBSTITUTED:
                    messages.info(
                        request,
                        f"ULN {result.incoming_uln} has been merged into this learner's ULN "
                        f"{result.learner.uln}: use {result.learner.uln} from now on",
                    )
                return redirect("portal:learner-detail", uln=result.learner.uln)
    return render(request, "learners/lookup.html", {"form": form, "not_found": not_found})


@require_http_methods(["GET", "POST"])
@capability_required(C.RETRIEVE_ULNS)
def learner_retrieve(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = RetrieveForm(_posted(request))
    results = None
    if request.method == "POST" and form.is_valid():
        results = [
            {
                "uln": r.uln,
                "outcome": code_view(r.response_code),
                "master_uln": r.master_uln if r.master_uln != r.uln else "",
                "status": r.status,
                "learner": r.learner,
            }
            for r in services.learners_retrieve(actor=actor, ulns=form.cleaned_data["ulns"])
        ]
    return render(request, "learners/retrieve.html", {"form": form, "results": results})
