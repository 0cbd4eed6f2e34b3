"""Misuse metrics for /metrics, registered with lrs.core.observability in MisuseConfig.ready."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily

from lrs.misuse.models import MisuseAlert


def misuse_metrics() -> Iterator[Any]:
    suspensions = CounterMetricFamily(
        "lrs_misuse_suspensions", "Accounts suspended by the misuse watch"
    )
    suspensions.add_metric([], MisuseAlert.objects.count())
    yield suspensions
