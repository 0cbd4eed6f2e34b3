"""Who may do what: the single place that decides it (framework-free)."""

from lrs.access.policy import (
    ORGANISATION_TYPE_LABELS,
    ROLE_LABELS,
    Capability,
    OrganisationStatus,
    OrganisationType,
    Role,
    capabilities_for,
    is_allowed,
    roles_allowed_in,
)

__all__ = [
    "ORGANISATION_TYPE_LABELS",
    "ROLE_LABELS",
    "Capability",
    "OrganisationStatus",
    "OrganisationType",
    "Role",
    "capabilities_for",
    "is_allowed",
    "roles_allowed_in",
]
