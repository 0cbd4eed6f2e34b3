from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from lrs.access import Capability, OrganisationStatus, OrganisationType
from lrs.audit.services import audit_record
from lrs.core.errors import Conflict, FieldProblem, NotPermitted, ValidationFailed
from lrs.identifiers.organisation import (
    IdentifierError,
    validate_la_code,
    validate_ukprn,
    validate_urn,
)
from lrs.organisations.models import Organisation

if TYPE_CHECKING:
    from lrs.users.models import User


def _require(actor: User | None, capability: Capability) -> None:
    # actor None means the operator's own console (`lrs org create`), trusted by access to
    # the server itself.
    if actor is not None and not actor.can(capability):
        raise NotPermitted()


@dataclass(frozen=True)
class OrganisationFields:
    name: str
    type: str
    ukprn: str
    urn: str | None
    la_code: str | None


def organisation_validate(
    *, name: str, type: str, ukprn: str, urn: str | None, la_code: str | None
) -> OrganisationFields:
    """Check an organisation's fields together; return them cleaned or raise."""
    problems: list[FieldProblem] = []
    clean: dict[str, str | None] = {"urn": None, "la_code": None}
    name = (name or "").strip()
    if not name:
        problems.append(FieldProblem("name", "Enter the organisation's name"))
    elif len(name) > 255:
        problems.append(FieldProblem("name", "The name must be 255 characters or fewer"))
    clean["name"] = name
    try:
        org_type = OrganisationType(type)
    except ValueError:
        allowed = ", ".join(t.value for t in OrganisationType)
        problems.append(FieldProblem("type", f"Unknown organisation type; use one of: {allowed}"))
        org_type = None
    clean["type"] = org_type.value if org_type else None
    for field, value, validator in (
        ("ukprn", ukprn, validate_ukprn),
        ("urn", urn, validate_urn),
        ("la_code", la_code, validate_la_code),
    ):
        if field != "ukprn" and not value:
            continue
        try:
            clean[field] = validator(value or "")
        except IdentifierError as exc:
            problems.append(FieldProblem(exc.field, exc.rule))
    if org_type is OrganisationType.SCHOOL and not urn:
        problems.append(FieldProblem("urn", "A school must have a URN (6 digits)"))
    if org_type is not OrganisationType.SCHOOL and urn:
        problems.append(FieldProblem("urn", "Only schools have a URN"))
    if org_type is OrganisationType.LOCAL_AUTHORITY and not la_code:
        problems.append(FieldProblem("la_code", "A local authority must have an LA code"))
    if problems:
        raise ValidationFailed(problems)
    return OrganisationFields(
        name=name,
        type=str(clean["type"]),
        ukprn=str(clean["ukprn"]),
        urn=clean["urn"],
        la_code=clean["la_code"],
    )


@transaction.atomic
def organisation_create(
    *,
    actor: User | None,
    name: str,
    type: str,
    ukprn: str,
    urn: str | None = None,
    la_code: str | None = None,
    status: str = OrganisationStatus.ACTIVE,
) -> Organisation:
    _require(actor, Capability.APPROVE_ORGANISATIONS)
    clean = organisation_validate(name=name, type=type, ukprn=ukprn, urn=urn, la_code=la_code)
    status = OrganisationStatus(status)
    if Organisation.objects.filter(ukprn=clean.ukprn).exists():
        raise Conflict("ukprn_taken", f"An organisation with UKPRN {clean.ukprn} exists")
    if clean.urn and Organisation.objects.filter(urn=clean.urn).exists():
        raise Conflict("urn_taken", f"An organisation with URN {clean.urn} exists")
    organisation = Organisation.objects.create(
        name=clean.name,
        type=clean.type,
        ukprn=clean.ukprn,
        urn=clean.urn,
        la_code=clean.la_code,
        status=status,
        status_changed_at=timezone.now(),
    )
    audit_record(
        action="organisation.create",
        actor=actor,
        organisation=organisation,
        object_type="organisation",
        object_id=organisation.ukprn,
        detail={"name": organisation.name, "type": organisation.type, "status": status},
    )
    return organisation


@transaction.atomic
def organisation_change_status(
    *, actor: User | None, organisation: Organisation, status: str, reason: str
) -> Organisation:
    _require(actor, Capability.APPROVE_ORGANISATIONS)
    new_status = OrganisationStatus(status)
    if not reason.strip():
        raise ValidationFailed([FieldProblem("reason", "Give a reason for the change")])
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    old_status = organisation.status
    if old_status == OrganisationStatus.CLOSED:
        raise Conflict("organisation_closed", "A closed organisation cannot be changed")
    organisation.status = new_status
    organisation.status_changed_at = timezone.now()
    organisation.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(
        action="organisation.change_status",
        actor=actor,
        organisation=organisation,
        object_type="organisation",
        object_id=organisation.ukprn,
        detail={"from": old_status, "to": new_status, "reason": reason.strip()},
    )
    return organisation
