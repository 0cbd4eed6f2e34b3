"""The reference pages: codes, file layouts, achievement actions and challenges.

Public, with no sign-in: the codes and layouts are in the real service's published
specifications, and they help anyone who sends files or calls the web service. Every
page reads lrs.guidance.reference, which reads the code's own definitions.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from lrs.guidance import reference

# The quotation marks around what was typed, as GOV.UK error messages write them.
OPEN, CLOSE = "\N{LEFT SINGLE QUOTATION MARK}", "\N{RIGHT SINGLE QUOTATION MARK}"
# Longer input is cut before it is shown back in the error message.
MAX_SHOWN_LOOKUP = 20


@require_GET
def reference_index(request: HttpRequest) -> HttpResponse:
    return render(request, "guidance/reference/index.html")


def _lookup_error(text: str) -> str:
    shown = " ".join(text.split())
    if not shown:
        return "Enter a code, for example RC007, WSRC0004 or FD05"
    if len(shown) > MAX_SHOWN_LOOKUP:
        shown = shown[: MAX_SHOWN_LOOKUP - 1] + "…"
    return (
        f"There is no code {OPEN}{shown}{CLOSE}. Check the code and try again, "
        "or find it in the tables on this page"
    )


@require_GET
def reference_codes(request: HttpRequest) -> HttpResponse:
    error = ""
    looked_up = ""
    if "code" in request.GET:
        looked_up = request.GET["code"]
        entry = reference.find_code(looked_up)
        if entry is not None:
            return redirect("portal:reference-code", code=entry.code)
        error = _lookup_error(looked_up)
    advice = reference.advice()
    return render(
        request,
        "guidance/reference/codes.html",
        {
            "groups": reference.code_groups(),
            "tables": [
                (group, [(entry, advice.get(entry.code)) for entry in group.codes])
                for group in reference.code_groups()
            ],
            "error": error,
            "looked_up": looked_up,
        },
    )


@require_GET
def reference_code(request: HttpRequest, code: str) -> HttpResponse:
    entry = reference.find_code(code)
    if entry is None:
        raise Http404("There is no such code")
    if entry.code != code:
        return redirect("portal:reference-code", code=entry.code, permanent=True)
    advice = reference.advice_for(entry.code)
    return render(
        request,
        "guidance/reference/code.html",
        {
            "entry": entry,
            "advice": advice,
            "links": [(url, reference.link_title(url)) for url in advice.links] if advice else [],
        },
    )


@require_GET
def reference_batch_files(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "guidance/reference/batch_files.html",
        {
            "layouts": reference.batch_layouts(),
            "failure_flags": reference.failure_flags(),
            "xsds": reference.BATCH_XSDS,
        },
    )


@require_GET
def reference_achievement_files(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "guidance/reference/achievement_files.html",
        {
            "layouts": reference.achievement_layouts(),
            "actions": reference.action_codes(),
            "statuses": reference.achievement_statuses(),
            "xsds": reference.ACHIEVEMENT_XSDS,
        },
    )


@require_GET
def reference_challenges(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "guidance/reference/challenges.html",
        {"challenges": reference.challenge_reference()},
    )


@require_GET
def reference_xsd(request: HttpRequest, name: str) -> HttpResponse:
    content = reference.xsd_bytes(f"{name}.xsd")
    if content is None:
        raise Http404("There is no such schema")
    response = HttpResponse(content, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{name}.xsd"'
    return response
