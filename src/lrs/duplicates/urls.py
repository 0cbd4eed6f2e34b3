"""The service desk's duplicate pages. Included by lrs.portal.urls, so every name here is
in the "portal" namespace; every name starts "duplicate-" or "learner-merge", which puts
the page under "Duplicates" in the navigation."""

from django.urls import path, re_path

from lrs.duplicates import views

urlpatterns = [
    path("duplicates/", views.pair_list, name="duplicate-list"),
    path("duplicates/scan", views.scan_request, name="duplicate-scan"),
    path("duplicates/propose", views.pair_propose, name="duplicate-propose"),
    path("duplicates/<int:pair_id>/", views.pair_detail, name="duplicate-pair"),
    path("duplicates/merge", views.learner_merge, name="learner-merge"),
    path("duplicates/merges/", views.merge_list, name="duplicate-merge-list"),
    path("duplicates/merges/<int:merge_id>/", views.merge_detail, name="duplicate-merge"),
    # Only a ULN in the path, never anything personal (as on the learner pages).
    re_path(
        r"^duplicates/merges/of/(?P<uln>[0-9]{10})/$",
        views.merge_of_learner,
        name="duplicate-merge-of",
    ),
]
