"""Structured logs (one JSON line per request and per task) and the /metrics endpoint."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django_tasks import task

from lrs.access import Role
from lrs.core.observability import LrsJsonFormatter
from lrs.learners.services import learner_find
from tests.factories import make_token, make_user
from tests.learners.helpers import person
from tests.portal.helpers import sign_in_as

pytestmark = pytest.mark.django_db

TOKEN = "a-long-random-scrape-token-for-the-tests"


@pytest.fixture
def json_lines():
    """What the lrs.request and lrs.task loggers write, as the JSON formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(LrsJsonFormatter())
    loggers = [logging.getLogger("lrs.request"), logging.getLogger("lrs.task")]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_each_request_is_one_json_line_with_the_audit_request_id_and_no_path(client, json_lines):
    user = make_user(role=Role.ONLINE_USER)
    sign_in_as(client, user)
    response = client.get("/learners/9999999999/")
    lines = [line for line in json_lines() if line.get("event") == "request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == user.pk
    assert line["organisation_id"] == user.organisation_id
    assert line["route"] == "learners/<uln:uln>/"
    assert line["status"] == response.status_code
    assert line["method"] == "GET"
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO"
    assert line["logger"] == "lrs.request"
    assert "time" in line
    # The route, never the address: a path can carry a ULN.
    assert "9999999999" not in json.dumps(line)


def test_an_anonymous_request_logs_no_user(client, json_lines):
    client.get("/sign-in")
    line = next(line for line in json_lines() if line.get("event") == "request")
    assert line["user_id"] is None
    assert line["organisation_id"] is None
    assert line["route"] == "sign-in"


@task()
def _a_task_for_the_log() -> int:
    return 1


def test_each_task_is_one_json_line(settings, json_lines):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    _a_task_for_the_log.enqueue()
    line = next(line for line in json_lines() if line.get("event") == "task")
    assert line["task"].endswith("_a_task_for_the_log")
    assert line["status"] == "successful"
    assert line["task_id"]
    assert line["request_id"]
    assert line["duration_ms"] is not None


def test_plain_text_logs_are_chosen_by_a_setting(settings):
    assert settings.LOGGING["handlers"]["console"]["formatter"] == settings.LRS_LOG_FORMAT
    assert settings.LOGGING["formatters"]["plain"]["format"].startswith("%(asctime)s")


def test_metrics_are_a_404_unless_configured(client, settings):
    settings.LRS_METRICS_TOKEN = ""
    settings.LRS_METRICS_ALLOWED_NETWORKS = []
    assert client.get("/metrics").status_code == 404
    settings.LRS_METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    # An API token is not a scrape token.
    api = make_token(make_user())
    assert client.get("/metrics", headers={"Authorization": f"Bearer {api}"}).status_code == 404


def test_metrics_from_an_allowed_network(client, settings):
    settings.LRS_METRICS_TOKEN = ""
    settings.LRS_METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404


def test_metrics_count_requests_finds_and_what_the_workers_did(client, settings):
    settings.LRS_METRICS_TOKEN = TOKEN
    user = make_user(role=Role.ONLINE_USER)
    client.get("/sign-in")
    learner_find(actor=user, data=person())
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'lrs_http_requests_total{method="GET",route="sign-in",status="200"}' in text
    assert 'lrs_http_request_duration_seconds_bucket{le="0.01",route="sign-in"}' in text
    assert "lrs_finds_total{outcome=" in text
    for name in (
        "lrs_queue_depth",
        "lrs_workers_alive",
        "lrs_worker_heartbeat_age_seconds",
        "lrs_batch_records_processed_total",
        "lrs_achievement_records_processed_total",
        "lrs_misuse_suspensions_total",
    ):
        assert f"\n{name}" in text or f"# TYPE {name}" in text, name
    # Scrapes are not counted as traffic.
    assert 'route="metrics"' not in text
