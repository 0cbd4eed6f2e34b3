"""Portal pages for achievement files: an awarding organisation's jobs, uploading a file,
following one job to its result, downloading its errors and cancelling it while it waits.

Views only call the records services and selectors; an organisation sees only its own
jobs (another's is not found). Only a job's public id and an error-file format appear in
these URLs. Processing happens in the background worker (lrs.records.uploads); the job
page polls ``progress.json`` with the file jobs' script (lrs.core.filejob_pages) until
the job has finished.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from lrs.access import Capability
from lrs.achievementfiles.errors import ErrorKind, info
from lrs.core.errors import Conflict, NotFound, ValidationFailed
from lrs.core.filejob_pages import CodeView, problem_views, progress_response
from lrs.core.forms import ConfirmForm
from lrs.records import selectors, services
from lrs.records.forms import AchievementUploadForm
from lrs.records.models import AchievementError, AchievementJob, JobStatus
from lrs.users.decorators import capability_required, signed_in_user
from lrs.users.models import User

C = Capability
JOBS_PER_PAGE = 25
REJECTED_ROWS_SHOWN = 50
POLL_SECONDS = 2
ERROR_FORMATS = ("csv", "xml", "xlsx")

_STATUS_COLOURS = {
    JobStatus.WAITING: "grey",
    JobStatus.IN_PROGRESS: "blue",
    JobStatus.SUCCESSFUL: "green",
    JobStatus.FAILED: "red",
    JobStatus.CANCELLED: "orange",
}
_FINISHED = (JobStatus.SUCCESSFUL, JobStatus.FAILED, JobStatus.CANCELLED)
# The statuses in which rows have been applied, so the counts mean something.
_COUNTED = (JobStatus.IN_PROGRESS, JobStatus.SUCCESSFUL)

_KIND_LABELS = {
    ErrorKind.FILE: "Whole file",
    ErrorKind.FIELD: "Field data",
    ErrorKind.LEARNER: "Learner data",
    ErrorKind.BUSINESS: "Business rule",
}
_KIND_COLOURS = {
    ErrorKind.FILE: "red",
    ErrorKind.FIELD: "red",
    ErrorKind.LEARNER: "purple",
    ErrorKind.BUSINESS: "orange",
}


# --- Presenting a job -----------------------------------------------------------------


def status_colour(job: AchievementJob) -> str:
    return status_tag(job)[1]


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count:,} rows"


def status_tag(job: AchievementJob) -> tuple[str, str]:
    """The job's status as its tag says it: (text, colour).

    The service calls a job that ran to the end "Successful" even when rows were
    rejected; the tag must not say so in green when some, or all, were not applied.
    """
    if job.status == JobStatus.SUCCESSFUL and job.rejected_records:
        if not job.successful_records:
            return "All rows rejected", "red"
        return "Some rows rejected", "orange"
    return str(job.get_status_display()), _STATUS_COLOURS.get(JobStatus(job.status), "grey")


def outcome_heading(job: AchievementJob) -> str:
    """What happened to the rows of a processed job, with the counts ("" until then)."""
    if job.status != JobStatus.SUCCESSFUL:
        return ""
    rejected, total = job.rejected_records, job.records
    if not total:
        return "The file had no rows to apply"
    if not rejected:
        return "The row was applied" if total == 1 else f"All {_rows(total)} were applied"
    if not job.successful_records:
        return "The row was rejected" if total == 1 else f"All {_rows(total)} were rejected"
    verb = "was" if rejected == 1 else "were"
    return f"{rejected:,} of {_rows(total)} {verb} rejected, {job.successful_records:,} applied"


def is_finished(job: AchievementJob) -> bool:
    return job.status in _FINISHED


def percentage(value: float) -> str:
    """88.89 as "88.89%", 100.0 as "100%"."""
    return f"{value:g}%"


def progress_text(job: AchievementJob) -> str:
    if job.status == JobStatus.WAITING:
        return "Waiting to start"
    if job.status == JobStatus.IN_PROGRESS:
        if not job.records:
            return "Checking the file"
        return f"Processing {job.processed_records} of {job.records}"
    return str(job.get_status_display())


def code_view(code: str) -> CodeView:
    try:
        entry = info(code)
    except (KeyError, ValueError):
        return CodeView(code, "", "grey")
    return CodeView(code, entry.description, _KIND_COLOURS.get(entry.kind, "grey"))


@dataclass(frozen=True)
class RejectedRowView:
    row: int
    kind: str
    kind_colour: str
    codes: list[CodeView]
    message: str


def rejected_row_view(error: AchievementError) -> RejectedRowView:
    try:
        kind = ErrorKind(error.kind)
    except ValueError:
        label, colour = error.kind, "grey"
    else:
        label, colour = _KIND_LABELS[kind], _KIND_COLOURS[kind]
    return RejectedRowView(
        row=error.row_number,
        kind=label,
        kind_colour=colour,
        codes=[code_view(code) for code in error.codes.split()],
        message=error.message,
    )


def result_rows(job: AchievementJob) -> list[dict[str, Any]]:
    """The job result with the real service's names, in its order."""
    rows: list[tuple[str, str, Any]] = [
        ("submitted", "Submitted", job.submitted_at),
        ("started", "Started", job.started_at),
        ("ended", "Ended", job.ended_at),
        ("records", "Records", _records(job)),
    ]
    if job.status in _COUNTED:
        rows += [
            (
                "percentage-successful",
                "Percentage successful",
                percentage(job.percentage_successful),
            ),
            ("created", "Created", job.created),
            ("updated", "Updated", job.updated),
            ("withdrawn", "Withdrawn", job.withdrawn),
            ("reinstated", "Reinstated", job.reinstated),
            ("promoted", "Promoted to final", job.promoted),
            ("final", "Final", job.final_count),
            ("provisional", "Provisional", job.provisional_count),
            ("field-errors", "Field data errors", job.field_errors),
            ("learner-errors", "Learner data errors", job.learner_errors),
            ("business-errors", "Business rule errors", job.business_errors),
            ("linked-followed", "Linked ULNs followed", job.linked_followed),
        ]
    return [{"key": key, "label": label, "value": value} for key, label, value in rows]


