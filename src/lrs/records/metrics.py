"""Achievement-file metrics for /metrics, registered with lrs.core.observability in
RecordsConfig.ready."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Sum
from prometheus_client.core import CounterMetricFamily

from lrs.records.models import AchievementJob


def achievement_metrics() -> Iterator[Any]:
    achievements = CounterMetricFamily(
        "lrs_achievement_records_processed", "Achievement file records processed"
    )
    total = AchievementJob.objects.aggregate(n=Sum("processed_records"))["n"]
    achievements.add_metric([], total or 0)
    yield achievements
