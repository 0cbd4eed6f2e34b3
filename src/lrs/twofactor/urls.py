"""Included by lrs.portal.urls: names are in the "portal" namespace."""

from django.urls import path

from lrs.twofactor import views

urlpatterns = [
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-in/code", views.sign_in_code, name="sign-in-code"),
    path("sign-in/set-up-two-factor", views.sign_in_set_up, name="sign-in-set-up"),
    path("account/two-factor/", views.account, name="two-factor"),
    path("account/two-factor/set-up", views.account_set_up, name="two-factor-set-up"),
    path(
        "account/two-factor/recovery-codes",
        views.recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path(
        "account/two-factor/new-recovery-codes",
        views.account_new_codes,
        name="two-factor-new-codes",
    ),
    path("account/two-factor/turn-off", views.account_turn_off, name="two-factor-turn-off"),
    path(
        "users/<int:user_id>/reset-two-factor",
        views.user_reset_two_factor,
        name="user-reset-two-factor",
    ),
]
