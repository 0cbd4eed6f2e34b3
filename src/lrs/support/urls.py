"""Support request pages. Included by lrs.portal.urls, so every name here is in the
"portal" namespace. Only a request's reference and an attachment's number appear in
these paths, never a ULN (a ULN to prefill comes as ?uln=)."""

from django.urls import path

from lrs.support import views

urlpatterns = [
    path("support/", views.support_requests, name="support-requests"),
    path("support/new/", views.support_request_new, name="support-request-new"),
    path("support/uln-problem/", views.uln_problem_new, name="uln-problem-new"),
    path(
        "support/uln-problem/<str:kind>/",
        views.uln_problem_details,
        name="uln-problem-details",
    ),
    path("support/<str:reference>/", views.support_request_detail, name="support-request"),
    path(
        "support/<str:reference>/reply/",
        views.support_request_reply,
        name="support-request-reply",
    ),
    path(
        "support/<str:reference>/close/",
        views.support_request_close,
        name="support-request-close",
    ),
    path(
        "support/<str:reference>/attachments/<int:attachment_id>/",
        views.support_attachment,
        name="support-attachment",
    ),
    path("service-desk/support/", views.support_queue, name="support-queue"),
    path(
        "service-desk/support/<str:reference>/",
        views.support_request_manage,
        name="support-request-manage",
    ),
    path(
        "service-desk/support/<str:reference>/assign/",
        views.support_request_assign,
        name="support-request-assign",
    ),
    path(
        "service-desk/support/<str:reference>/status/",
        views.support_request_status,
        name="support-request-status",
    ),
]
