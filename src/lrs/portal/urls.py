from django.urls import include, path

from lrs.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("lrs.users.urls")),
    path("", include("lrs.twofactor.urls")),
    path("", include("lrs.dfesignin.urls")),
    path("", include("lrs.learners.urls")),
    path("", include("lrs.batches.urls")),
    path("", include("lrs.records.urls")),
    path("", include("lrs.misuse.urls")),
    path("", include("lrs.challenges.urls")),
    path("", include("lrs.organisations.urls")),
    path("", include("lrs.duplicates.urls")),
    path("", include("lrs.publications.urls")),
    path("", include("lrs.servicedesk.urls")),
    path("", include("lrs.soap.portal_urls")),
    path("", include("lrs.guidance.urls")),
    path("", include("lrs.support.urls")),
    path("", include("lrs.credentials.urls")),
    path("", include("lrs.learnerportal.desk_urls")),
]
