"""Reading web-service credentials."""

from __future__ import annotations

from lrs.organisations.models import Organisation
from lrs.soap.models import WebServiceCredential


def ws_credential_for(*, organisation: Organisation) -> WebServiceCredential | None:
    return (
        WebServiceCredential.objects.select_related("set_by")
        .filter(organisation=organisation)
        .first()
    )
