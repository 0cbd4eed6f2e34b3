"""What the portal's pages of every file job share (batch files, achievement files).

A job's page shows its status, a progress bar its script keeps up to date from the
job's ``progress.json`` (``filejobs/_progress.html``, ``filejobs/progress.js``), why a
refused file was refused with each problem and its code (``filejobs/_refused.html``,
``filejobs/_problems.html``, ``filejobs/_code.html``). Each app says what its codes mean
and what its counts are; the shapes are here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import JsonResponse


@dataclass(frozen=True)
class CodeView:
    """A code as ``filejobs/_code.html`` draws it: a tag and what it means."""

    code: str
    text: str
    colour: str


@dataclass(frozen=True)
class ProblemView:
    """A problem of a file, as ``filejobs/_problems.html`` draws it."""

    row: int | None
    field: str
    rule: str
    code: CodeView
    line: int | None = None


def problem_views(
    problems: Iterable[Any], code_view: Callable[[str], CodeView]
) -> list[ProblemView]:
    """Problems as stored on a job (dicts) or as a validator reports them (objects with
    row, field, rule, code and line), each with its code as ``code_view`` tells it."""
    views = []
    for problem in problems:
        get = (
            problem.get
            if isinstance(problem, dict)
            else lambda name, p=problem: getattr(p, name, None)
        )
        views.append(
            ProblemView(
                row=get("row"),
                field=str(get("field") or ""),
                rule=str(get("rule") or ""),
                code=code_view(str(get("code") or "")),
                line=get("line"),
            )
        )
    return views


def progress_response(
    *, status: str, finished: bool, processed: int, total: int, progress: str, **extra: Any
) -> JsonResponse:
    """A job's ``progress.json``, which ``filejobs/progress.js`` polls."""
    return JsonResponse(
        {
            "status": status,
            "finished": finished,
            "processed": processed,
            "total": total,
            "progress": progress,
            **extra,
        }
    )
