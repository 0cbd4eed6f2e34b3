from django.urls import include, path

from lrs.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("lrs.users.urls")),
    path("", include("lrs.audit.urls")),
    path("", include("lrs.learners.urls")),
    path("", include("lrs.batches.urls")),
    path("", include("lrs.records.urls")),
    path("", include("lrs.misuse.urls")),
    path("", include("lrs.challenges.urls")),
]
