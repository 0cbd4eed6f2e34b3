from django.urls import include, path

from lrs.api.urls import api
from lrs.core.observability import metrics
from lrs.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("api/v1/", api.urls),
    path("", include("lrs.soap.urls")),
    path("", include("lrs.learnerportal.urls")),
    path("", include("lrs.portal.urls")),
]

handler403 = "lrs.portal.views.forbidden"
handler404 = "lrs.portal.views.not_found"
handler500 = "lrs.portal.views.server_error"
