"""Support pages: users ask for help and report problems with a ULN; the service desk
works through the queue. Views only call lrs.support services and selectors."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lrs.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from lrs.core.forms import add_service_error
from lrs.core.uploads import upload_response
from lrs.support import selectors, services
from lrs.support.forms import (
    AssignForm,
    QueueFilterForm,
    ReplyForm,
    RequestForm,
    StatusForm,
    UlnProblemForm,
    UlnProblemKindForm,
)
from lrs.support.lifecycle import (
    CATEGORY_LABELS,
    DESK_STATUS_LABELS,
    FINISHED,
    STATUS_LABELS,
    ULN_PROBLEMS,
    Category,
    Party,
    Status,
    moves_from,
)
from lrs.support.models import SupportRequest
from lrs.users.decorators import signed_in_user, translate_refusals
from lrs.users.models import User

PAGE_SIZE = 25

STATUS_COLOURS = {
    Status.OPEN: "blue",
    Status.IN_PROGRESS: "light-blue",
    Status.WAITING: "yellow",
    Status.RESOLVED: "green",
    Status.CLOSED: "grey",
}


def _require_desk(actor: User) -> None:
    if not actor.in_service_desk():
        raise NotPermitted("Only the service desk works on the support queue")


def _refuse_desk(actor: User) -> None:
    if actor.in_service_desk():
        raise NotPermitted("The service desk does not raise support requests")


def _rows(requests: Any, *, desk: bool) -> list[dict[str, Any]]:
    labels = DESK_STATUS_LABELS if desk else STATUS_LABELS
    return [
        {
            "request": r,
            "category": CATEGORY_LABELS[Category(r.category)],
            "status": labels[Status(r.status)],
            "colour": STATUS_COLOURS[Status(r.status)],
        }
        for r in requests
    ]


# --- Users ------------------------------------------------------------------------------


@require_safe
@login_required
@translate_refusals
def support_requests(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    if actor.in_service_desk():
        return redirect("portal:support-queue")
    page = Paginator(selectors.support_request_list(actor=actor), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "support/list.html",
        {"page": page, "rows": _rows(page.object_list, desk=False)},
    )


@require_http_methods(["GET", "POST"])
@login_required
@translate_refusals
def support_request_new(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    _refuse_desk(actor)
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES)
    else:
        form = RequestForm(initial={"uln": request.GET.get("uln", "")[:10]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.support_request_create(
                actor=actor,
                category=data["category"],
                summary=data["summary"],
                description=data["description"],
                ulns=[data["uln"]] if data["uln"] else [],
                attachments=data["attachments"],
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc, {"ulns": "uln"})
        else:
            messages.success(request, f"Your support request {created.reference} has been sent")
            return redirect("portal:support-request", reference=created.reference)
    return render(request, "support/new.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
@translate_refusals
def uln_problem_new(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    _refuse_desk(actor)
    uln = (request.POST.get("uln") or request.GET.get("uln") or "")[:10]
    form = UlnProblemKindForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        target = redirect("portal:uln-problem-details", kind=form.cleaned_data["kind"])
        if uln:
            target["Location"] += "?" + urlencode({"uln": uln})
        return target
    return render(request, "support/uln_problem_kind.html", {"form": form, "uln": uln})


@require_http_methods(["GET", "POST"])
@login_required
@translate_refusals
def uln_problem_details(request: HttpRequest, kind: str) -> HttpResponse:
    actor = signed_in_user(request)
    _refuse_desk(actor)
    if kind not in [c.value for c in ULN_PROBLEMS]:
        raise Http404("There is no such kind of problem")
    category = Category(kind)
    if request.method == "POST":
        form = UlnProblemForm(request.POST, request.FILES, kind=category)
    else:
        form = UlnProblemForm(initial={"ulns": request.GET.get("uln", "")[:10]}, kind=category)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.support_request_create(
                actor=actor,
                category=category.value,
                description=form.cleaned_data["description"],
                ulns=form.uln_list(),
                attachments=form.cleaned_data["attachments"],
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Your report {created.reference} has been sent")
            return redirect("portal:support-request", reference=created.reference)
    return render(
        request,
        "support/uln_problem.html",
        {"form": form, "kind": category, "kind_label": CATEGORY_LABELS[category]},
    )


def _detail_page(
    request: HttpRequest,
    actor: User,
    support_request: SupportRequest,
    *,
    reply_form: ReplyForm | None = None,
    status_form: StatusForm | None = None,
    assign_form: AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    desk = actor.in_service_desk()
    party = Party.DESK if desk else Party.USER
    people = [(str(u.pk), u.display_name) for u in selectors.service_desk_users()]
    moves = moves_from(support_request.status, Party.DESK) if desk else []
    failed = next((f for f in (reply_form, status_form, assign_form) if f and f.errors), None)
    attachments = list(support_request.attachments.all())
    conversation = [
        {
            "message": m,
            "attachments": [a for a in attachments if a.message_id == m.pk],
        }
        for m in support_request.messages.select_related("author")
    ]
    labels = DESK_STATUS_LABELS if desk else STATUS_LABELS
    return render(
        request,
        "support/detail.html",
        {
            "sr": support_request,
            "desk": desk,
            "form": failed,
            "category": CATEGORY_LABELS[Category(support_request.category)],
            "status_label": labels[Status(support_request.status)],
            "colour": STATUS_COLOURS[Status(support_request.status)],
            "request_attachments": [a for a in attachments if a.message_id is None],
            "conversation": conversation,
            "pairs": list(support_request.pairs.select_related("first", "second")) if desk else [],
            "can_reply": support_request.status not in FINISHED,
            "can_close": party is Party.USER and support_request.status not in FINISHED,
            "reply_form": reply_form or ReplyForm(),
            "status_form": status_form or StatusForm(moves=moves),
            "assign_form": assign_form
            or AssignForm(
                people=people,
                initial={"assignee": str(support_request.assigned_to_id or "")},
            ),
            "moves": moves,
        },
        status=status,
    )


@require_safe
@login_required
@translate_refusals
def support_request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    support_request = selectors.support_request_get(actor=actor, reference=reference)
    if actor.in_service_desk():
        return redirect("portal:support-request-manage", reference=reference)
    return _detail_page(request, actor, support_request)


def _back(actor: User, support_request: SupportRequest) -> HttpResponse:
    name = "portal:support-request-manage" if actor.in_service_desk() else "portal:support-request"
    return redirect(name, reference=support_request.reference)


@require_POST
@login_required
@translate_refusals
def support_request_reply(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    support_request = selectors.support_request_get(actor=actor, reference=reference)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.support_request_reply(
                actor=actor,
                support_request=support_request,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
                wait_for_user=not form.cleaned_data["keep_in_progress"],
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Your reply has been sent")
            return _back(actor, support_request)
    return _detail_page(request, actor, support_request, reply_form=form)


@require_POST
@login_required
@translate_refusals
def support_request_close(request: HttpRequest, reference: str) -> HttpResponse:
    """The user no longer needs help."""
    actor = signed_in_user(request)
    support_request = selectors.support_request_get(actor=actor, reference=reference)
    try:
        services.support_request_set_status(
            actor=actor, support_request=support_request, status=Status.CLOSED.value
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Support request {reference} is closed")
    return _back(actor, support_request)


@require_safe
@login_required
def support_attachment(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    """An attachment, only ever to someone who may see its request (anyone else: not
    found)."""
    actor = signed_in_user(request)
    try:
        support_request = selectors.support_request_get(actor=actor, reference=reference)
        attachment = selectors.support_attachment_get(
            actor=actor, support_request=support_request, attachment_id=attachment_id
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return upload_response(
        services.attachment_path(attachment),
        original_name=attachment.original_name,
        content_type=attachment.content_type,
    )


# --- The service desk ---------------------------------------------------------------------


@require_safe
@login_required
@translate_refusals
def support_queue(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    _require_desk(actor)
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = "active"
    form = QueueFilterForm(data)
    filters = selectors.SupportFilter(
        **({k: form.cleaned_data[k] or "" for k in ("status", "category", "assigned")})
        if form.is_valid()
        else {}
    )
    page = Paginator(selectors.support_request_list(actor=actor, filters=filters), PAGE_SIZE)
    current = page.get_page(request.GET.get("page"))
    counts = selectors.support_status_counts(actor=actor)
    return render(
        request,
        "support/queue.html",
        {
            "filter_form": form,
            "page": current,
            "rows": _rows(current.object_list, desk=True),
            "counts": [(DESK_STATUS_LABELS[s], counts[s.value], s.value) for s in Status],
            "total": page.count,
        },
    )


@require_safe
@login_required
@translate_refusals
def support_request_manage(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    _require_desk(actor)
    support_request = selectors.support_request_get(actor=actor, reference=reference)
    return _detail_page(request, actor, support_request)


@require_POST
@login_required
@translate_refusals
def support_request_assign(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    _require_desk(actor)
    support_request = selectors.support_request_get(actor=actor, reference=reference)
    people = [(str(u.pk), u.display_name) for u in selectors.service_desk_users()]
    if request.POST.get("to_me"):
        form = AssignForm({"assignee": str(actor.pk)}, people=people)
    else:
        form = AssignForm(request.POST, people=people)
    if form.is_valid():
        chosen = form.cleaned_data["assignee"]
        assignee = selectors.service_desk_users().filter(pk=chosen).first() if chosen else None
        try:
            services.support_request_assign(
                actor=actor, support_request=support_request, assignee=assignee
            )
        except ValidationFailed as exc:
            add_service_error(form, exc)
        else:
            who = assignee.display_name if assignee else "nobody"
            messages.success(request, f"Support request {reference} is assigned to {who}")
            return _back(actor, support_request)
    return _detail_page(request, actor, support_request, assign_form=form)


@require_POST
@login_required
@translate_refusals
def support_request_status(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    _require_desk(actor)
    support_request = selectors.support_request_get(actor=actor, reference=reference)
    form = StatusForm(request.POST, moves=moves_from(support_request.status, Party.DESK))
    if form.is_valid():
        try:
            services.support_request_set_status(
                actor=actor,
                support_request=support_request,
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            label = DESK_STATUS_LABELS[Status(form.cleaned_data["status"])].lower()
            messages.success(request, f"Support request {reference} is now {label}")
            return _back(actor, support_request)
    return _detail_page(request, actor, support_request, status_form=form)