def _records(job: AchievementJob) -> int | str:
    if job.status == JobStatus.WAITING:
        return "Not counted yet"
    if job.status == JobStatus.CANCELLED and not job.records:
        return "Not counted"
    return job.records


def _counts(job: AchievementJob) -> dict[str, int]:
    return {
        "created": job.created,
        "updated": job.updated,
        "withdrawn": job.withdrawn,
        "reinstated": job.reinstated,
        "promoted": job.promoted,
        "final": job.final_count,
        "provisional": job.provisional_count,
        "field_errors": job.field_errors,
        "learner_errors": job.learner_errors,
        "business_errors": job.business_errors,
        "linked_followed": job.linked_followed,
    }


def _job(actor: User, public_id: uuid.UUID) -> AchievementJob:
    return selectors.achievement_job_get(actor=actor, public_id=public_id)


# --- The pages ------------------------------------------------------------------------


@require_safe
@capability_required(C.UPLOAD_ACHIEVEMENTS)
def job_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    jobs = selectors.achievement_jobs(actor=actor).select_related("submitted_by")
    page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "records/jobs/list.html",
        {
            "page": page,
            "rows": [
                {
                    "job": job,
                    "status": status_tag(job)[0],
                    "colour": status_colour(job),
                    "rejected": job.rejected_records if job.status in _COUNTED else 0,
                    "percentage": (
                        percentage(job.percentage_successful) if job.status in _COUNTED else ""
                    ),
                }
                for job in page
            ],
        },
    )


def _upload_page(request: HttpRequest, form: AchievementUploadForm) -> HttpResponse:
    return render(request, "records/jobs/upload.html", {"form": form})


