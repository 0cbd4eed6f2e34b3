"""What the service says about itself: one structured log line per request and per
background task, and the Prometheus metrics behind ``/metrics``.

Log lines carry the request id the audit log records, so an operator can go from a line
to the audit entries it caused. They never carry a path (a path may hold a ULN or a
share code): the route pattern instead, such as ``learners/<str:uln>``.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector
from pythonjsonlogger.json import JsonFormatter

from lrs.core import context
from lrs.core.middleware import client_ip

request_log = logging.getLogger("lrs.request")
task_log = logging.getLogger("lrs.task")

# --- Metrics kept by each process ------------------------------------------------------

REQUESTS = Counter(
    "lrs_http_requests",
    "Requests answered, by route, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "lrs_http_request_duration_seconds",
    "Time to answer a request, by route",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
FINDS = Counter("lrs_finds", "Learner finds, by response code (outcome)", ["outcome"])
TASKS = Counter("lrs_tasks", "Background tasks finished, by task and status", ["task", "status"])


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.route or match.view_name or "unmatched"


class RequestLogMiddleware:
    """One log line and the request metrics for every request (inside the request-id
    context, so the line carries the id the audit entries carry)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration = time.perf_counter() - started
        route = route_of(request)
        if route != "metrics":
            REQUESTS.labels(route, request.method or "", str(response.status_code)).inc()
            LATENCY.labels(route).observe(duration)
        user: Any = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        request_log.info(
            "%s %s %s %.1fms",
            request.method,
            route,
            response.status_code,
            duration * 1000,
            extra={
                "event": "request",
                "request_id": getattr(request, "request_id", context.current().request_id),
                "channel": context.current().channel,
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 1),
                "user_id": user.pk if signed_in else None,
                "organisation_id": getattr(user, "organisation_id", None) if signed_in else None,
            },
        )
        return response


def task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """django-tasks' task_finished signal: one log line and a count per task."""
    task = getattr(task_result.task, "module_path", str(task_result.task))
    status = str(getattr(task_result.status, "value", task_result.status)).lower()
    started, finished = task_result.started_at, task_result.finished_at
    duration_ms = (
        round((finished - started).total_seconds() * 1000, 1) if started and finished else None
    )
    TASKS.labels(task, status).inc()
    task_log.info(
        "task %s %s",
        task,
        status,
        extra={
            "event": "task",
            "request_id": context.current().request_id,
            "task_id": str(task_result.id),
            "task": task,
            "status": status,
            "duration_ms": duration_ms,
        },
    )


# --- Metrics read from the database when scraped ------------------------------------------
# Workers are separate processes: what they do is counted where every process can see it.


# Each app that owns a counted table registers a function yielding its metric families
# (in its AppConfig.ready), so core never imports the apps above it.
DatabaseMetrics = Callable[[], Iterable[Any]]
_database_metrics: dict[str, DatabaseMetrics] = {}


def database_metrics_register(*, key: str, metrics: DatabaseMetrics) -> None:
    """Add (or, for the same key, replace) metrics read from the database when scraped."""
    _database_metrics[key] = metrics


class DatabaseCollector(Collector):
    def describe(self) -> list[Any]:
        # Registering must not query the database (there may be none yet).
        return []

    def collect(self) -> Iterator[Any]:
        from django_tasks_db.models import DBTaskResult

        from lrs.core.models import WorkerHeartbeat

        queued = GaugeMetricFamily("lrs_queue_depth", "Background tasks waiting to run")
        queued.add_metric([], DBTaskResult.objects.ready().count())
        yield queued

        now = timezone.now()
        stale_after = timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS * 3)
        alive = GaugeMetricFamily(
            "lrs_workers_alive", "Workers whose heartbeat is recent (3 heartbeat periods)"
        )
        alive.add_metric(
            [], WorkerHeartbeat.objects.filter(last_seen_at__gte=now - stale_after).count()
        )
        yield alive
        newest = WorkerHeartbeat.objects.order_by("-last_seen_at").first()
        age = GaugeMetricFamily(
            "lrs_worker_heartbeat_age_seconds", "Seconds since any worker's last heartbeat"
        )
        age.add_metric([], (now - newest.last_seen_at).total_seconds() if newest else float("inf"))
        yield age

        for metrics in list(_database_metrics.values()):
            yield from metrics()


_collector_registered = False


def register_database_collector() -> None:
    global _collector_registered
    if not _collector_registered:
        REGISTRY.register(DatabaseCollector())
        _collector_registered = True


def _allowed(request: HttpRequest) -> bool:
    token = settings.LRS_METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        if sent.startswith("Bearer ") and secrets.compare_digest(
            sent.removeprefix("Bearer ").encode(), token.encode()
        ):
            return True
    networks = settings.LRS_METRICS_ALLOWED_NETWORKS
    if networks:
        address = client_ip(request)
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)
    return False


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for a scraper holding LRS_METRICS_TOKEN or calling from
    LRS_METRICS_ALLOWED_NETWORKS. Anyone else gets the same 404 as a missing page, so the
    endpoint is not advertised."""
    if not _allowed(request):
        raise Http404
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)


class LrsJsonFormatter(JsonFormatter):
    """JSON lines: time, level, logger and message, then the line's own fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", *args, **kwargs)
