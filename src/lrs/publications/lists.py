"""What each published list holds: its members, its columns, and how two editions differ.

Everything here works on rows (dicts of text keyed by column), not on models, so the
same code compares a stored edition with the organisations as they are now.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lrs.access import (
    Capability,
    OrganisationStatus,
    OrganisationType,
    capabilities_for,
    roles_allowed_in,
)
from lrs.core.errors import NotFound
from lrs.publications.models import ListKind

Row = dict[str, str]


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    is_date: bool = False


NAME = Column("name", "Name")
UKPRN = Column("ukprn", "UKPRN")
TYPE = Column("type", "Type")
# There is no table of local authority names in LRS, so the list shows the three-digit
# LA code the organisation registered with.
LA_CODE = Column("la_code", "Local authority code")
STATUS = Column("status", "Status")
DATE_ADDED = Column("date_added", "Date added", is_date=True)

COLUMNS: dict[ListKind, tuple[Column, ...]] = {
    ListKind.LEARNING_PROVIDERS: (NAME, UKPRN, TYPE, LA_CODE, STATUS, DATE_ADDED),
    # Every member is an awarding organisation and none belongs to a local authority.
    ListKind.AWARDING_ORGANISATIONS: (NAME, UKPRN, STATUS, DATE_ADDED),
}

SLUGS: dict[ListKind, str] = {
    ListKind.LEARNING_PROVIDERS: "learning-providers",
    ListKind.AWARDING_ORGANISATIONS: "awarding-organisations",
}

DESCRIPTIONS: dict[ListKind, str] = {
    ListKind.LEARNING_PROVIDERS: (
        "Every organisation permitted to view Personal Learning Records (PLRs): schools, "
        "colleges, training providers, universities, prison education providers and local "
        "authorities."
    ),
    ListKind.AWARDING_ORGANISATIONS: (
        "Every awarding organisation that sends learners' achievements to LRS."
    ),
}

# The statuses a member is listed with. An organisation still applying is not yet a
# member; suspended and closed ones stay on the list so its readers see them stop.
LISTED_STATUSES = (
    OrganisationStatus.ACTIVE,
    OrganisationStatus.SUSPENDED,
    OrganisationStatus.CLOSED,
)
STATUS_LABELS: dict[str, str] = {s.value: s.value.capitalize() for s in OrganisationStatus}


def kind_from_slug(slug: str) -> ListKind:
    for kind, kind_slug in SLUGS.items():
        if kind_slug == slug:
            return kind
    raise NotFound("No such list")


def _may_view_plrs(org_type: OrganisationType) -> bool:
    # Asked of the policy for an active organisation and every role it may have, so the
    # list follows lrs.access whenever the policy changes.
    return any(
        Capability.VIEW_PLR
        in capabilities_for(
            organisation_type=org_type,
            organisation_status=OrganisationStatus.ACTIVE,
            role=role,
        )
        for role in roles_allowed_in(org_type)
    )


def member_types(kind: ListKind | str) -> list[OrganisationType]:
    """The organisation types on the list of ``kind``."""
    if ListKind(kind) is ListKind.AWARDING_ORGANISATIONS:
        return [OrganisationType.AWARDING_ORGANISATION]
    # Awarding organisations have their own list; the service desk runs LRS.
    others = {OrganisationType.AWARDING_ORGANISATION, OrganisationType.SERVICE_DESK}
    return [t for t in OrganisationType if t not in others and _may_view_plrs(t)]


def sort_rows(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: (row["name"].casefold(), row["ukprn"]))


def fingerprint(rows: Sequence[Row]) -> str:
    text = json.dumps(list(rows), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def diff(before: Sequence[Row], after: Sequence[Row]) -> dict[str, list[dict[str, Any]]]:
    """What changed from ``before`` to ``after``, organisations matched by UKPRN."""
    old = {row["ukprn"]: row for row in before}
    new = {row["ukprn"]: row for row in after}
    changed = []
    for row in after:
        previous = old.get(row["ukprn"])
        if previous is None:
            continue
        keys = [key for key in row if key != "ukprn"]
        keys += [key for key in previous if key not in row and key != "ukprn"]
        fields = [
            {"field": key, "before": previous.get(key, ""), "after": row.get(key, "")}
            for key in keys
            if previous.get(key, "") != row.get(key, "")
        ]
        if fields:
            changed.append({"ukprn": row["ukprn"], "name": row["name"], "fields": fields})
    return {
        "added": [row for row in after if row["ukprn"] not in old],
        "removed": [row for row in before if row["ukprn"] not in new],
        "changed": changed,
    }


def heading_of(key: str) -> str:
    for columns in COLUMNS.values():
        for column in columns:
            if column.key == key:
                return column.heading
    return key.replace("_", " ").capitalize()


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None
