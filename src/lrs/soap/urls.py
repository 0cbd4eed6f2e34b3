"""The SOAP endpoints, at the root as the real service has them."""

from django.urls import path

from lrs.soap import views

urlpatterns = [
    path("LearnerService.svc", views.learner_service, name="soap-learner-service"),
    path("LearnerServiceR9.svc", views.learner_service_r9, name="soap-learner-service-r9"),
]
