from django.apps import AppConfig


class ChallengesConfig(AppConfig):
    name = "lrs.challenges"
    label = "challenges"
    verbose_name = "Event data challenges"
