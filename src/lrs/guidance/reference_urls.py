"""The reference pages, included under guidance/reference/ (the "portal" namespace)."""

from django.urls import path

from lrs.guidance import reference_views as views

urlpatterns: list = [
    path("", views.reference_index, name="reference"),
    path("codes/", views.reference_codes, name="reference-codes"),
    path("codes/<str:code>/", views.reference_code, name="reference-code"),
    path("batch-files/", views.reference_batch_files, name="reference-batch-files"),
    path("batch-files/<slug:name>.xsd", views.reference_xsd, name="reference-xsd"),
    path(
        "achievement-files/",
        views.reference_achievement_files,
        name="reference-achievement-files",
    ),
    path("challenges/", views.reference_challenges, name="reference-challenges"),
]
