"""Batch files in the portal. Included by lrs.portal.urls, so every name here is in the
"portal" namespace (e.g. "portal:batch-list"). Only a batch's public id, a row number and
an output format appear in these paths; the exceptions filter adds only a return code."""

from django.urls import path

from lrs.batches import views

urlpatterns = [
    path("batches/", views.batch_list, name="batch-list"),
    path("batches/upload/", views.batch_upload, name="batch-upload"),
    path("batches/upload/again/", views.batch_upload_again, name="batch-upload-again"),
    path("batches/validate/", views.batch_validate, name="batch-validate"),
    path("batches/template/<str:kind>.<str:fmt>", views.batch_template, name="batch-template"),
    path("batches/exceptions/", views.batch_exceptions, name="batch-exceptions-all"),
    path("batches/<uuid:public_id>/", views.batch_detail, name="batch-detail"),
    path("batches/<uuid:public_id>/progress.json", views.batch_progress, name="batch-progress"),
    path("batches/<uuid:public_id>/output.<str:fmt>", views.batch_output, name="batch-output"),
    path("batches/<uuid:public_id>/exceptions/", views.batch_exceptions, name="batch-exceptions"),
    path(
        "batches/<uuid:public_id>/exceptions/<int:row>/",
        views.batch_exception_resolve,
        name="batch-exception-resolve",
    ),
]
