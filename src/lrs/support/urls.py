"""Support request pages. Included by lrs.portal.urls, so every name here is in the
"portal" namespace."""

urlpatterns: list = []
