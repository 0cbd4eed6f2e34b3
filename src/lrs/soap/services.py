"""Web-service credentials and SOAP authentication.

The real service authenticates every call with the organisation (UKPRN, or its
organisation reference), a user name and a 16-character organisation password. Here a
super user creates and rotates that password in the portal; the service generates it
(so it is never weak or reused), shows it once and stores only its SHA-256 digest.

OrganisationRef: this project has no separate legacy organisation reference, so an
OrganisationRef is read as the UKPRN. A request may send either or both; when both are
sent they must name the same organisation.

Refusals are SoapFaults with the live codes: WSEC0003 (organisation unknown, not active
or without web-service credentials), WSEC0005 (password missing or wrong, or too many
failures from this address) and WSEC0006 (user name not an active API user of the
organisation, or the operation not allowed to its role). Each is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from lrs.access import Capability
from lrs.audit.models import Outcome
from lrs.audit.services import audit_record
from lrs.core import context
from lrs.core.errors import Conflict, NotFound, NotPermitted
from lrs.organisations.models import Organisation
from lrs.soap.models import WebServiceCredential
from lrs.soapwire.envelope import Credentials
from lrs.soapwire.faults import SoapFault
from lrs.users.models import User
from lrs.users.services import audit_refusal

PASSWORD_LENGTH = 16
_ALPHABET = string.ascii_letters + string.digits
AUTH_ACTION = "soap.authenticate"


def generate_password() -> str:
    """16 random letters and digits (about 95 bits), with each kind present, since some
    client configurations insist on mixed characters."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(PASSWORD_LENGTH))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            return candidate


def password_digest(password: str) -> str:
    # The password is generated here with about 95 bits of entropy (never chosen by a
    # person), so a fast hash is safe, as for API tokens (lrs.users.tokens): there is
    # nothing to brute-force. A slow password hasher (Argon2) would instead cost tens of
    # milliseconds on every SOAP call.
    return hashlib.sha256(password.encode()).hexdigest()


def password_matches(password: str, stored_digest: str) -> bool:
    """Whether the password is the one stored, compared in constant time."""
    if not password or not stored_digest:
        return False
    return hmac.compare_digest(password_digest(password), stored_digest)


def _require_super_user(actor: User, organisation: Organisation) -> None:
    if not actor.can(Capability.MANAGE_USERS) or actor.organisation_id != organisation.pk:
        raise NotPermitted(
            "Only a super user of this organisation can manage its web service credentials"
        )


def _locked(organisation: Organisation) -> WebServiceCredential | None:
    return (
        WebServiceCredential.objects.select_for_update().filter(organisation=organisation).first()
    )


@transaction.atomic
def ws_credential_create(
    *, actor: User, organisation: Organisation
) -> tuple[WebServiceCredential, str]:
    """Create the organisation's web-service password; returns it in plain text, once."""
    _require_super_user(actor, organisation)
    existing = _locked(organisation)
    if existing is not None and existing.is_usable:
        raise Conflict(
            "ws_credential_exists",
            "This organisation already has a web service password; rotate it instead",
        )
    password = generate_password()
    now = timezone.now()
    if existing is None:
        credential = WebServiceCredential.objects.create(
            organisation=organisation,
            password_hash=password_digest(password),
            created_at=now,
            set_at=now,
            set_by=actor,
        )
    else:
        credential = existing
        credential.password_hash = password_digest(password)
        credential.set_at = now
        credential.set_by = actor
        credential.revoked_at = None
        credential.save()
    audit_record(
        action="ws_credential.create",
        actor=actor,
        organisation=organisation,
        object_type="organisation",
        object_id=organisation.ukprn,
    )
    return credential, password


@transaction.atomic
def ws_credential_rotate(
    *, actor: User, organisation: Organisation
) -> tuple[WebServiceCredential, str]:
    """Replace the password; the old one stops working at once."""
    _require_super_user(actor, organisation)
    credential = _locked(organisation)
    if credential is None or not credential.is_usable:
        raise NotFound("This organisation has no web service password to rotate")
    password = generate_password()
    credential.password_hash = password_digest(password)
    credential.set_at = timezone.now()
    credential.set_by = actor
    credential.rotation_count += 1
    credential.save()
    audit_record(
        action="ws_credential.rotate",
        actor=actor,
        organisation=organisation,
        object_type="organisation",
        object_id=organisation.ukprn,
        detail={"rotation": credential.rotation_count},
    )
    return credential, password


@transaction.atomic
def ws_credential_revoke(*, actor: User, organisation: Organisation) -> WebServiceCredential:
    """Stop the organisation's web-service access until a new password is created."""
    _require_super_user(actor, organisation)
    credential = _locked(organisation)
    if credential is None or not credential.is_usable:
        raise NotFound("This organisation has no web service password to revoke")
    credential.password_hash = ""
    credential.revoked_at = timezone.now()
    credential.set_by = actor
    credential.save()
    audit_record(
        action="ws_credential.revoke",
        actor=actor,
        organisation=organisation,
        object_type="organisation",
        object_id=organisation.ukprn,
    )
    return credential


# --- Authentication ------------------------------------------------------------------


def _failure_limit() -> int:
    return int(getattr(settings, "LRS_SOAP_FAILURE_LIMIT", settings.AXES_FAILURE_LIMIT))


def _cooloff_seconds() -> int:
    return round(float(settings.AXES_COOLOFF_TIME) * 3600)


