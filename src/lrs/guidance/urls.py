"""Guidance pages. Included by lrs.portal.urls, so every name here is in the "portal"
namespace."""

from django.urls import include, path

urlpatterns: list = [
    path("guidance/reference/", include("lrs.guidance.reference_urls")),
]
