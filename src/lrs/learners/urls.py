"""Finding, registering, viewing, updating and verifying learners. Included by
lrs.portal.urls, so every name here is in the "portal" namespace (e.g.
"portal:learner-find"). Only ULNs ever appear in these paths: personal data is posted."""

from django.urls import path, register_converter

from lrs.learners import views


class UlnConverter:
    """Ten digits: anything else is not a ULN, and so not a page."""

    regex = "[0-9]{10}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UlnConverter, "uln")

urlpatterns = [
    path("learners/find", views.learner_find, name="learner-find"),
    path("learners/register", views.learner_register, name="learner-register"),
    path("learners/verify", views.learner_verify, name="learner-verify"),
    path("learners/find-by-uln", views.learner_lookup, name="learner-lookup"),
    path("learners/retrieve", views.learner_retrieve, name="learner-retrieve"),
    path("learners/<uln:uln>/", views.learner_detail, name="learner-detail"),
    path("learners/<uln:uln>/update", views.learner_update, name="learner-update"),
    path("learners/<uln:uln>/registered", views.learner_registered, name="learner-registered"),
]
