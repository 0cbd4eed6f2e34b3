"""Event data challenge pages. Included by lrs.portal.urls, so every name here is in the
"portal" namespace (e.g. "portal:challenge-list"). Only a learning event's public id, a
challenge's reference and an evidence file's number appear in these paths."""

from django.urls import path

from lrs.challenges import views

urlpatterns = [
    path("challenges/", views.challenge_list, name="challenge-list"),
    path("challenges/export.csv", views.challenge_export, name="challenge-export"),
    path("challenges/raise/", views.challenge_start, name="challenge-start"),
    path("challenges/raise/<uuid:public_id>/", views.challenge_raise, name="challenge-raise"),
    path("challenges/reports/", views.challenge_reports, name="challenge-reports"),
    path("challenges/reports/report.csv", views.challenge_report_csv, name="challenge-report-csv"),
    path("challenges/<str:reference>/", views.challenge_detail, name="challenge-detail"),
    path("challenges/<str:reference>/raised/", views.challenge_raised, name="challenge-raised"),
    path(
        "challenges/<str:reference>/acknowledge/",
        views.challenge_acknowledge,
        name="challenge-acknowledge",
    ),
    path(
        "challenges/<str:reference>/withdraw/",
        views.challenge_withdraw,
        name="challenge-withdraw",
    ),
    path("challenges/<str:reference>/resolve/", views.challenge_resolve, name="challenge-resolve"),
    path(
        "challenges/<str:reference>/evidence/",
        views.challenge_evidence_add,
        name="challenge-evidence-add",
    ),
    path(
        "challenges/<str:reference>/evidence/<int:evidence_id>/",
        views.challenge_evidence,
        name="challenge-evidence",
    ),
]
