"""Reads of the published lists. Published editions are public: nothing here is scoped to
a caller, except the preview of the next edition, which only the service desk sees."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from lrs.access import ORGANISATION_TYPE_LABELS, Capability, OrganisationType
from lrs.core.errors import NotFound, NotPermitted
from lrs.organisations.models import Organisation
from lrs.publications import files
from lrs.publications.lists import (
    COLUMNS,
    LISTED_STATUSES,
    SLUGS,
    STATUS_LABELS,
    Row,
    diff,
    member_types,
    sort_rows,
)
from lrs.publications.models import ListEdition, ListKind

if TYPE_CHECKING:
    from lrs.users.models import User

ENTRIES_PER_PAGE = 50
# The columns every page of editions needs; the entries and changes can be megabytes.
_LIGHT = ("entries", "changes")


def list_entries_now(*, kind: ListKind | str) -> list[Row]:
    """The rows the list of ``kind`` would have if it were published now."""
    kind = ListKind(kind)
    keys = [column.key for column in COLUMNS[kind]]
    organisations = Organisation.objects.filter(
        type__in=member_types(kind), status__in=LISTED_STATUSES
    ).only("name", "ukprn", "type", "la_code", "status", "created_at")
    rows = []
    for org in organisations:
        values = {
            "name": org.name,
            "ukprn": org.ukprn,
            "type": ORGANISATION_TYPE_LABELS[OrganisationType(org.type)],
            "la_code": org.la_code or "",
            "status": STATUS_LABELS[org.status],
            "date_added": timezone.localdate(org.created_at).isoformat(),
        }
        rows.append({key: values[key] for key in keys})
    return sort_rows(rows)


def list_editions(*, kind: ListKind | str) -> QuerySet[ListEdition]:
    """The editions of a list, newest first, without their entries."""
    return ListEdition.objects.filter(kind=ListKind(kind)).defer(*_LIGHT).order_by("-number")


def list_edition_latest(*, kind: ListKind | str) -> ListEdition | None:
    return list_editions(kind=kind).first()


def list_edition_get(*, kind: ListKind | str, number: int) -> ListEdition:
    """One edition, with its changes but not its entries."""
    edition = ListEdition.objects.filter(kind=ListKind(kind), number=number).defer("entries")
    found = edition.first()
    if found is None:
        raise NotFound("No such edition")
    return found


@lru_cache(maxsize=2)
def _entries(fingerprint: str, pk: int) -> tuple[Row, ...]:
    # Editions never change once published, so their parsed entries can be kept; keyed by
    # the fingerprint too, so a reused id (a rolled-back test) never returns stale rows.
    entries = ListEdition.objects.filter(pk=pk).values_list("entries", flat=True).first()
    return tuple(entries or ())


def list_edition_entries(*, edition: ListEdition) -> tuple[Row, ...]:
    """An edition's rows, as published. Do not change them: they may be shared."""
    return _entries(edition.fingerprint, edition.pk)


def _matches(row: Row, needle: str) -> bool:
    return needle in row["name"].casefold() or needle in row["ukprn"]


def list_edition_search(
    *, edition: ListEdition, query: str = "", page: int | str | None = 1
) -> Page[Row]:
    """The edition's rows whose name or UKPRN contains ``query`` (any case), a page."""
    rows: tuple[Row, ...] | list[Row] = list_edition_entries(edition=edition)
    needle = " ".join(query.split()).casefold()
    if needle:
        rows = [row for row in rows if _matches(row, needle)]
    return Paginator(rows, ENTRIES_PER_PAGE).get_page(page)


def list_edition_file(*, edition: ListEdition, fmt: str) -> tuple[str, str, bytes]:
    """The edition as a download: (file name, content type, content). ``fmt`` csv or xlsx."""
    kind = ListKind(edition.kind)
    rows = list_edition_entries(edition=edition)
    date = timezone.localdate(edition.published_at).isoformat()
    name = f"lrs-{SLUGS[kind]}-{date}-edition-{edition.number}.{fmt}"
    stream = io.BytesIO()
    if fmt == "csv":
        files.write_csv(stream, COLUMNS[kind], rows)
        return name, files.CSV_TYPE, stream.getvalue()
    if fmt == "xlsx":
        files.write_xlsx(stream, COLUMNS[kind], rows, sheet=kind.label)
        return name, files.XLSX_TYPE, stream.getvalue()
    raise NotFound("No such file format")


@dataclass(frozen=True)
class EditionPreview:
    """What publishing the list now would produce."""

    kind: ListKind
    number: int
    entry_count: int
    latest: ListEdition | None
    added: int
    removed: int
    changed: int


def list_edition_preview(*, actor: User, kind: ListKind | str) -> EditionPreview:
    if not actor.can(Capability.PUBLISH_LISTS):
        raise NotPermitted("Only the LRS service desk publishes the lists")
    kind = ListKind(kind)
    latest = list_edition_latest(kind=kind)
    rows = list_entries_now(kind=kind)
    changes = diff(list_edition_entries(edition=latest), rows) if latest else None
    return EditionPreview(
        kind=kind,
        number=latest.number + 1 if latest else 1,
        entry_count=len(rows),
        latest=latest,
        added=len(changes["added"]) if changes else 0,
        removed=len(changes["removed"]) if changes else 0,
        changed=len(changes["changed"]) if changes else 0,
    )
