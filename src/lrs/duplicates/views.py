"""The service desk's duplicate pages: the review queue a scan fills, each proposed pair
with its two decisions, merging by ULNs, and the merges with their undo.

Views call only the duplicate services and selectors (and the learner selectors to show
who a ULN is). Every page needs the merge capability; the selectors check it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lrs.access import Capability
from lrs.core.errors import Conflict, NotFound, ValidationFailed
from lrs.core.forms import ConfirmForm, GovukForm, add_service_error
from lrs.duplicates import selectors
from lrs.duplicates.forms import (
    MergeFilterForm,
    MergeForm,
    NotSameForm,
    PairFilterForm,
    PairMergeForm,
    ProposeForm,
    UnmergeForm,
)
from lrs.duplicates.models import DuplicatePair, LearnerMerge, PairSource, PairStatus
from lrs.duplicates.services import (
    duplicate_pair_mark_not_same,
    duplicate_pair_propose,
    duplicate_scan_request,
    learners_merge,
    learners_unmerge,
)
from lrs.learners import selectors as learner_selectors
from lrs.learners.forms import FIELD_LABELS
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.presenters import (
    EXPLANATION_LABELS,
    FIELD_GROUPS,
    display_value,
    score_percent,
    weight_meaning,
)
from lrs.portal.templatetags.govuk import govuk_date
from lrs.records.models import LearningEvent
from lrs.users.decorators import capability_required, signed_in_user
from lrs.users.models import User

C = Capability
PAIRS_PER_PAGE = 25
MERGES_PER_PAGE = 25


STATUS_COLOURS = {
    PairStatus.OPEN: "yellow",
    PairStatus.MERGED: "green",
    PairStatus.NOT_SAME: "blue",
    PairStatus.SUPERSEDED: "grey",
}


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _event_counts(learners: Iterable[Learner]) -> dict[int, int]:
    # Here only until lrs.duplicates.selectors has a count of learning events per
    # learner. Withdrawn events count too: a merge moves them all.
    ids = [learner.pk for learner in learners]
    counts = dict(
        LearningEvent.objects.filter(learner_id__in=ids)
        .order_by()
        .values("learner_id")
        .annotate(n=Count("id"))
        .values_list("learner_id", "n")
    )
    return {pk: counts.get(pk, 0) for pk in ids}


# --- The review queue ------------------------------------------------------------------


def _queue_page(
    request: HttpRequest,
    *,
    scan_form: GovukForm | None = None,
    propose_form: ProposeForm | None = None,
) -> HttpResponse:
    actor = signed_in_user(request)
    filters = PairFilterForm(request.GET or None)
    valid = filters.is_valid() if filters.is_bound else True
    wanted = filters.status_filter() if valid else PairStatus.OPEN
    uln = filters.cleaned_data.get("uln", "") if valid and filters.is_bound else ""
    pairs = selectors.duplicate_pairs(actor=actor, status=wanted, uln=uln)
    page = Paginator(pairs, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    scan_form = scan_form or ConfirmForm()
    propose_form = propose_form or ProposeForm()
    return render(
        request,
        "duplicates/pair_list.html",
        {
            # The layout prefixes the title with "Error:" when ``form`` has errors.
            "form": next(
                (f for f in (scan_form, propose_form, filters) if f.is_bound and f.errors),
                None,
            ),
            "filters": filters,
            "filtered": bool(uln) or wanted != PairStatus.OPEN,
            "status_label": PairStatus(wanted).label if wanted else "",
            "page": page,
            "rows": [
                {
                    "pair": pair,
                    "score": score_percent(pair.score),
                    "colour": STATUS_COLOURS[PairStatus(pair.status)],
                }
                for pair in page.object_list
            ],
            "scan": selectors.duplicate_scans(actor=actor).first(),
            "open_count": selectors.duplicate_queue_size(actor=actor),
            "scan_form": scan_form,
            "propose_form": propose_form,
        },
    )


@require_safe
@capability_required(C.MERGE_LEARNERS)
def pair_list(request: HttpRequest) -> HttpResponse:
    return _queue_page(request)


@require_POST
@capability_required(C.MERGE_LEARNERS)
def scan_request(request: HttpRequest) -> HttpResponse:
    form = ConfirmForm(request.POST)
    try:
        duplicate_scan_request(actor=signed_in_user(request))
    except Conflict as exc:
        form.is_valid()
        add_service_error(form, exc)
        return _queue_page(request, scan_form=form)
    messages.success(
        request,
        "A scan of the whole register has been queued. New probable duplicates join the "
        "queue as it finds them.",
    )
    return redirect("portal:duplicate-list")


@require_POST
@capability_required(C.MERGE_LEARNERS)
def pair_propose(request: HttpRequest) -> HttpResponse:
    form = ProposeForm(request.POST)
    if form.is_valid():
        try:
            pair = duplicate_pair_propose(
                actor=signed_in_user(request),
                first_uln=form.cleaned_data["first_uln"],
                second_uln=form.cleaned_data["second_uln"],
                source=PairSource.SERVICE_DESK,
            )
        except (ValidationFailed, NotFound, Conflict) as exc:
            add_service_error(form, exc)
        else:
            if pair.status == PairStatus.OPEN:
                messages.success(request, "The pair is in the review queue")
            else:
                messages.info(
                    request,
                    f"This pair has already been decided: {pair.get_status_display()}",
                )
            return redirect("portal:duplicate-pair", pair_id=pair.pk)
    return _queue_page(request, propose_form=form)


# --- One pair --------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparedRow:
    label: str
    values: tuple[str, str]
    differs: bool


def _compared(first: Learner, second: Learner) -> list[dict[str, Any]]:
    groups = []
    for title, names in FIELD_GROUPS:
        rows = []
        for name in names:
            a = display_value(name, getattr(first, name))
            b = display_value(name, getattr(second, name))
            rows.append(
                ComparedRow(FIELD_LABELS[name], (a, b), differs=a.casefold() != b.casefold())
            )
        groups.append({"title": title, "rows": rows})
    return groups


def _explanation(pair: DuplicatePair) -> list[dict[str, str]]:
    return [
        {
            "label": EXPLANATION_LABELS.get(
                entry["field"], entry["field"].replace("_", " ").capitalize()
            ),
            "level": entry["level"][:1].upper() + entry["level"][1:],
            "weight": f"{entry['weight']:+.1f}",
            "meaning": weight_meaning(entry["weight"]),
        }
        for entry in pair.explanation
    ]


def _suggested_master(learners: Sequence[Learner], events: dict[int, int]) -> tuple[Learner, str]:
    """The record to keep by default, and why, for the hint.

    The one with more learning events moves fewer records; when they have as many, the
    older record is the one more organisations are likely to have stored.
    """
    a, b = learners
    if events[a.pk] != events[b.pk]:
        chosen, other = (a, b) if events[a.pk] > events[b.pk] else (b, a)
        return chosen, (
            f"ULN {chosen.uln} is selected because it has more learning events "
            f"({events[chosen.pk]}, against {events[other.pk]})."
        )
    chosen = min(learners, key=lambda learner: (learner.created_at, learner.pk))
    return chosen, (
        f"ULN {chosen.uln} is selected because it is the older record and both have "
        f"{events[chosen.pk]} learning event{'s' if events[chosen.pk] != 1 else ''}."
    )


def _pair_merge_form(data: Any, pair: DuplicatePair, events: dict[int, int]) -> PairMergeForm:
    learners = [pair.first, pair.second]
    chosen, why = _suggested_master(learners, events)
    form = PairMergeForm(
        data,
        initial={"master": chosen.uln},
        choices=[(lr.uln, f"ULN {lr.uln}, {lr.given_name} {lr.family_name}") for lr in learners],
        item_hints={
            lr.uln: (
                f"Registered {govuk_date(lr.created_at)}, "
                f"{events[lr.pk]} learning event{'s' if events[lr.pk] != 1 else ''}"
            )
            for lr in learners
        },
    )
    form.fields["master"].help_text = f"{why} The other ULN will be linked to it."
    return form


@require_http_methods(["GET", "POST"])
@capability_required(C.MERGE_LEARNERS)
def pair_detail(request: HttpRequest, pair_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    pair = selectors.duplicate_pair_get(actor=actor, pair_id=pair_id)
    events = _event_counts([pair.first, pair.second])
    decision = request.POST.get("decision") if request.method == "POST" else None
    merge_form = _pair_merge_form(request.POST if decision == "merge" else None, pair, events)
    not_same_form = NotSameForm(request.POST if decision == "not_same" else None)
    if decision == "merge" and pair.status == PairStatus.OPEN and merge_form.is_valid():
        master = merge_form.cleaned_data["master"]
        other = pair.second.uln if master == pair.first.uln else pair.first.uln
        try:
            merge = learners_merge(
                actor=actor,
                master_uln=master,
                other_ulns=[other],
                reason=merge_form.cleaned_data["merge_reason"],
                pair=pair,
            )
        except (ValidationFailed, NotFound, Conflict) as exc:
            add_service_error(merge_form, exc, {"reason": "merge_reason"})
        else:
            messages.success(request, f"ULN {other} is now linked to the master ULN {master}")
            return redirect("portal:duplicate-merge", merge_id=merge.pk)
    if decision == "not_same" and pair.status == PairStatus.OPEN and not_same_form.is_valid():
        try:
            duplicate_pair_mark_not_same(
                actor=actor, pair=pair, reason=not_same_form.cleaned_data["not_same_reason"]
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(not_same_form, exc, {"reason": "not_same_reason"})
        else:
            messages.success(
                request,
                f"ULNs {pair.first.uln} and {pair.second.uln} are marked as not the same "
                "person. They will not be proposed again.",
            )
            return redirect("portal:duplicate-pair", pair_id=pair.pk)
    posted = merge_form if decision == "merge" else not_same_form if decision else None
    return render(
        request,
        "duplicates/pair_detail.html",
        {
            "pair": pair,
            "learners": [pair.first, pair.second],
            "form": posted,
            "merge_form": merge_form,
            "not_same_form": not_same_form,
            "score": score_percent(pair.score),
            "colour": STATUS_COLOURS[PairStatus(pair.status)],
            "events": [events[pair.first.pk], events[pair.second.pk]],
            "groups": _compared(pair.first, pair.second),
            "explanation": _explanation(pair),
        },
    )


# --- Merging by ULNs -------------------------------------------------------------------


def _merge_learners(actor: User, form: MergeForm) -> list[tuple[str, Learner]]:
    """The learners a valid merge form names, master first, or errors on the form."""
    data = form.cleaned_data
    found: list[tuple[str, Learner]] = []
    for field, uln in [("master_uln", data["master_uln"])] + [
        ("other_ulns", uln) for uln in data["other_ulns"]
    ]:
        try:
            learner = learner_selectors.learner_get(actor=actor, uln=uln)
        except NotFound:
            form.add_error(field, f"No learner has the ULN {uln}")
            continue
        if learner.status == LearnerStatus.LINKED and learner.master is not None:
            form.add_error(
                field,
                f"ULN {uln} is already linked to ULN {learner.master.uln}: merge into that "
                "master, or undo that merge first",
            )
        elif learner.status == LearnerStatus.CLOSED:
            form.add_error(field, f"ULN {uln} is closed and cannot be merged")
        found.append((field, learner))
    return found


@require_http_methods(["GET", "POST"])
@capability_required(C.MERGE_LEARNERS)
def learner_merge(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    action = request.POST.get("action", "check")
    if request.method == "POST" and action == "edit":
        initial = {name: request.POST.get(name, "") for name in MergeForm.base_fields}
        initial["other_ulns"] = "\n".join(initial["other_ulns"].split(","))
        form = MergeForm(initial=initial)
        return render(request, "duplicates/merge_form.html", {"form": form})
    form = MergeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        learners = _merge_learners(actor, form)
        if not form.errors and action == "confirm":
            try:
                merge = learners_merge(
                    actor=actor,
                    master_uln=form.cleaned_data["master_uln"],
                    other_ulns=form.cleaned_data["other_ulns"],
                    reason=form.cleaned_data["reason"],
                )
            except (ValidationFailed, NotFound, Conflict) as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    f"{', '.join(form.cleaned_data['other_ulns'])} "
                    f"{'is' if len(form.cleaned_data['other_ulns']) == 1 else 'are'} now linked "
                    f"to the master ULN {form.cleaned_data['master_uln']}",
                )
                return redirect("portal:duplicate-merge", merge_id=merge.pk)
        elif not form.errors:
            events = _event_counts(learner for _, learner in learners)
            return render(
                request,
                "duplicates/merge_confirm.html",
                {
                    "rows": [
                        {
                            "learner": learner,
                            "role": "Master" if field == "master_uln" else "To be linked",
                            "events": events[learner.pk],
                        }
                        for field, learner in learners
                    ],
                    "carry": form.carried(),
                    "reason": form.cleaned_data["reason"],
                },
            )
    return render(request, "duplicates/merge_form.html", {"form": form})


# --- Merges ----------------------------------------------------------------------------


@require_safe
@capability_required(C.MERGE_LEARNERS)
def merge_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = MergeFilterForm(request.GET or None)
    uln = form.cleaned_data["uln"] if form.is_bound and form.is_valid() else ""
    merges = selectors.learner_merges(actor=actor, uln=uln)
    return render(
        request,
        "duplicates/merge_list.html",
        {
            "form": form if form.is_bound and form.errors else None,
            "filters": form,
            "uln": uln,
            "page": Paginator(merges, MERGES_PER_PAGE).get_page(request.GET.get("page")),
        },
    )


def _linked_rows(actor: User, merge: LearnerMerge) -> list[dict[str, Any]]:
    entries = merge.before.get("learners", [])
    learners = learner_selectors.learners_by_id(actor=actor, ids=[e["id"] for e in entries])
    return [
        {
            "uln": entry["uln"],
            "learner": learners.get(entry["id"]),
            "status_before": LearnerStatus(entry["status"]).label,
        }
        for entry in entries
    ]


@require_http_methods(["GET", "POST"])
@capability_required(C.MERGE_LEARNERS)
def merge_detail(request: HttpRequest, merge_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    merge = selectors.learner_merge_get(actor=actor, merge_id=merge_id)
    form = UnmergeForm(_posted(request))
    if request.method == "POST" and not merge.is_undone and form.is_valid():
        try:
            learners_unmerge(actor=actor, merge=merge, reason=form.cleaned_data["reason"])
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                f"The merge has been undone: {', '.join(merge.linked_ulns)} "
                f"{'is' if len(merge.linked_ulns) == 1 else 'are'} no longer linked to ULN "
                f"{merge.master.uln}",
            )
            return redirect("portal:duplicate-merge", merge_id=merge.pk)
    before = merge.before
    return render(
        request,
        "duplicates/merge_detail.html",
        {
            "merge": merge,
            "form": form,
            "linked": _linked_rows(actor, merge),
            "moved": {
                "events": len(before.get("events", [])),
                "challenges": len(before.get("challenges", [])),
                "batch_rows": len(before.get("batch_rows", [])),
                "access": len(before.get("access", [])),
            },
            "pairs": merge.pairs.select_related("first", "second").order_by("-score", "id"),
        },
    )


@require_safe
@capability_required(C.MERGE_LEARNERS)
def merge_of_learner(request: HttpRequest, uln: str) -> HttpResponse:
    """The merge that linked ``uln`` to its master, for the link on a linked learner's
    page; the list of merges with that ULN when there is no single one in force."""
    actor = signed_in_user(request)
    for merge in selectors.learner_merges(actor=actor, uln=uln):
        if not merge.is_undone and uln in merge.linked_ulns:
            return redirect("portal:duplicate-merge", merge_id=merge.pk)
    return redirect(f"{reverse('portal:duplicate-merge-list')}?{urlencode({'uln': uln})}")
