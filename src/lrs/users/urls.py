"""Signing out, users and API tokens (signing in is twofactor's: the password step hands
on to the second). Included by lrs.portal.urls, so every name here is in the "portal"
namespace (e.g. "portal:sign-out")."""

from django.urls import path

from lrs.users import views

urlpatterns = [
    path("sign-out", views.sign_out, name="sign-out"),
    path(
        "account/set-password/<str:uidb64>/<str:token>",
        views.set_password,
        name="set-password",
    ),
    path("users/", views.user_list, name="users"),
    path("users/new", views.user_create, name="user-create"),
    path("users/<int:user_id>/", views.user_detail, name="user-detail"),
    path("users/<int:user_id>/role", views.user_change_role, name="user-change-role"),
    path("users/<int:user_id>/deactivate", views.user_deactivate, name="user-deactivate"),
    path("users/<int:user_id>/reactivate", views.user_reactivate, name="user-reactivate"),
    path(
        "users/<int:user_id>/reset-password",
        views.user_reset_password,
        name="user-reset-password",
    ),
    path("api-tokens/", views.api_token_list, name="api-tokens"),
    path("api-tokens/new", views.api_token_create, name="api-token-create"),
    path("api-tokens/<int:token_id>/revoke", views.api_token_revoke, name="api-token-revoke"),
]
