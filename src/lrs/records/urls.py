"""Viewing Personal Learning Records and uploading achievement files. Included by
lrs.portal.urls, so every name here is in the "portal" namespace (e.g. "portal:plr-view",
"portal:achievement-job-list"). Only ULNs, a job's public id and an error-file format
appear in these paths: the details a PLR is asked for are posted."""

from django.urls import path

import lrs.learners.urls  # noqa: F401  (registers the "uln" path converter)
from lrs.records import views, views_jobs

urlpatterns = [
    path("plr/", views.plr_view, name="plr-view"),
    path("learners/<uln:uln>/viewers/", views.plr_viewers_page, name="plr-viewers"),
    path("achievements/", views_jobs.job_list, name="achievement-job-list"),
    path("achievements/upload/", views_jobs.job_upload, name="achievement-job-upload"),
    path("achievements/<uuid:public_id>/", views_jobs.job_detail, name="achievement-job-detail"),
    path(
        "achievements/<uuid:public_id>/progress.json",
        views_jobs.job_progress,
        name="achievement-job-progress",
    ),
    path(
        "achievements/<uuid:public_id>/errors.<str:fmt>",
        views_jobs.job_errors,
        name="achievement-job-errors",
    ),
    path(
        "achievements/<uuid:public_id>/cancel/",
        views_jobs.job_cancel,
        name="achievement-job-cancel",
    ),
]