def _failure_key(organisation: Organisation) -> str:
    # Per organisation and client address, like django-axes' username + address for
    # sign-in: a guesser elsewhere cannot lock an organisation's own systems out.
    ip = context.current().ip_address or "-"
    return f"lrs-soap-auth-failures:{organisation.pk}:{ip}"


@transaction.atomic(savepoint=False)
def _refuse(
    fault: SoapFault,
    *,
    reason: str,
    who: str,
    actor: User | None = None,
    organisation: Organisation | None = None,
    username: str | None = None,
) -> SoapFault:
    """Audit the refusal (as sign-in failures are: never the password, the user name as
    given) against the organisation when it is known, so its refusals can be reviewed."""
    if organisation is None and actor is None:
        audit_refusal(actor=None, action=AUTH_ACTION, object_id=who[:64], reason=reason)
        return fault
    audit_record(
        action=AUTH_ACTION,
        actor=actor,
        organisation=organisation,
        object_type="user",
        object_id=who[:64],
        outcome=Outcome.REFUSED,
        detail={"reason": reason, "username": (username or "")[:150]},
    )
    return fault


def _organisation_key(credentials: Credentials) -> str:
    """The UKPRN the call names (its UKPRN or OrganisationRef), or a refusal."""
    ukprn = (credentials.ukprn or "").strip()
    ref = (credentials.organisation_ref or "").strip()
    if ukprn and ref and ukprn != ref:
        raise _refuse(
            SoapFault.unknown_organisation(
                "OrganisationRef and UKPRN name different organisations."
            ),
            reason="organisation_mismatch",
            who=ukprn,
        )
    key = ukprn or ref
    if not key:
        raise _refuse(
            SoapFault.unknown_organisation("Send the UKPRN (or OrganisationRef)."),
            reason="no_organisation",
            who="",
        )
    return key


def _usable_credential(organisation: Organisation) -> WebServiceCredential | None:
    # The reverse one-to-one, selected with the organisation by the lookups below, so no
    # further query is made; a missing row raises RelatedObjectDoesNotExist, an
    # AttributeError, hence getattr's default.
    credential: WebServiceCredential | None = getattr(organisation, "ws_credential", None)
    return credential if credential is not None and credential.is_usable else None


def _count_failure(key: str) -> None:
    """One more incorrect password, counted in the cache itself: ``add`` then ``incr`` are
    each atomic (locmem and Redis), so failures at the same moment are all counted, where
    reading the count and writing it back would lose all but one."""
    timeout = _cooloff_seconds()
    if cache.add(key, 1, timeout=timeout):
        return
    try:
        cache.incr(key)
    except ValueError:  # it expired between the two calls
        cache.add(key, 1, timeout=timeout)


def _caller(key: str, username: str) -> tuple[User | None, Organisation | None]:
    """The active user named, with their organisation, in one query; else the
    organisation alone, so that the refusals can be told apart."""
    user = (
        User.objects.select_related("organisation", "organisation__ws_credential")
        .filter(organisation__ukprn=key, username=username, is_active=True)
        .first()
        if username
        else None
    )
    if user is not None:
        return user, user.organisation
    return None, Organisation.objects.select_related("ws_credential").filter(ukprn=key).first()


def soap_authenticate(*, credentials: Credentials, capability: Capability | None = None) -> User:
    """The user a SOAP call speaks for, or a SoapFault (WSEC0003/0005/0006), audited.

    Every call pays for this, so the usual case is one query: the user, with its
    organisation and the organisation's credential. Only when that finds nothing is the
    organisation read on its own, to tell the refusals apart; the checks and their order
    are the same either way.
    """
    key = _organisation_key(credentials)
    username = (credentials.username or "").strip()
    user, organisation = _caller(key, username)
    if organisation is None or not organisation.is_active:
        raise _refuse(
            SoapFault.unknown_organisation(),
            reason="unknown_organisation" if organisation is None else "organisation_not_active",
            who=key,
            organisation=organisation,
        )
    who = organisation.ukprn
    credential = _usable_credential(organisation)
    if credential is None:
        raise _refuse(
            SoapFault.unknown_organisation(),
            reason="no_web_service_credential",
            who=who,
            organisation=organisation,
            username=credentials.username,
        )
    key = _failure_key(organisation)
    failures = int(cache.get(key, 0))
    if failures >= _failure_limit():
        raise _refuse(
            SoapFault.incorrect_password(
                "Too many incorrect passwords from this address; try again later."
            ),
            reason="locked_out",
            who=who,
            organisation=organisation,
            username=credentials.username,
        )
    if not password_matches(credentials.password or "", credential.password_hash):
        _count_failure(key)
        raise _refuse(
            SoapFault.incorrect_password(),
            reason="incorrect_password",
            who=who,
            organisation=organisation,
            username=credentials.username,
        )
    if failures:
        cache.delete(key)
    if user is None or not user.can(Capability.USE_API):
        raise _refuse(
            SoapFault.insufficient_access(
                "UserName is not an active user of this organisation allowed to use the web "
                "services."
            ),
            reason="unknown_or_inactive_user",
            who=who,
            organisation=organisation,
            username=username,
        )
    if capability is not None and not user.can(capability):
        raise _refuse(
            SoapFault.insufficient_access(),
            reason=f"lacks_{capability.value}",
            who=user.username,
            actor=user,
        )
    return user
