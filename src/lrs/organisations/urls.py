"""Included by lrs.portal.urls, so every name here is in the "portal" namespace. Every
name starts "organisation-" so the service navigation shows these pages under
Organisations."""

from django.urls import path, re_path

from lrs.organisations import views

_ORG = r"^organisations/(?P<ukprn>[0-9]{8})/"

urlpatterns = [
    path("organisations/apply", views.organisation_apply, name="organisation-apply"),
    path(
        "organisations/apply/submitted",
        views.organisation_apply_done,
        name="organisation-apply-done",
    ),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/applications/", views.application_list, name="organisation-applications"),
    path(
        "organisations/applications/<str:reference>/",
        views.application_detail,
        name="organisation-application",
    ),
    path(
        "organisations/applications/<str:reference>/approve",
        views.application_approve,
        name="organisation-application-approve",
    ),
    path(
        "organisations/applications/<str:reference>/reject",
        views.application_reject,
        name="organisation-application-reject",
    ),
    re_path(_ORG + r"$", views.organisation_detail, name="organisation-detail"),
    re_path(
        _ORG + r"(?P<action>suspend|reinstate|close)$",
        views.organisation_change_status,
        name="organisation-change-status",
    ),
    re_path(
        _ORG + r"users/(?P<user_id>[0-9]+)/sign-in-link$",
        views.organisation_sign_in_link,
        name="organisation-sign-in-link",
    ),
]
