"""Included by lrs.portal.urls: names are in the "portal" namespace."""

from django.urls import path

from lrs.dfesignin import views

urlpatterns = [
    path("sign-in/dfe", views.start, name="dfe-sign-in"),
    path("sign-in/dfe/callback", views.callback, name="dfe-sign-in-callback"),
]
