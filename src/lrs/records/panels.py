"""Sections other apps add to the PLR result page, without records importing them.

An app registers a panel in its AppConfig.ready (credentials adds "Verifiable
credentials"). Each panel is a template and a function giving its context; a function
returning an empty dict leaves its section out (the template checks ``{% if panel %}``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lrs.learners.models import Learner
    from lrs.records.models import LearningEvent
    from lrs.users.models import User

PanelContext = Callable[["User", "Learner | None", "list[LearningEvent]"], dict[str, Any]]


@dataclass(frozen=True)
class PlrPanel:
    key: str
    template: str
    context: PanelContext


_PANELS: dict[str, PlrPanel] = {}


def plr_panel_register(*, key: str, template: str, context: PanelContext) -> None:
    """Add (or, for the same key, replace) a section of the PLR result page."""
    _PANELS[key] = PlrPanel(key=key, template=template, context=context)


def plr_panels(
    actor: User, learner: Learner | None, events: list[LearningEvent]
) -> list[dict[str, Any]]:
    """The registered sections for this page, in registration order: template and its
    ``panel`` context."""
    return [
        {"template": p.template, "panel": p.context(actor, learner, events)}
        for p in _PANELS.values()
    ]
