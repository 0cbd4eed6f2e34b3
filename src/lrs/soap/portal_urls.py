"""The portal pages of the SOAP facade (web service credentials). Included by
lrs.portal.urls, so every name here is in the "portal" namespace."""

from django.urls import path

from lrs.soap import portal_views

urlpatterns = [
    path("web-services/", portal_views.credentials, name="soap-credentials"),
    path(
        "web-services/<str:action>",
        portal_views.credentials_change,
        name="soap-credentials-change",
    ),
]
