"""Credential pages. Included by lrs.portal.urls (names in the "portal" namespace); the DID
document is at the site root as did:web requires."""

from django.urls import path

from lrs.credentials import views

urlpatterns = [
    path(".well-known/did.json", views.did_document, name="did-document"),
    path("credentials/status/<int:number>", views.status_list, name="credential-status-list"),
    path("verify", views.verify, name="credential-verify"),
    path("credentials/issue/", views.issue, name="credential-issue"),
    path(
        "credentials/<uuid:public_id>/download",
        views.download,
        name="credential-download",
    ),
]
