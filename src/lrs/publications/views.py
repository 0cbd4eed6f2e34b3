"""The published lists' pages. All are public (no sign-in) except publishing an edition,
which is for the service desk."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from lrs.access import Capability
from lrs.core.errors import Conflict, NotFound
from lrs.core.forms import ConfirmForm, GovukForm, add_service_error
from lrs.portal.templatetags.govuk import govuk_date
from lrs.publications import selectors, services
from lrs.publications.lists import (
    COLUMNS,
    DESCRIPTIONS,
    SLUGS,
    Column,
    Row,
    heading_of,
    kind_from_slug,
    parse_date,
)
from lrs.publications.models import ListEdition, ListKind
from lrs.users.decorators import capability_required, signed_in_user, translate_refusals

C = Capability
FORMATS = ("csv", "xlsx")
SEARCH_MAX = 200


class SearchForm(GovukForm):
    # No max_length: a search too long to match anything is cut short, not refused.
    q = forms.CharField(label="Search by name or UKPRN", required=False, strip=True)


def _text(column: Column | None, value: str) -> str:
    if column is not None and column.is_date:
        date = parse_date(value)
        if date is not None:
            return govuk_date(date)
    return value


def _cells(columns: Sequence[Column], rows: Iterable[Row]) -> list[list[str]]:
    return [[_text(column, row.get(column.key, "")) for column in columns] for row in rows]


def _list_context(request: HttpRequest, kind: ListKind) -> dict[str, Any]:
    user = getattr(request, "user", None)
    can_publish = bool(user is not None and user.is_authenticated and user.can(C.PUBLISH_LISTS))
    return {
        "kind": kind,
        "slug": SLUGS[kind],
        "title": kind.label,
        "description": DESCRIPTIONS[kind],
        "columns": COLUMNS[kind],
        "can_publish": can_publish,
        "formats": FORMATS,
    }


@require_safe
def published_lists(request: HttpRequest) -> HttpResponse:
    lists = [
        {**_list_context(request, kind), "latest": selectors.list_edition_latest(kind=kind)}
        for kind in ListKind
    ]
    return render(request, "publications/index.html", {"lists": lists})


@require_safe
@translate_refusals
def published_list(request: HttpRequest, kind: str) -> HttpResponse:
    list_kind = kind_from_slug(kind)
    context = _list_context(request, list_kind)
    latest = selectors.list_edition_latest(kind=list_kind)
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"][:SEARCH_MAX] if form.is_valid() else ""
    page = None
    if latest is not None:
        page = selectors.list_edition_search(
            edition=latest, query=query, page=request.GET.get("page")
        )
    return render(
        request,
        "publications/list.html",
        {
            **context,
            "latest": latest,
            "form": form,
            "query": query,
            "page": page,
            "rows": _cells(context["columns"], page.object_list) if page else [],
        },
    )


@require_safe
@translate_refusals
def list_editions(request: HttpRequest, kind: str) -> HttpResponse:
    list_kind = kind_from_slug(kind)
    return render(
        request,
        "publications/editions.html",
        {
            **_list_context(request, list_kind),
            "editions": list(selectors.list_editions(kind=list_kind)),
        },
    )


def _changed(columns: Sequence[Column], changed: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    by_key = {column.key: column for column in columns}
    return [
        {
            "name": item["name"],
            "ukprn": item["ukprn"],
            "fields": [
                {
                    "heading": heading_of(field["field"]),
                    "before": _text(by_key.get(field["field"]), field["before"]),
                    "after": _text(by_key.get(field["field"]), field["after"]),
                }
                for field in item["fields"]
            ],
        }
        for item in changed
    ]


@require_safe
@translate_refusals
def list_edition(request: HttpRequest, kind: str, number: int) -> HttpResponse:
    list_kind = kind_from_slug(kind)
    context = _list_context(request, list_kind)
    edition = selectors.list_edition_get(kind=list_kind, number=number)
    changes = edition.changes or {}
    columns = context["columns"]
    return render(
        request,
        "publications/edition.html",
        {
            **context,
            "edition": edition,
            "latest": selectors.list_edition_latest(kind=list_kind),
            "added": _cells(columns, changes.get("added", [])),
            "removed": _cells(columns, changes.get("removed", [])),
            "changed": _changed(columns, changes.get("changed", [])),
        },
    )


@require_safe
@translate_refusals
def list_download(request: HttpRequest, kind: str, number: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise NotFound("No such file format")
    edition = selectors.list_edition_get(kind=kind_from_slug(kind), number=number)
    name, content_type, content = selectors.list_edition_file(edition=edition, fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
@capability_required(C.PUBLISH_LISTS)
def list_publish(request: HttpRequest, kind: str) -> HttpResponse:
    actor = signed_in_user(request)
    list_kind = kind_from_slug(kind)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            edition: ListEdition = services.list_edition_publish(actor=actor, kind=list_kind)
        except Conflict as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                f"Edition {edition.number} of the {list_kind.label.lower()} list has been "
                "published",
            )
            return redirect("portal:list-edition", kind=SLUGS[list_kind], number=edition.number)
    return render(
        request,
        "publications/publish.html",
        {
            **_list_context(request, list_kind),
            "form": form,
            "preview": selectors.list_edition_preview(actor=actor, kind=list_kind),
        },
    )