@require_http_methods(["GET", "POST"])
@capability_required(C.UPLOAD_ACHIEVEMENTS)
def job_upload(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    ukprn = actor.organisation.ukprn if actor.organisation else ""
    if request.method == "GET":
        return _upload_page(request, AchievementUploadForm(ukprn=ukprn))
    form = AchievementUploadForm(request.POST, request.FILES, ukprn=ukprn)
    if not form.is_valid():
        return _upload_page(request, form)
    try:
        job = services.achievement_job_submit(actor=actor, upload=form.cleaned_data["file"])
    except ValidationFailed as exc:
        for problem in exc.problems:
            form.add_error("file", problem.rule)
        return _upload_page(request, form)
    messages.success(request, f"{job.file_name} uploaded: it will be processed shortly")
    return redirect("portal:achievement-job-detail", public_id=job.public_id)


@require_safe
@capability_required(C.UPLOAD_ACHIEVEMENTS)
def job_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = signed_in_user(request)
    job = _job(actor, public_id)
    rejected = job.errors.order_by("row_number")[:REJECTED_ROWS_SHOWN]
    return render(
        request,
        "records/jobs/detail.html",
        {
            "job": job,
            "status": status_tag(job)[0],
            "colour": status_colour(job),
            "outcome": outcome_heading(job),
            "finished": is_finished(job),
            "progress": progress_text(job),
            "poll_ms": POLL_SECONDS * 1000,
            "result": result_rows(job),
            "problems": problem_views(job.file_problems or [], code_view),
            "rejected_rows": [rejected_row_view(error) for error in rejected],
            "rejected_total": job.rejected_records,
            "shown": REJECTED_ROWS_SHOWN,
            "formats": [fmt.upper() for fmt in ERROR_FORMATS],
            "can_download": bool(job.rejected_records) and job.status == JobStatus.SUCCESSFUL,
            "can_cancel": job.status == JobStatus.WAITING,
        },
    )


@require_safe
@never_cache
@capability_required(C.UPLOAD_ACHIEVEMENTS)
def job_progress(request: HttpRequest, public_id: uuid.UUID) -> JsonResponse:
    job = _job(signed_in_user(request), public_id)
    return progress_response(
        status=job.status,
        finished=is_finished(job),
        processed=job.processed_records,
        total=job.records,
        progress=progress_text(job),
        percentage_successful=job.percentage_successful,
        counts=_counts(job),
    )


@require_safe
@login_required
def job_errors(request: HttpRequest, public_id: uuid.UUID, fmt: str) -> FileResponse:
    # As capability_required, which is typed for HttpResponse, not streamed responses.
    actor = signed_in_user(request)
    if not actor.can(C.UPLOAD_ACHIEVEMENTS):
        raise PermissionDenied
    try:
        job = _job(actor, public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if fmt not in ERROR_FORMATS or not job.rejected_records:
        raise Http404("No such error file")
    name, stream = selectors.achievement_job_errors_file(actor=actor, job=job, fmt=fmt)
    return FileResponse(stream, as_attachment=True, filename=name)


@require_http_methods(["GET", "POST"])
@capability_required(C.UPLOAD_ACHIEVEMENTS)
def job_cancel(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = signed_in_user(request)
    job = _job(actor, public_id)
    if job.status != JobStatus.WAITING:
        messages.info(request, f"{job.file_name} can no longer be cancelled: it is {_status(job)}")
        return redirect("portal:achievement-job-detail", public_id=job.public_id)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.achievement_job_cancel(actor=actor, job=job)
        except Conflict:
            job.refresh_from_db()
            messages.info(
                request, f"{job.file_name} can no longer be cancelled: it is {_status(job)}"
            )
        else:
            messages.success(request, f"{job.file_name} cancelled: nothing in it was applied")
        return redirect("portal:achievement-job-detail", public_id=job.public_id)
    return render(request, "records/jobs/cancel.html", {"job": job, "form": form})


def _status(job: AchievementJob) -> str:
    return str(job.get_status_display()).lower()
