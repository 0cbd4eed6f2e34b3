"""The service desk's queue of learners' reports and paper requests. Included by
lrs.portal.urls, so every name here is in the "portal" namespace."""

from django.urls import path

from lrs.learnerportal import views_desk

urlpatterns = [
    path("service-desk/learners/", views_desk.learner_requests, name="learner-requests"),
    path(
        "service-desk/learners/reports/<str:reference>/",
        views_desk.learner_report_manage,
        name="learner-report-manage",
    ),
    path(
        "service-desk/learners/reports/<str:reference>/challenge",
        views_desk.learner_report_raise,
        name="learner-report-raise",
    ),
    path(
        "service-desk/learners/reports/<str:reference>/decide",
        views_desk.learner_report_decide,
        name="learner-report-decide",
    ),
    path(
        "service-desk/learners/copies/<str:reference>/",
        views_desk.paper_request_manage,
        name="paper-request-manage",
    ),
    path(
        "service-desk/learners/copies/<str:reference>/send",
        views_desk.paper_request_send,
        name="paper-request-send",
    ),
    path(
        "service-desk/learners/copies/<str:reference>/refuse",
        views_desk.paper_request_refuse,
        name="paper-request-refuse",
    ),
    path(
        "service-desk/learners/copies/<str:reference>/evidence/<int:evidence_id>",
        views_desk.paper_evidence,
        name="paper-evidence",
    ),
]
