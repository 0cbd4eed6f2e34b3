"""The service desk's dashboard page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_safe

from lrs.access import Capability
from lrs.learners.calibration import (
    SHIPPED,
    matching_parameters_activate,
    matching_parameters_active_version,
    matching_parameters_list,
)
from lrs.servicedesk import selectors
from lrs.servicedesk.charts import Chart, bar_chart, column_chart
from lrs.support.selectors import support_desk_summary
from lrs.users.decorators import capability_required, signed_in_user

# The volumes in two tables narrow enough to read without scrolling sideways: (id,
# caption, the measures in it).
VOLUME_TABLES = (
    (
        "volumes-online",
        "Searches, changes, PLR views and challenges",
        ("finds", "registrations", "updates", "verifications", "plr_views", "challenges"),
    ),
    (
        "volumes-files",
        "Batch and achievement files",
        ("batch_files", "batch_records", "achievement_files", "achievement_records"),
    ),
)


def _volume_tables(volumes: selectors.Volumes) -> list[dict[str, Any]]:
    measures = {m.key: m for m in volumes.measures}
    tables = []
    for table_id, caption, keys in VOLUME_TABLES:

        def cells(row: selectors.VolumeRow, keys: tuple[str, ...] = keys) -> list[str]:
            return [f"{row.counts.get(key, 0):,}" for key in keys]

        tables.append(
            {
                "id": table_id,
                "caption": caption,
                "measures": [measures[key] for key in keys],
                "rows": [(row.day, cells(row)) for row in volumes.rows],
                "totals": cells(volumes.totals),
            }
        )
    return tables


def _day(day: dt.date | None) -> str:
    return f"{day:%a} {day.day} {day:%b}" if day else ""


def _long_day(day: dt.date | None) -> str:
    return f"{day.day} {day:%B}" if day else ""


def _volume_charts(volumes: selectors.Volumes) -> list[dict[str, object]]:
    """One column chart per measure, oldest day on the left and today on the right, with
    what it shows in words (its title and description)."""
    days = list(reversed(volumes.rows))
    charts = []
    for measure in volumes.measures:
        counts = [row.counts.get(measure.key, 0) for row in days]
        total = sum(counts)
        if total:
            busiest = max(range(len(days)), key=lambda i: (counts[i], i))
            summary = (
                f"{total:,} in the last {volumes.days} days, from {_long_day(days[0].day)} "
                f"to today; the most, {counts[busiest]:,}, on {_long_day(days[busiest].day)}; "
                f"{counts[-1]:,} today so far."
            )
        else:
            summary = f"None in the last {volumes.days} days."
        charts.append(
            {
                "key": measure.key.replace("_", "-"),
                "label": measure.label,
                "total": f"{total:,}",
                "today": f"{counts[-1]:,}",
                "summary": summary,
                "chart": column_chart([(_day(row.day), n) for row, n in zip(days, counts)]),
            }
        )
    return charts


def _backlog_chart(backlog: selectors.Backlog) -> Chart | None:
    if not backlog.waiting:
        return None
    return bar_chart([(f"{line.kind}: {line.label.lower()}", line.count) for line in backlog.lines])


def _application_url(reference: str) -> str:
    """The longest-waiting application's own page, or the list of applications if there
    is no such page (it belongs to the organisations app)."""
    if reference:
        try:
            return reverse("portal:organisation-application", args=[reference])
        except NoReverseMatch:
            pass
    return reverse("portal:organisation-applications")


@require_safe
@capability_required(Capability.APPROVE_ORGANISATIONS)
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    board = selectors.service_desk_dashboard(actor=actor)
    return render(
        request,
        "servicedesk/dashboard.html",
        {
            "board": board,
            "now": board.at,
            "oldest_application_url": _application_url(board.applications.oldest_reference),
            "stall_minutes": round(board.backlog.stall_seconds / 60, 1),
            "volume_tables": _volume_tables(board.volumes),
            "volume_charts": _volume_charts(board.volumes),
            "backlog_chart": _backlog_chart(board.backlog),
            "support": support_desk_summary(actor=actor),
        },
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.APPROVE_ORGANISATIONS)
def matching_parameters(request: HttpRequest) -> HttpResponse:
    """The matching parameter sets: which one finds use, what each changed, roll back."""
    actor = signed_in_user(request)
    error = ""
    if request.method == "POST":
        version = request.POST.get("version", "")
        try:
            matching_parameters_activate(version=version, actor=actor)
        except ValueError:
            error = "That parameter set no longer exists: choose one from the list"
        else:
            name = "the shipped defaults" if version == SHIPPED else f"parameter set {version}"
            messages.success(request, f"Finds now use {name}")
            return redirect("portal:service-desk-matching-parameters")
    return render(
        request,
        "servicedesk/matching_parameters.html",
        {
            "sets": matching_parameters_list(),
            "active": matching_parameters_active_version(),
            "shipped": SHIPPED,
            "kept": bool(getattr(settings, "LRS_MATCHING_DIR", None)),
            "min_register": settings.LRS_MATCHING_MIN_REGISTER,
            "error": error,
        },
        status=400 if error else 200,
    )
