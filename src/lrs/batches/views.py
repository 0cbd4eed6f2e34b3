"""Portal pages for batch files: list, upload, progress, output, exceptions and checking a
file without sending it.

Views only call the batch services and selectors (and, to check a file without storing
it, the framework-free lrs.batchfiles). Only a batch's public id, a row number and a
return code ever appear in these URLs: learners' details travel in POST bodies.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from lrs.access import Capability
from lrs.batches import selectors, services
from lrs.batches.forms import (
    ExceptionFilterForm,
    ResolveForm,
    UploadAgainForm,
    UploadForm,
    ValidateForm,
)
from lrs.batches.models import Batch, BatchKind, BatchRow, BatchStatus
from lrs.batchfiles import BatchProblem, validate_file
from lrs.batchfiles.records import LRB_LAYOUT, VERIFY_LAYOUT, BatchHeader, Layout
from lrs.batchfiles.return_codes import (
    FAILURE_FLAGS,
    RETURN_CODES,
    VERIFY_RESPONSE_CODES,
    ReturnCode,
)
from lrs.batchfiles.writers import write_batch
from lrs.core.errors import Conflict, NotFound, NotPermitted, ServiceError, ValidationFailed
from lrs.core.filejob_pages import CodeView, ProblemView, problem_views, progress_response
from lrs.core.filejobs import file_limits
from lrs.learners import selectors as learner_selectors
from lrs.learners.forms import FIELD_LABELS
from lrs.learners.presenters import (
    CandidateView,
    ExplanationRow,
    display_value,
    score_percent,
    weight_meaning,
)
from lrs.users.decorators import AnyView, signed_in_user, translate_refusals
from lrs.users.models import User

BATCHES_PER_PAGE = 25
EXCEPTIONS_PER_PAGE = 50
POLL_SECONDS = 2
OUTPUT_FORMATS = ("csv", "xml", "xlsx")


def batch_user_required(view: AnyView) -> AnyView:
    """Signed in (else to the sign-in page) and able to send some kind of batch file.

    As the portal's ``capability_required``, NotPermitted from a service or selector
    becomes the 403 page and NotFound the 404 (another organisation's batch is not found).
    """

    refusals_translated = translate_refusals(view)

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = signed_in_user(request)
        if not (user.can(Capability.SUBMIT_BATCH) or user.can(Capability.SUBMIT_VERIFY_BATCH)):
            raise PermissionDenied
        return refusals_translated(request, *args, **kwargs)

    return cast("AnyView", login_required(wrapped))


# --- Presenting codes, statuses and counts ----------------------------------------------


_KIND_COLOURS = {
    "success": "green",
    "resolution": "green",
    "exception": "yellow",
    "rejection": "red",
    "not_found": "grey",
    "duplicate": "grey",
}


def code_view(code: str) -> CodeView:
    """A return or response code with what it means (any code a batch can produce)."""
    try:
        info = RETURN_CODES[ReturnCode(code)]
    except ValueError:
        text = VERIFY_RESPONSE_CODES.get(code, "")
        if code == "WSRC0017":
            text = "The LearnerRecordCount does not match the learner records in the file"
        elif code == "FILE":
            text = "The whole file is refused"
        colour = "green" if code.startswith("WSVRC00") and code[-1] in "1234" else "grey"
        return CodeView(code, text, colour)
    return CodeView(code, info.description, _KIND_COLOURS.get(info.kind.value, "grey"))


_STATUS_COLOURS = {
    BatchStatus.QUEUED: "grey",
    BatchStatus.VALIDATING: "blue",
    BatchStatus.PROCESSING: "blue",
    BatchStatus.COMPLETE: "green",
    BatchStatus.FAILED: "red",
}


def status_colour(batch: Batch) -> str:
    return _STATUS_COLOURS.get(BatchStatus(batch.status), "grey")


def progress_text(batch: Batch) -> str:
    if batch.status == BatchStatus.PROCESSING:
        return f"Processing {batch.processed_records} of {batch.total_records}"
    if batch.status == BatchStatus.QUEUED:
        return "Waiting to start"
    if batch.status == BatchStatus.VALIDATING:
        return "Checking the file"
    return str(batch.get_status_display())


def _counts(batch: Batch) -> dict[str, int]:
    return {
        "new": batch.new_learners,
        "existing_or_updated": batch.existing_learners,
        "possible_match": batch.possible_matches,
        "not_found": batch.not_found,
        "rejected": batch.rejected,
    }


def _count_rows(batch: Batch) -> list[dict[str, Any]]:
    """Each count with its label, and as a phrase for lists ("1 new learner")."""
    if batch.kind == BatchKind.VERIFY:
        labels = [
            ("Matched", "matched", "matched", batch.existing_learners),
            ("Did not match", "did not match", "did not match", batch.possible_matches),
            ("ULN not found", "ULN not found", "ULNs not found", batch.not_found),
            ("Rejected", "rejected", "rejected", batch.rejected),
        ]
    else:
        labels = [
            ("New learners", "new learner", "new learners", batch.new_learners),
            (
                "Existing or updated learners",
                "existing or updated learner",
                "existing or updated learners",
                batch.existing_learners,
            ),
            ("Possible matches", "possible match", "possible matches", batch.possible_matches),
            ("ULN not found", "ULN not found", "ULNs not found", batch.not_found),
            ("Rejected", "rejected", "rejected", batch.rejected),
        ]
    return [
        {"label": label, "value": value, "phrase": f"{value:,} {one if value == 1 else many}"}
        for label, one, many, value in labels
    ]


def _problem_views(problems: list[dict[str, Any]] | list[BatchProblem]) -> list[ProblemView]:
    # A problem without a code is one of the whole file.
    return problem_views(problems, lambda code: code_view(code or "FILE"))


# --- Batch files: list, upload, one batch -------------------------------------------


@require_safe
@batch_user_required
def batch_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    batches = selectors.batch_list(actor=actor)
    page = Paginator(batches, BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "batches/list.html",
        {
            "page": page,
            "rows": [
                {"batch": b, "colour": status_colour(b), "counts": _count_rows(b)} for b in page
            ],
            "open_exceptions": selectors.batch_exceptions(actor=actor).count(),
            # Only registration batches have exceptions to resolve.
            "has_exceptions": actor.can(Capability.SUBMIT_BATCH),
        },
    )


@require_http_methods(["GET", "POST"])
@batch_user_required
def batch_upload(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    if request.method == "GET":
        return _upload_page(request, UploadForm(ukprn=actor.organisation.ukprn))
    form = UploadForm(request.POST, request.FILES, ukprn=actor.organisation.ukprn)
    if not form.is_valid():
        return _upload_page(request, form)
    try:
        batch = services.batch_submit(
            actor=actor, upload=form.cleaned_data["file"], keep_duplicate=True
        )
    except services.DuplicateFile as exc:
        if exc.pending is None:
            raise
        # Kept: ask whether to process it again, without making them choose it again.
        _forget_pending(request)
        request.session[PENDING_SESSION_KEY] = _pending_to_session(exc.pending)
        return redirect("portal:batch-upload-again")
    except NotPermitted as exc:
        form.add_error("file", exc.message)
        return _upload_page(request, form)
    except ValidationFailed as exc:
        for problem in exc.problems:
            name = problem.field if problem.field in form.fields else "file"
            form.add_error(name, problem.rule)
        return _upload_page(request, form)
    messages.success(request, f"{batch.file_name} uploaded: it will be processed shortly")
    return redirect("portal:batch-detail", public_id=batch.public_id)


def _upload_page(request: HttpRequest, form: UploadForm) -> HttpResponse:
    actor = signed_in_user(request)
    return render(
        request,
        "batches/upload.html",
        {
            "form": form,
            "ukprn": actor.organisation.ukprn,
            "templates": _templates(actor),
        },
    )


def _templates(actor: User) -> list[dict[str, Any]]:
    """The empty files this user may start from: (what, [(format, URL)])."""
    kinds = []
    if actor.can(Capability.SUBMIT_BATCH):
        kinds.append(("LRB", "Learner registration batch (LRB)"))
    if actor.can(Capability.SUBMIT_VERIFY_BATCH):
        kinds.append(("LRV", "Verify batch (LRV)"))
    return [
        {
            "kind": kind,
            "label": label,
            "links": [
                (fmt.upper(), reverse("portal:batch-template", args=[kind, fmt]))
                for fmt in TEMPLATE_FORMATS
            ],
        }
        for kind, label in kinds
    ]


# The file a person sent again, kept on the server (lrs.batches.services.PendingFile)
# while they decide; only its details are in their session.
PENDING_SESSION_KEY = "batches:pending_upload"


def _pending_to_session(pending: services.PendingFile) -> dict[str, Any]:
    return {**asdict(pending), "earlier_at": pending.earlier_at.isoformat()}


def _pending_from_session(request: HttpRequest) -> services.PendingFile | None:
    data = request.session.get(PENDING_SESSION_KEY)
    if not data:
        return None
    return services.PendingFile(
        **{**data, "earlier_at": dt.datetime.fromisoformat(data["earlier_at"])}
    )


def _forget_pending(request: HttpRequest) -> None:
    pending = _pending_from_session(request)
    if pending is not None:
        services.batch_pending_discard(pending=pending)
        del request.session[PENDING_SESSION_KEY]


@require_http_methods(["GET", "POST"])
@batch_user_required
def batch_upload_again(request: HttpRequest) -> HttpResponse:
    """A file that repeats an earlier one: process it again, or not."""
    actor = signed_in_user(request)
    pending = _pending_from_session(request)
    if pending is None:
        messages.info(request, "There is no file waiting for a decision: upload it again")
        return redirect("portal:batch-upload")
    form = UploadAgainForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["again"] == "no":
            _forget_pending(request)
            messages.info(request, f"{pending.file_name} was not processed again")
            return redirect("portal:batch-list")
        del request.session[PENDING_SESSION_KEY]
        try:
            batch = services.batch_submit_pending(actor=actor, pending=pending)
        except NotFound as exc:
            messages.info(request, exc.message)
            return redirect("portal:batch-upload")
        messages.success(request, f"{batch.file_name} uploaded again: it will be processed shortly")
        return redirect("portal:batch-detail", public_id=batch.public_id)
    return render(request, "batches/upload_again.html", {"form": form, "pending": pending})


TEMPLATE_FORMATS = ("csv", "xlsx")


@require_safe
@batch_user_required
def batch_template(request: HttpRequest, kind: str, fmt: str) -> FileResponse:
    """An empty batch file of ``kind`` (LRB or LRV) to fill in: the headings, and row 2's
    header with the file's own name and the organisation's UKPRN already filled in."""
    actor = signed_in_user(request)
    layouts: dict[str, Layout[Any]] = {"LRB": LRB_LAYOUT, "LRV": VERIFY_LAYOUT}
    layout = layouts.get(kind)
    if layout is None or fmt not in TEMPLATE_FORMATS:
        raise Http404("No such template")
    if not actor.can(
        Capability.SUBMIT_VERIFY_BATCH if layout is VERIFY_LAYOUT else Capability.SUBMIT_BATCH
    ):
        raise PermissionDenied
    name = template_name(layout.prefix, actor.organisation.ukprn, fmt)
    buffer = io.BytesIO()
    header = BatchHeader(
        file_version=layout.file_version,
        file_name=name,
        ukprn=actor.organisation.ukprn,
        learner_record_count=0,
    )
    write_batch(buffer, header, [], fmt=fmt.upper(), layout=layout)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=name)


def template_name(prefix: str, ukprn: str, fmt: str) -> str:
    """A batch file's name as the service expects it, stamped with the UK time now."""
    return f"{prefix}_{ukprn}_{timezone.localtime():%d%m%Y%H%M}.{fmt.upper()}"


def _batch(actor: User, public_id: uuid.UUID) -> Batch:
    return selectors.batch_get(actor=actor, public_id=public_id)


def _open_exception_codes(actor: User, batch: Batch) -> list[dict[str, Any]]:
    counted = (
        selectors.batch_exceptions(actor=actor, batch=batch)
        .order_by()
        .values("return_code")
        .annotate(n=Count("id"))
    )
    by_code = {item["return_code"]: item["n"] for item in counted}
    return [
        {"code": code_view(code), "count": by_code[code]}
        for code in sorted(by_code)
        if by_code[code]
    ]


@require_safe
@batch_user_required
def batch_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = signed_in_user(request)
    batch = _batch(actor, public_id)
    exception_codes = _open_exception_codes(actor, batch)
    return render(
        request,
        "batches/detail.html",
        {
            "batch": batch,
            "colour": status_colour(batch),
            "progress": progress_text(batch),
            "counts": _count_rows(batch),
            "exception_codes": exception_codes,
            "open_exceptions": sum(item["count"] for item in exception_codes),
            "problems": _problem_views(batch.problems),
            "formats": [fmt.upper() for fmt in OUTPUT_FORMATS],
            "is_complete": batch.status == BatchStatus.COMPLETE,
            "poll_ms": POLL_SECONDS * 1000,
        },
    )


@require_safe
@never_cache
@batch_user_required
def batch_progress(request: HttpRequest, public_id: uuid.UUID) -> JsonResponse:
    batch = _batch(signed_in_user(request), public_id)
    return progress_response(
        status=batch.status,
        finished=batch.is_finished,
        processed=batch.processed_records,
        total=batch.total_records,
        progress=progress_text(batch),
        counts=_counts(batch),
    )


@require_safe
@batch_user_required
def batch_output(request: HttpRequest, public_id: uuid.UUID, fmt: str) -> FileResponse:
    actor = signed_in_user(request)
    batch = _batch(actor, public_id)
    if fmt not in OUTPUT_FORMATS or batch.status != BatchStatus.COMPLETE:
        raise Http404("No such output file")
    name, stream = selectors.batch_output(actor=actor, batch=batch, fmt=fmt)
    return FileResponse(stream, as_attachment=True, filename=name)


# --- Exceptions -----------------------------------------------------------------------


def _learner_name(row: BatchRow) -> str:
    given = str(row.data.get("given_name") or "").strip()
    family = str(row.data.get("family_name") or "").strip()
    return " ".join(part for part in (given, family) if part)


@require_safe
@batch_user_required
def batch_exceptions(request: HttpRequest, public_id: uuid.UUID | None = None) -> HttpResponse:
    actor = signed_in_user(request)
    batch = _batch(actor, public_id) if public_id is not None else None
    form = ExceptionFilterForm(request.GET if "return_code" in request.GET else None)
    code = form.code()
    rows = selectors.batch_exceptions(actor=actor, batch=batch, return_code=code)
    if batch is None:
        rows = rows.order_by("-batch__created_at", "batch_id", "row_number")
    page = Paginator(rows, EXCEPTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "batches/exceptions.html",
        {
            "batch": batch,
            "form": form,
            "filtered": code,
            "page": page,
            "rows": [
                {"row": row, "code": code_view(row.return_code), "name": _learner_name(row)}
                for row in page
            ],
            "action": (
                reverse("portal:batch-exceptions", kwargs={"public_id": batch.public_id})
                if batch is not None
                else reverse("portal:batch-exceptions-all")
            ),
        },
    )


def _candidate_views(actor: User, row: BatchRow) -> list[CandidateView]:
    views = []
    can_find = actor.can(Capability.FIND_LEARNER)
    for candidate in row.candidates:
        learner = None
        if can_find:
            try:
                learner = learner_selectors.learner_get(actor=actor, uln=candidate["uln"])
            except (NotFound, NotPermitted):
                learner = None
        score = candidate.get("score")
        views.append(
            CandidateView(
                uln=candidate["uln"],
                score=score_percent(score) if score is not None else "",
                master_substituted=False,
                learner=learner,
                rows=[
                    ExplanationRow(
                        label=FIELD_LABELS.get(
                            e["field"], str(e["field"]).replace("_", " ").capitalize()
                        ),
                        level=str(e["level"])[:1].upper() + str(e["level"])[1:],
                        weight=f"{float(e['weight']):+.1f}",
                        meaning=weight_meaning(float(e["weight"])),
                    )
                    for e in candidate.get("explanation") or []
                ],
            )
        )
    return views


# The record's details as the resolve page shows them, in this order.
_RECORD_FIELDS = (
    "uln",
    "mis_identifier",
    "title",
    "given_name",
    "middle_other_name",
    "family_name",
    "previous_family_name",
    "date_of_birth",
    "gender",
    "last_known_postcode",
    "last_known_address_line1",
    "last_known_address_town",
    "school_at_16",
    "place_of_birth",
    "email_address",
)
_RECORD_LABELS = {"uln": "ULN", "mis_identifier": "MIS identifier", **FIELD_LABELS}


def _record_rows(row: BatchRow) -> list[dict[str, str]]:
    rows = [{"label": "Row", "value": str(row.row_number)}]
    for name in _RECORD_FIELDS:
        value = display_value(name, row.data.get(name))
        if value or name in ("given_name", "family_name", "date_of_birth", "mis_identifier"):
            rows.append({"label": _RECORD_LABELS[name], "value": value or "Not given"})
    return rows


@dataclass
class ChoiceItem:
    id: str
    value: str
    text: str
    checked: bool
    hint: str = ""
    conditional: bool = False


@dataclass
class ResolveChoices:
    actions: list[ChoiceItem] = field(default_factory=list)
    ulns: list[ChoiceItem] = field(default_factory=list)


def _choices(form: ResolveForm, candidates: list[CandidateView]) -> ResolveChoices:
    names = {c.uln: f"{c.name}, ULN {c.uln}" for c in candidates if c.learner is not None}
    action = form["action"].value()
    uln = form["uln"].value()
    action_field = form.fields["action"]
    uln_field = form.fields["uln"]
    action_choices = list(getattr(action_field, "choices", []))
    uln_choices = list(getattr(uln_field, "choices", []))
    return ResolveChoices(
        actions=[
            ChoiceItem(
                id="action" if index == 0 else f"action-{index + 1}",
                value=str(value),
                text=str(text),
                checked=action is not None and str(action) == str(value),
                conditional=True,
            )
            for index, (value, text) in enumerate(action_choices)
        ],
        ulns=[
            ChoiceItem(
                id="uln" if index == 0 else f"uln-{index + 1}",
                value=str(value),
                text=names.get(str(value), f"ULN {value}"),
                checked=uln is not None and str(uln) == str(value),
            )
            for index, (value, _text) in enumerate(uln_choices)
        ],
    )


@require_http_methods(["GET", "POST"])
@batch_user_required
def batch_exception_resolve(request: HttpRequest, public_id: uuid.UUID, row: int) -> HttpResponse:
    actor = signed_in_user(request)
    batch = _batch(actor, public_id)
    exceptions_url = reverse("portal:batch-exceptions", kwargs={"public_id": batch.public_id})
    found = selectors.batch_exceptions(actor=actor, batch=batch).filter(row_number=row).first()
    if found is None:
        messages.info(request, f"Row {row} has no open exception: it may have been resolved")
        return redirect(exceptions_url)
    if request.method == "GET":
        return _resolve_page(request, batch, found, ResolveForm(row=found))
    form = ResolveForm(request.POST, row=found)
    if not form.is_valid():
        return _resolve_page(request, batch, found, form)
    action = form.cleaned_data["action"]
    try:
        resolved = services.batch_exception_resolve(
            actor=actor,
            batch=batch,
            row_number=found.row_number,
            action=action,
            uln=str(form.cleaned_data.get("uln") or ""),
            reason=form.reason(),
            amended=form.amended(),
        )
    except Conflict as exc:
        messages.info(request, exc.message)
        return redirect(exceptions_url)
    except ServiceError as exc:
        if isinstance(exc, NotPermitted | NotFound):
            raise
        form.add_service_error(exc)
        return _resolve_page(request, batch, found, form)
    if resolved.is_exception:
        # Amended, but still more than one learner could be this one: choose again.
        messages.info(
            request,
            f"Row {resolved.row_number} still has possible matches after amending: "
            "check the learners below and decide again",
        )
        return redirect(
            "portal:batch-exception-resolve", public_id=batch.public_id, row=resolved.row_number
        )
    messages.success(request, f"Row {resolved.row_number} {_resolved_text(resolved)}")
    return redirect(exceptions_url)


def _resolved_text(row: BatchRow) -> str:
    """What became of a resolved row, in words (its return code is in the output file)."""
    outcome: str | None = {
        str(ReturnCode.RC014): f"resolved: it is the existing learner with ULN {row.uln}",
        str(ReturnCode.RC015): f"resolved: a new learner was registered with ULN {row.uln}",
        str(ReturnCode.RC016): "dismissed: no ULN was issued",
        str(ReturnCode.RC017): f"resolved after amending: the learner's ULN is {row.uln}",
    }.get(row.return_code)
    return outcome or f"resolved: ULN {row.uln}"


def _resolve_page(
    request: HttpRequest, batch: Batch, row: BatchRow, form: ResolveForm
) -> HttpResponse:
    actor = signed_in_user(request)
    candidates = _candidate_views(actor, row)
    return render(
        request,
        "batches/resolve.html",
        {
            "batch": batch,
            "row": row,
            "form": form,
            "code": code_view(row.return_code),
            "record": _record_rows(row),
            "candidates": candidates,
            "choices": _choices(form, candidates),
            "failure_flags": row.failure_flags,
            "flag_descriptions": [FAILURE_FLAGS.get(flag, flag) for flag in row.failure_flags],
            "crumb": f"Row {row.row_number}",
            "can_view": actor.can(Capability.FIND_LEARNER),
        },
    )


# --- Check a file without sending it -----------------------------------------------


@require_http_methods(["GET", "POST"])
@batch_user_required
def batch_validate(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    if request.method == "GET":
        return render(request, "batches/validate.html", {"form": ValidateForm()})
    form = ValidateForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "batches/validate.html", {"form": form})
    upload = form.cleaned_data["file"]
    file_name = Path((upload.name or "").replace("\\", "/")).name
    # Checked in a private temporary directory that is removed straight afterwards:
    # nothing of the file is kept.
    with tempfile.TemporaryDirectory(prefix="lrs-check-") as directory:
        path = Path(directory) / "upload"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        report = validate_file(
            path,
            filename=file_name,
            expected_ukprn=actor.organisation.ukprn if actor.organisation else None,
            limits=file_limits(),
        )
    record_problems = [
        ProblemView(
            outcome.row,
            problem.field or "",
            problem.rule,
            code_view(problem.code),
            problem.line,
        )
        for outcome in report.rejected
        for problem in outcome.problems
    ]
    return render(
        request,
        "batches/validate.html",
        {
            "form": ValidateForm(),
            "report": report,
            "file_problems": _problem_views(report.file_problems),
            "record_problems": record_problems,
            "rejected_codes": [
                {"code": code_view(code), "count": count}
                for code, count in report.return_code_counts().items()
            ],
        },
    )
