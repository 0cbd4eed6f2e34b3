"""Guidance pages. Included by lrs.portal.urls, so every name here is in the "portal"
namespace."""

from django.urls import include, path

from lrs.guidance import views

urlpatterns: list = [
    path("guidance/reference/", include("lrs.guidance.reference_urls")),
    path("guidance/", views.guidance_index, name="guidance"),
    path("guidance/search/", views.guidance_search, name="guidance-search"),
    path("guidance/<slug:guide>/", views.guidance_guide, name="guidance-guide"),
    path("guidance/<slug:guide>/<slug:page>/", views.guidance_page, name="guidance-page"),
]
