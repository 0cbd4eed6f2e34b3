"""Email through GOV.UK Notify, against a local stand-in for its API (no network)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django_tasks_db.models import DBTaskResult
from notifications_python_client.errors import HTTPError

from lrs.access import Role
from lrs.core.notify import EMAIL_TYPES
from lrs.core.tasks import send_email
from lrs.twofactor.services import two_factor_reset
from lrs.users.services import user_password_reset
from tests.core import notify_stand_in
from tests.factories import make_organisation, make_user
from tests.twofactor_helpers import enrol

SRC = Path(__file__).resolve().parents[2] / "src" / "lrs"
TEMPLATES = {kind: str(uuid.uuid5(uuid.NAMESPACE_URL, kind)) for kind in EMAIL_TYPES}


@pytest.fixture
def notify(settings):
    state, server = notify_stand_in.start()
    settings.EMAIL_BACKEND = "lrs.core.notify.NotifyEmailBackend"
    settings.LRS_NOTIFY_API_KEY = notify_stand_in.API_KEY
    settings.LRS_NOTIFY_BASE_URL = state.url
    settings.LRS_NOTIFY_TEMPLATES = dict(TEMPLATES)
    yield state
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("kind", sorted(EMAIL_TYPES))
def test_each_kind_of_email_is_sent_with_its_own_template_and_fields(notify, kind):
    sent = send_email.call(
        to=["someone@example.com", "other@example.com"],
        subject="LRS: a subject",
        body="The body.",
        kind=kind,
    )
    assert sent == 1
    assert [r.body["email_address"] for r in notify.requests] == [
        "someone@example.com",
        "other@example.com",
    ]
    request = notify.requests[0]
    assert request.path == "/v2/notifications/email"
    assert request.claims["iss"] == notify_stand_in.SERVICE_ID
    assert request.body["template_id"] == TEMPLATES[kind]
    assert request.body["personalisation"] == {"subject": "LRS: a subject", "body": "The body."}
    assert request.body["reference"] == kind


def _balanced(text: str, open_at: int) -> str:
    depth = 0
    for i in range(open_at, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[open_at : i + 1]
    return text[open_at:]


def test_every_email_lrs_sends_names_a_kind_with_a_template():
    kinds = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for start in re.finditer(r"send_email\.enqueue\(", text):
            call = _balanced(text, start.end() - 1)
            found = re.search(r'kind="([a-z_]+)"', call)
            assert found, f"{path.name}: an email without a kind: {call[:80]}"
            kinds.add(found.group(1))
    assert kinds
    assert kinds <= set(EMAIL_TYPES)


def test_a_kind_without_its_own_template_uses_the_general_one(notify, settings):
    settings.LRS_NOTIFY_TEMPLATES = {"general": TEMPLATES["general"]}
    send_email.call(to=["a@example.com"], subject="S", body="B", kind="batch_result")
    assert notify.requests[0].body["template_id"] == TEMPLATES["general"]


def test_no_template_at_all_is_a_clear_configuration_error(notify, settings):
    settings.LRS_NOTIFY_TEMPLATES = {}
    with pytest.raises(ImproperlyConfigured, match="no template for 'batch_result'"):
        send_email.call(to=["a@example.com"], subject="S", body="B", kind="batch_result")


def test_a_refusal_from_notify_fails_the_task_so_it_is_seen(notify):
    notify.fail_with = 400
    with pytest.raises(HTTPError):
        send_email.call(to=["a@example.com"], subject="S", body="B", kind="general")


def _send_queued() -> list[dict]:
    queued = [
        row.args_kwargs["kwargs"]
        for row in DBTaskResult.objects.filter(task_path="lrs.core.tasks.send_email")
    ]
    for kwargs in queued:
        send_email.call(**kwargs)
    return queued


@pytest.mark.django_db
def test_a_password_reset_and_a_two_factor_reset_reach_notify_with_their_templates(notify):
    organisation = make_organisation()
    admin = make_user(organisation, Role.SUPER_USER)
    colleague = make_user(organisation, Role.SUPER_USER)
    enrol(colleague)
    user_password_reset(actor=admin, user=colleague, portal_url="https://lrs.test/")
    two_factor_reset(actor=admin, user=colleague)
    _send_queued()
    templates = [r.body["template_id"] for r in notify.requests]
    assert templates == [TEMPLATES["sign_in_link"], TEMPLATES["two_factor_reset"]]
    assert {r.body["email_address"] for r in notify.requests} == {colleague.email}
    link_body = notify.requests[0].body["personalisation"]["body"]
    assert "https://lrs.test/account/set-password/" in link_body
