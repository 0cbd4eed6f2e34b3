"""Who may do what: the single place that decides it (framework-free)."""

from lrs.access.policy import (
    ORGANISATION_TYPE_LABELS,
    ROLE_LABELS,
    Actor,
    Audience,
    Capability,
    OrganisationStatus,
    OrganisationType,
    Role,
    Visitor,
    capabilities_for,
    is_allowed,
    may_enter,
    roles_allowed_in,
)

__all__ = [
    "ORGANISATION_TYPE_LABELS",
    "ROLE_LABELS",
    "Actor",
    "Audience",
    "Capability",
    "OrganisationStatus",
    "OrganisationType",
    "Role",
    "Visitor",
    "capabilities_for",
    "is_allowed",
    "may_enter",
    "roles_allowed_in",
]
