"""Included by lrs.portal.urls, so every name here is in the "portal" namespace."""

from django.urls import path

from lrs.servicedesk import views, views_audit

urlpatterns = [
    path("audit/", views_audit.audit_search, name="audit-search"),
    path("service-desk/", views.dashboard, name="service-desk"),
    path(
        "service-desk/matching-parameters",
        views.matching_parameters,
        name="service-desk-matching-parameters",
    ),
]
