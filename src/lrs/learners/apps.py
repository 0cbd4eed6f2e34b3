from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "lrs.learners"
    label = "learners"
    verbose_name = "Learner register"
