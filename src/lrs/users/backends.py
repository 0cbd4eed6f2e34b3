from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from lrs.access import OrganisationStatus
from lrs.users.models import User


class OrganisationAwareBackend(ModelBackend):
    """Refuses users who are deactivated or whose organisation is not active.

    Django asks ``user_can_authenticate`` both at sign-in and when it loads the user
    for every request, so suspending an organisation ends its sessions at once.
    """

    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        organisation = getattr(user, "organisation", None)
        return organisation is not None and organisation.status == OrganisationStatus.ACTIVE

    def get_user(self, user_id: Any) -> Any:
        try:
            user = User.objects.select_related("organisation").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
