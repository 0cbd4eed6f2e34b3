"""The access policy of LRS.

Every permission check in the service asks ``is_allowed`` (or ``capabilities_for``).
A capability is granted only when the organisation is active, its *type* permits the
capability, and the user's *role* permits it: the two tables below are the whole policy.

Learners are not users of an organisation and hold no capabilities. Who may enter which
kind of page is the second half of the policy (``Audience``, ``may_enter``, at the end).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class OrganisationType(StrEnum):
    SCHOOL = "school"
    FURTHER_EDUCATION_COLLEGE = "further_education_college"
    TRAINING_PROVIDER = "training_provider"
    HIGHER_EDUCATION_PROVIDER = "higher_education_provider"
    LOCAL_AUTHORITY = "local_authority"
    PRISON_EDUCATION_PROVIDER = "prison_education_provider"
    AWARDING_ORGANISATION = "awarding_organisation"
    SERVICE_DESK = "service_desk"


class OrganisationStatus(StrEnum):
    APPLYING = "applying"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class Role(StrEnum):
    SUPER_USER = "super_user"
    BATCH_USER = "batch_user"
    ONLINE_USER = "online_user"
    VIEW_LEARNER_ONLY = "view_learner_only"
    AWARDING_ORGANISATION_USER = "awarding_organisation_user"
    SERVICE_DESK_USER = "service_desk_user"


class Capability(StrEnum):
    FIND_LEARNER = "find_learner"
    REGISTER_LEARNER = "register_learner"
    UPDATE_LEARNER = "update_learner"
    VERIFY_LEARNER = "verify_learner"
    RETRIEVE_ULNS = "retrieve_ulns"
    SUBMIT_BATCH = "submit_batch"
    SUBMIT_VERIFY_BATCH = "submit_verify_batch"
    VIEW_PLR = "view_plr"
    UPLOAD_ACHIEVEMENTS = "upload_achievements"
    RAISE_CHALLENGE = "raise_challenge"
    RESOLVE_CHALLENGE = "resolve_challenge"
    MANAGE_USERS = "manage_users"
    USE_API = "use_api"
    # Service desk only.
    APPROVE_ORGANISATIONS = "approve_organisations"
    MERGE_LEARNERS = "merge_learners"
    MEDIATE_CHALLENGES = "mediate_challenges"
    PUBLISH_LISTS = "publish_lists"
    SEARCH_AUDIT = "search_audit"


ORGANISATION_TYPE_LABELS: dict[OrganisationType, str] = {
    OrganisationType.SCHOOL: "School",
    OrganisationType.FURTHER_EDUCATION_COLLEGE: "Further education college",
    OrganisationType.TRAINING_PROVIDER: "Training provider",
    OrganisationType.HIGHER_EDUCATION_PROVIDER: "Higher education provider",
    OrganisationType.LOCAL_AUTHORITY: "Local authority",
    OrganisationType.PRISON_EDUCATION_PROVIDER: "Prison education provider",
    OrganisationType.AWARDING_ORGANISATION: "Awarding organisation",
    OrganisationType.SERVICE_DESK: "LRS service desk",
}

ROLE_LABELS: dict[Role, str] = {
    Role.SUPER_USER: "Super user",
    Role.BATCH_USER: "Batch user",
    Role.ONLINE_USER: "Online user",
    Role.VIEW_LEARNER_ONLY: "View learner only",
    Role.AWARDING_ORGANISATION_USER: "Awarding organisation user",
    Role.SERVICE_DESK_USER: "Service desk user",
}

C = Capability

_LEARNING_PROVIDER = frozenset(
    {
        C.FIND_LEARNER,
        C.REGISTER_LEARNER,
        C.UPDATE_LEARNER,
        C.VERIFY_LEARNER,
        C.RETRIEVE_ULNS,
        C.SUBMIT_BATCH,
        C.VIEW_PLR,
        C.RAISE_CHALLENGE,
        C.MANAGE_USERS,
        C.USE_API,
    }
)

# What an organisation of each type may ever do, whoever its user is.
ORGANISATION_TYPE_CAPABILITIES: dict[OrganisationType, frozenset[Capability]] = {
    OrganisationType.SCHOOL: _LEARNING_PROVIDER,
    OrganisationType.FURTHER_EDUCATION_COLLEGE: _LEARNING_PROVIDER,
    OrganisationType.TRAINING_PROVIDER: _LEARNING_PROVIDER,
    OrganisationType.HIGHER_EDUCATION_PROVIDER: _LEARNING_PROVIDER,
    OrganisationType.PRISON_EDUCATION_PROVIDER: _LEARNING_PROVIDER,
    OrganisationType.LOCAL_AUTHORITY: _LEARNING_PROVIDER,
    # Awarding organisations verify the ULNs centres give them and see their own events
    # on a PLR, but never search the register by demographics.
    OrganisationType.AWARDING_ORGANISATION: frozenset(
        {
            C.VERIFY_LEARNER,
            C.RETRIEVE_ULNS,
            C.SUBMIT_VERIFY_BATCH,
            C.VIEW_PLR,
            C.UPLOAD_ACHIEVEMENTS,
            C.RESOLVE_CHALLENGE,
            C.MANAGE_USERS,
            C.USE_API,
        }
    ),
    # The service desk does not read PLRs: viewing is for learning providers and local
    # authorities (and awarding organisations, their own events). It sees a challenged
    # event's values in the challenge itself.
    OrganisationType.SERVICE_DESK: frozenset(
        {
            C.FIND_LEARNER,
            C.UPDATE_LEARNER,
            C.VERIFY_LEARNER,
            C.RETRIEVE_ULNS,
            C.RESOLVE_CHALLENGE,
            C.MANAGE_USERS,
            C.USE_API,
            C.APPROVE_ORGANISATIONS,
            C.MERGE_LEARNERS,
            C.MEDIATE_CHALLENGES,
            C.PUBLISH_LISTS,
            C.SEARCH_AUDIT,
        }
    ),
}

_ALL = frozenset(Capability)

# What a role may do, within what its organisation's type allows.
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.SUPER_USER: _ALL,
    Role.BATCH_USER: frozenset(
        {
            C.FIND_LEARNER,
            C.REGISTER_LEARNER,
            C.UPDATE_LEARNER,
            C.VERIFY_LEARNER,
            C.RETRIEVE_ULNS,
            C.SUBMIT_BATCH,
            C.VIEW_PLR,
            C.RAISE_CHALLENGE,
            C.USE_API,
        }
    ),
    Role.ONLINE_USER: frozenset(
        {
            C.FIND_LEARNER,
            C.REGISTER_LEARNER,
            C.UPDATE_LEARNER,
            C.VERIFY_LEARNER,
            C.RETRIEVE_ULNS,
            C.VIEW_PLR,
            C.RAISE_CHALLENGE,
            C.USE_API,
        }
    ),
    Role.VIEW_LEARNER_ONLY: frozenset(
        {C.FIND_LEARNER, C.VERIFY_LEARNER, C.RETRIEVE_ULNS, C.VIEW_PLR, C.USE_API}
    ),
    Role.AWARDING_ORGANISATION_USER: frozenset(
        {
            C.VERIFY_LEARNER,
            C.RETRIEVE_ULNS,
            C.SUBMIT_VERIFY_BATCH,
            C.VIEW_PLR,
            C.UPLOAD_ACHIEVEMENTS,
            C.RESOLVE_CHALLENGE,
            C.USE_API,
        }
    ),
    Role.SERVICE_DESK_USER: _ALL - {C.MANAGE_USERS},
}

_PROVIDER_ROLES = frozenset(
    {Role.SUPER_USER, Role.BATCH_USER, Role.ONLINE_USER, Role.VIEW_LEARNER_ONLY}
)

# Which roles a user of each type of organisation may hold.
ROLES_BY_ORGANISATION_TYPE: dict[OrganisationType, frozenset[Role]] = {
    **dict.fromkeys(OrganisationType, _PROVIDER_ROLES),
    OrganisationType.AWARDING_ORGANISATION: frozenset(
        {Role.SUPER_USER, Role.AWARDING_ORGANISATION_USER}
    ),
    OrganisationType.SERVICE_DESK: frozenset({Role.SUPER_USER, Role.SERVICE_DESK_USER}),
}


class Actor(Protocol):
    """Whoever asks, as far as a permission check needs to know them. A signed-in User
    is one; code below users (audit's search) takes an Actor instead of importing User."""

    def can(self, capability: Capability) -> bool: ...


def roles_allowed_in(organisation_type: OrganisationType | str) -> frozenset[Role]:
    return ROLES_BY_ORGANISATION_TYPE[OrganisationType(organisation_type)]


def capabilities_for(
    *,
    organisation_type: OrganisationType | str,
    organisation_status: OrganisationStatus | str,
    role: Role | str,
) -> frozenset[Capability]:
    """Everything a user with ``role`` in such an organisation may do right now."""
    if OrganisationStatus(organisation_status) is not OrganisationStatus.ACTIVE:
        return frozenset()
    org_type = OrganisationType(organisation_type)
    user_role = Role(role)
    if user_role not in ROLES_BY_ORGANISATION_TYPE[org_type]:
        return frozenset()
    return ORGANISATION_TYPE_CAPABILITIES[org_type] & ROLE_CAPABILITIES[user_role]


def is_allowed(
    *,
    organisation_type: OrganisationType | str,
    organisation_status: OrganisationStatus | str,
    role: Role | str,
    capability: Capability,
) -> bool:
    return capability in capabilities_for(
        organisation_type=organisation_type,
        organisation_status=organisation_status,
        role=role,
    )


# --- Learners and organisation users never share a page --------------------------------
#
# A person is in one of three states: a stranger (signed in to nothing), an organisation
# user (signed in with a username and password, the only people Django knows as
# ``request.user``) or a learner (signed in with GOV.UK One Login to see their own
# record). A browser is never both: signing in as one ends the other. Every page and API
# endpoint is for one audience, and only these visitors may enter:


class Audience(StrEnum):
    # Guidance, published lists, the organisation application form, a share's page for
    # its recipient: a learner or an organisation user sees exactly what a stranger sees.
    PUBLIC = "public"
    # Every page behind an organisation sign-in: providers, awarding organisations and
    # the service desk. A learner is a stranger here, sent to the organisation sign-in.
    ORGANISATION = "organisation"
    # A learner's own record, shares, viewers and reports. An organisation user is
    # refused (never shown a learner's page), a stranger sent to the learner sign-in.
    LEARNER = "learner"


class Visitor(StrEnum):
    STRANGER = "stranger"
    ORGANISATION_USER = "organisation_user"
    LEARNER = "learner"


AUDIENCE_VISITORS: dict[Audience, frozenset[Visitor]] = {
    Audience.PUBLIC: frozenset(Visitor),
    Audience.ORGANISATION: frozenset({Visitor.ORGANISATION_USER}),
    Audience.LEARNER: frozenset({Visitor.LEARNER}),
}


def may_enter(*, audience: Audience | str, visitor: Visitor | str) -> bool:
    """Whether ``visitor`` may use a page or endpoint meant for ``audience``."""
    return Visitor(visitor) in AUDIENCE_VISITORS[Audience(audience)]
