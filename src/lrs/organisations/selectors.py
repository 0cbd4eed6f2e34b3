from __future__ import annotations

from lrs.core.errors import NotFound
from lrs.organisations.models import Organisation


def organisation_get_by_ukprn(*, ukprn: str) -> Organisation:
    try:
        return Organisation.objects.get(ukprn=ukprn.strip())
    except Organisation.DoesNotExist:
        raise NotFound(f"No organisation has UKPRN {ukprn}") from None
