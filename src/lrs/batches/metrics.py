"""Batch metrics for /metrics, registered with lrs.core.observability in BatchesConfig.ready."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Sum
from prometheus_client.core import CounterMetricFamily

from lrs.batches.models import Batch


def batch_metrics() -> Iterator[Any]:
    batches = CounterMetricFamily(
        "lrs_batch_records_processed",
        "Batch file records processed, by batch kind",
        labels=["kind"],
    )
    for row in Batch.objects.values("kind").annotate(n=Sum("processed_records")):
        batches.add_metric([row["kind"]], row["n"] or 0)
    yield batches
