"""Organisation users signing in with DfE Sign-in (OpenID Connect, through lrs.oidc).

DfE Sign-in tells LRS who the person is (``sub``) and which organisation they chose
(``organisation``: its id, UKPRN and URN). Their roles in the service (role codes, mapped
to LRS roles by ``LRS_DFE_SIGN_IN_ROLES``) come from DfE Sign-in's public API for that
organisation (lrs.dfesignin.roles_api); only when the API is not configured (the local
stand-in provider) from a ``roles`` claim. LRS finds the organisation by UKPRN, else URN,
and the person's user in that organisation, making it on their first sign-in. Anything
that does not fit is refused, with an audit entry, never answered with another
organisation's user.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lrs.access import OrganisationStatus, OrganisationType, Role, roles_allowed_in
from lrs.audit.models import Outcome
from lrs.audit.services import audit_record
from lrs.core.errors import ServiceError
from lrs.dfesignin.models import DfeSignInAccount
from lrs.dfesignin.roles_api import RolesUnavailable, configured_api
from lrs.organisations.models import Organisation
from lrs.users.models import User

logger = logging.getLogger(__name__)
PROVIDER = "dfe_sign_in"
# When a person has several roles, the one that can do most.
ROLE_PRECEDENCE = [
    Role.SUPER_USER,
    Role.BATCH_USER,
    Role.ONLINE_USER,
    Role.AWARDING_ORGANISATION_USER,
    Role.VIEW_LEARNER_ONLY,
]


class DfeSignInRefused(ServiceError):
    """``reason`` is one of: no_organisation, unknown_organisation, organisation_inactive,
    no_role, deactivated, roles_unavailable (DfE Sign-in's API failed: 503)."""

    def __init__(self, reason: str, message: str, *, status: int = 403, detail: str = "") -> None:
        super().__init__(code="dfe_sign_in_refused", message=message, status=status)
        self.reason = reason
        # Why, for the audit entry only (an API failure's status or kind).
        self.detail = detail


def _organisation(claim: Any) -> tuple[Organisation, str]:
    if not isinstance(claim, Mapping) or not (claim.get("ukprn") or claim.get("urn")):
        raise DfeSignInRefused(
            "no_organisation",
            "DfE Sign-in did not tell us which organisation you are signing in for",
        )
    ukprn, urn = str(claim.get("ukprn") or "").strip(), str(claim.get("urn") or "").strip()
    organisation = None
    if ukprn:
        organisation = Organisation.objects.filter(ukprn=ukprn).first()
    if organisation is None and urn:
        organisation = Organisation.objects.filter(urn=urn).first()
    name = str(claim.get("name") or "your organisation")
    if organisation is None or organisation.type == OrganisationType.SERVICE_DESK:
        raise DfeSignInRefused(
            "unknown_organisation", f"{name} does not use LRS, or has not yet been approved"
        )
    if organisation.status != OrganisationStatus.ACTIVE:
        raise DfeSignInRefused(
            "organisation_inactive", f"{organisation.name}'s use of LRS is suspended or closed"
        )
    return organisation, str(claim.get("id") or "")


def _role(codes: Any, organisation: Organisation) -> Role:
    mapping: dict[str, str] = dict(settings.LRS_DFE_SIGN_IN_ROLES)
    if isinstance(codes, str):
        codes = [codes]
    wanted = {
        Role(mapping[code]) for code in codes or [] if isinstance(code, str) and code in mapping
    }
    allowed = [
        r for r in ROLE_PRECEDENCE if r in wanted and r in roles_allowed_in(organisation.type)
    ]
    if not allowed:
        raise DfeSignInRefused(
            "no_role",
            f"You do not have a role in LRS for {organisation.name} in DfE Sign-in",
        )
    return allowed[0]


def _role_codes(subject: str, dfe_org_id: str, claims: Mapping[str, Any]) -> Any:
    """The person's role codes at the organisation they chose: from DfE Sign-in's API
    when it is configured (a ``roles`` claim is then ignored), else from the claim."""
    api = configured_api()
    if api is None:
        return claims.get("roles")
    try:
        if not dfe_org_id:
            raise RolesUnavailable("no organisation id")
        return api.role_codes(user_id=subject, organisation_id=dfe_org_id)
    except RolesUnavailable as exc:
        logger.warning("DfE Sign-in's API did not give a person's roles: %s", exc.detail)
        raise DfeSignInRefused(
            "roles_unavailable",
            "DfE Sign-in could not tell us your role in LRS just now",
            status=503,
            detail=exc.detail,
        ) from exc


def _refuse(subject: str, exc: DfeSignInRefused, organisation: Organisation | None) -> None:
    audit_record(
        action="user.dfe_sign_in",
        organisation=organisation,
        object_type="dfe_sign_in",
        object_id=hashlib.sha256(subject.encode()).hexdigest()[:16],
        outcome=Outcome.REFUSED,
        detail={"reason": exc.reason, **({"error": exc.detail} if exc.detail else {})},
    )


def _username(subject: str, organisation: Organisation) -> str:
    digest = hashlib.sha256(f"{subject}|{organisation.ukprn}".encode()).hexdigest()[:12]
    return f"dfe.{digest}"


def dfe_sign_in_user(*, subject: str, claims: Mapping[str, Any]) -> User:
    """The LRS user this DfE Sign-in answer signs in as (made or updated to match), or
    DfeSignInRefused. Refusals are audited; the signing in itself is audited by the
    portal's sign-in signal when the view logs the user in."""
    organisation = None
    try:
        organisation, dfe_org_id = _organisation(claims.get("organisation"))
        role = _role(_role_codes(subject, dfe_org_id, claims), organisation)
        account = (
            DfeSignInAccount.objects.select_related("user")
            .filter(subject=subject, organisation=organisation)
            .first()
        )
        if account is not None and not account.user.is_active:
            raise DfeSignInRefused(
                "deactivated", f"Your LRS account at {organisation.name} has been deactivated"
            )
    except DfeSignInRefused as exc:
        # The refusal's audit entry is committed before the refusal is raised.
        with transaction.atomic():
            _refuse(subject, exc, organisation)
        raise
    return _user_for(
        subject=subject,
        claims=claims,
        organisation=organisation,
        dfe_org_id=dfe_org_id,
        role=role,
    )


@transaction.atomic
def _user_for(
    *,
    subject: str,
    claims: Mapping[str, Any],
    organisation: Organisation,
    dfe_org_id: str,
    role: Role,
) -> User:
    account = (
        DfeSignInAccount.objects.select_for_update()
        .select_related("user")
        .filter(subject=subject, organisation=organisation)
        .first()
    )
    email = str(claims.get("email") or "")
    names = {
        "first_name": str(claims.get("given_name") or "")[:150],
        "last_name": str(claims.get("family_name") or "")[:150],
    }
    if account is None:
        user = User(
            username=_username(subject, organisation),
            organisation=organisation,
            role=role,
            email=email,
            **names,
        )
        user.set_unusable_password()
        user.save()
        account = DfeSignInAccount.objects.create(
            subject=subject, organisation=organisation, user=user, dfe_organisation_id=dfe_org_id
        )
        audit_record(
            action="user.create",
            organisation=organisation,
            object_type="user",
            object_id=user.username,
            detail={"role": role.value, "via": "dfe_sign_in"},
        )
    else:
        user = account.user
        changes = {}
        if user.role != role:
            changes["role"] = [user.role, role.value]
            user.role = role
        for field, value in {"email": email, **names}.items():
            if value and getattr(user, field) != value:
                setattr(user, field, value)
        user.save()
        if changes:
            audit_record(
                action="user.change_role",
                actor=None,
                organisation=organisation,
                object_type="user",
                object_id=user.username,
                detail={**changes, "via": "dfe_sign_in"},
            )
    account.last_sign_in_at = timezone.now()
    account.save(update_fields=["last_sign_in_at"])
    return user
