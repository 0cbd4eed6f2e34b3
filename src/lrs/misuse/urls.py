"""The misuse watch's pages. Included by lrs.portal.urls, so every name here is in the
"portal" namespace. "user-usage" sits under Manage users in the navigation."""

from django.urls import path

from lrs.misuse import views

urlpatterns = [
    path("users/usage", views.usage, name="user-usage"),
    path("suspended-accounts/", views.alert_list, name="misuse-alerts"),
    path("suspended-accounts/<int:alert_id>/", views.alert_detail, name="misuse-alert"),
]
