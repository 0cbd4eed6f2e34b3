"""Reads of PLR data, scoped to the caller."""

from __future__ import annotations

from django.db.models import QuerySet

from lrs.access import Capability
from lrs.audit.models import AuditEntry
from lrs.core.errors import NotPermitted
from lrs.learners.models import Learner
from lrs.records.models import LearningEventChange, Qualification
from lrs.users.models import User

PLR_ACTIONS = ("plr.view", "learner.privacy_notice")


def plr_viewers(*, actor: User, learner: Learner) -> QuerySet[AuditEntry]:
    """Who has looked at this learner's PLR: organisation, user, time and action.

    For organisations that may see the learner (have found them) and the service desk.
    """
    from lrs.learners.selectors import learner_get

    if not actor.can(Capability.VIEW_PLR):
        raise NotPermitted("Your organisation may not view Personal Learning Records")
    learner_get(actor=actor, uln=learner.uln)  # raises NotFound unless visible
    return AuditEntry.objects.filter(
        object_type="uln", object_id=learner.uln, action__in=PLR_ACTIONS
    ).select_related("organisation", "actor")


def event_history(*, event_id: int) -> QuerySet[LearningEventChange]:
    return LearningEventChange.objects.filter(event_id=event_id).select_related(
        "actor", "organisation"
    )


def qualification_search(
    *, text: str = "", awarding_organisation_id: int | None = None
) -> QuerySet[Qualification]:
    found = Qualification.objects.select_related("awarding_organisation")
    if text:
        found = found.filter(reference__icontains=text) | found.filter(title__icontains=text)
    if awarding_organisation_id is not None:
        found = found.filter(awarding_organisation_id=awarding_organisation_id)
    return found.order_by("reference")
