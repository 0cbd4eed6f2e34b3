"""A bounded schemathesis run of the whole API: every operation in the OpenAPI document,
with data that meets its schema and data that breaks it, against the WSGI application
on the test database, as a super user with an API token. Every check schemathesis has
must pass: no server error, no status code, content type, header or body the document
does not declare, valid data not refused (so the document is no looser than what the
service accepts) and invalid data not accepted (so it is no stricter).

Bounded so the suite stays quick: a few examples an operation, a fixed seed and
Hypothesis's derandomised mode, so a run is the same on every machine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from lrs.access import Role
from lrs.identifiers.uln import check_digit
from lrs.learnerportal.models import LearnerIdentity
from lrs.learnerportal.services import learner_token_create
from lrs.learners.services import learner_register
from tests.factories import make_organisation, make_token, make_user

EXAMPLES_PER_OPERATION = 4
SEED = 14

# The document's own formats (lrs.api.schemas), generated as the service defines them.
_ULN_PREFIXES = st.from_regex(r"[1-9][0-9]{8}", fullmatch=True).filter(
    lambda prefix: check_digit(prefix) is not None and prefix != "999999999"
)
schemathesis.openapi.format(
    "uln", _ULN_PREFIXES.map(lambda prefix: f"{prefix}{check_digit(prefix)}")
)
_LETTER = "A-Za-zÀ-ÖØ-öø-ÿ"
schemathesis.openapi.format(
    "person-name", st.from_regex(rf"[{_LETTER}][{_LETTER} '.-]{{0,30}}[{_LETTER}]?", fullmatch=True)
)
# "date" fields are dates of birth or of an address: any past date a learner of 13 to
# 110 could have (hypothesis's own "date" reaches the year 9999, which the service
# rightly refuses as in the future, as the document says).
schemathesis.openapi.format(
    "date",
    st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2010, 1, 1)).map(dt.date.isoformat),
)
# A password Django's validators accept: long, not common, not numeric, not like a name.
schemathesis.openapi.format(
    "password",
    st.from_regex(r"[a-z]{6}-[A-Z]{6}-[0-9]{4}-[a-z]{6}", fullmatch=True),
)

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            # Text holding NUL is refused with a 400 on every operation before anything
            # reads it (tests/api/test_json_errors.py), a rule of the API as a whole that
            # its description states rather than a pattern on every string.
            "allow-x00": False,
            "mode": "all",
        },
        # Examples and fuzzing only: the coverage phase's exhaustive boundary values and
        # the stateful phase's chains would take many minutes on two cores.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)


# Data that meets the document may still be refused for what the register holds (or the
# day it is) rather than for its form: an event id or ULN that names nothing, a username
# already taken, a role this organisation's type may not give, a password like the
# username, a share's end date outside today to 90 days ahead; and an
# uploaded file for its content (a batch or achievement file's format is a document of
# its own, docs/batch-files.md and docs/achievement-files.md). The service
# answers those 422 naming the field; for these fields only, schemathesis's "valid data
# is accepted" check does not apply. A 422 naming any other field still fails the run:
# the document would then be looser than the service.
REFUSED_FOR_WHAT_THE_REGISTER_HOLDS = {
    "POST /api/v1/users": {"username", "role", "password"},
    "PUT /api/v1/users/{username}/role": {"role"},
    "POST /api/v1/challenges": {"event_id", "second_event_id", "supplied_values.correct_uln"},
    "POST /api/v1/challenges/{reference}/resolve": {"correct_uln"},
    "POST /api/v1/batches": {"file"},
    "POST /api/v1/achievement-jobs": {"file"},
    "POST /api/v1/learner/shares": {"expires_on", "events"},
    "POST /api/v1/learner/credentials": {"events"},
}


def _refused_for_what_the_register_holds(case: Any, response: Any) -> bool:
    fields = REFUSED_FOR_WHAT_THE_REGISTER_HOLDS.get(case.operation.label)
    if not fields or response.status_code != 422:
        return False
    problems = response.json().get("errors") or [{"field": ""}]
    return all(problem.get("field") in fields for problem in problems)


@pytest.fixture
def _wsgi_requests_share_the_test_transaction() -> Iterator[None]:
    # As Django's test client does: a request must not close the connection that holds
    # the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token_headers(db: Any) -> dict[str, str]:
    user = make_user(make_organisation(), Role.SUPER_USER)
    return {"Authorization": f"Bearer {make_token(user)}"}


@pytest.fixture
def learner_token_headers(db: Any) -> dict[str, str]:
    """A learner's own token (from their apps page), for the /learner/ endpoints."""
    college = make_user(make_organisation(), Role.SUPER_USER)
    learner = learner_register(
        actor=college,
        data={
            "given_name": "Imogen",
            "family_name": "Farthingale",
            "date_of_birth": "2007-05-21",
            "gender": "2",
            "last_known_postcode": "CV4 9EE",
            "verification_type": "1",
            "ability_to_share": "1",
        },
    ).learner
    now = timezone.now()
    identity = LearnerIdentity.objects.create(
        provider="one_login",
        subject="urn:fdc:test:imogen",
        learner=learner,
        email="imogen@example.com",
        linked_at=now,
        last_signed_in_at=now,
    )
    _, plaintext = learner_token_create(
        identity=identity, name="Schemathesis", expires_on=now.date() + dt.timedelta(days=30)
    )
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()
    # A hundred requests a minute from one token is what this run is, not misuse.
    from lrs.api.urls import API_THROTTLE

    monkeypatch.setattr(API_THROTTLE, "allow_request", lambda request: True)


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler(), config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.usefixtures("_wsgi_requests_share_the_test_transaction")
def test_every_api_operation_meets_its_openapi_document(
    case: Any, token_headers: dict[str, str], learner_token_headers: dict[str, str]
) -> None:
    # A learner's own endpoints take a learner's token; every other one a user's.
    if case.operation.path.startswith("/api/v1/learner/"):
        token_headers = learner_token_headers
    response = case.call(headers=token_headers)
    excluded = (
        [positive_data_acceptance] if _refused_for_what_the_register_holds(case, response) else []
    )
    case.validate_response(response, headers=token_headers, excluded_checks=excluded)
