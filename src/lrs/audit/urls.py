"""The audit log search. Included by lrs.portal.urls, in the "portal" namespace."""

from django.urls import path

from lrs.audit import views

urlpatterns = [
    path("audit/", views.audit_search, name="audit-search"),
]
