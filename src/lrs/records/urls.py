"""Viewing Personal Learning Records. Included by lrs.portal.urls, so every name here is
in the "portal" namespace (e.g. "portal:plr-view"). Only ULNs appear in these paths: the
details a PLR is asked for are posted."""

from django.urls import path

import lrs.learners.urls  # noqa: F401  (registers the "uln" path converter)
from lrs.records import views

urlpatterns = [
    path("plr/", views.plr_view, name="plr-view"),
    path("learners/<uln:uln>/viewers/", views.plr_viewers_page, name="plr-viewers"),
]
