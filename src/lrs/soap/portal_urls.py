"""The portal pages of the SOAP facade (web service credentials). Included by
lrs.portal.urls, so every name here is in the "portal" namespace."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
