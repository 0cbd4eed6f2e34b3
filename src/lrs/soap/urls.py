"""The SOAP endpoints, at the root as the real service has them."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
