"""Learners and organisation users never share a page (lrs.access.policy: Audience,
may_enter). Walks every URL pattern of the service: a learner gets exactly what a
stranger gets on every page that is not a learner's, and an organisation user never
gets a learner's page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from lrs.access import Audience, Visitor, may_enter
from lrs.learnerportal.decorators import learner_required, public_page
from tests.factories import make_organisation, make_token, make_user
from tests.learnerportal.helpers import sign_in_learner
from tests.portal.helpers import sign_in_as

pytestmark = pytest.mark.django_db


def test_the_policy_keeps_learners_and_organisation_users_apart():
    assert may_enter(audience=Audience.LEARNER, visitor=Visitor.LEARNER)
    assert not may_enter(audience=Audience.LEARNER, visitor=Visitor.ORGANISATION_USER)
    assert not may_enter(audience=Audience.LEARNER, visitor=Visitor.STRANGER)
    assert may_enter(audience=Audience.ORGANISATION, visitor=Visitor.ORGANISATION_USER)
    assert not may_enter(audience=Audience.ORGANISATION, visitor=Visitor.LEARNER)
    assert all(may_enter(audience=Audience.PUBLIC, visitor=v) for v in Visitor)


def _sample(converter: Any, uln: str) -> str:
    name = type(converter).__name__
    if name == "IntConverter":
        return "1"
    if name == "UUIDConverter":
        return str(uuid.uuid4())
    if "Uln" in name or "ULN" in name:
        return uln
    return "x"


def _paths(uln: str) -> list[tuple[str, Any]]:
    """A concrete path for every URL pattern, with the view it reaches."""
    found: list[tuple[str, Any]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route.startswith("api/"):
                    continue  # the API has its own authentication: tested below
                walk(pattern.url_patterns, prefix + route)
                continue
            assert isinstance(pattern, URLPattern)
            path = prefix + route
            for name, converter in pattern.pattern.converters.items():
                for kind in ("int", "str", "slug", "uuid", "path", "uln"):
                    path = path.replace(f"<{kind}:{name}>", _sample(converter, uln))
                path = path.replace(f"<{name}>", _sample(converter, uln))
            found.append(("/" + path, pattern.callback))

    walk(get_resolver().url_patterns, "")
    return found


# Signing in and out is for strangers and learners alike, but a learner already signed in
# is sent on to their record, and each start of a sign-in has its own random state.
SIGNING_IN = ("/learner/sign-in", "/learner/sign-out")


def _answer(client: Client, method: str, path: str) -> tuple[int, str]:
    response = getattr(client, method)(path)
    return response.status_code, response.get("Location", "")


@pytest.fixture
def visitors(identity):
    """Each visitor freshly signed in for every request: some pages sign people out."""
    user = make_user(make_organisation(name="Separation College"))
    return {
        "stranger": Client,
        "learner": lambda: sign_in_learner(Client(), identity),
        "organisation_user": lambda: sign_in_as(Client(), user),
    }


def test_every_page_keeps_learners_and_organisation_users_apart(visitors, identity):
    paths = _paths(identity.learner.uln)
    assert any(path == "/learner/record/" for path, _ in paths)
    learner_pages = 0
    for path, view in paths:
        audience = getattr(view, "lrs_audience", None)
        # POST too on the learners' side (pages that take a form); organisation pages
        # are compared on GET: to them a learner is no more than an anonymous visitor.
        methods = ("get", "post") if audience is not None else ("get",)
        for method in methods:
            stranger = _answer(visitors["stranger"](), method, path)
            learner = _answer(visitors["learner"](), method, path)
            organisation = _answer(visitors["organisation_user"](), method, path)
            if audience == Audience.LEARNER:
                if stranger[0] == 405:  # the method is refused before anyone is asked
                    continue
                learner_pages += 1
                assert stranger == (302, "/learner/sign-in"), (method, path, stranger)
                assert organisation[0] == 403, (method, path, organisation)
                assert learner[0] not in (302, 403), (method, path, learner)
            elif not path.startswith(SIGNING_IN):
                # Every other page treats a signed-in learner as a stranger.
                assert learner == stranger, (method, path, learner, stranger)
    assert learner_pages >= 15


def test_the_markers_are_what_the_pages_carry():
    assert learner_required(lambda request: None).lrs_audience == Audience.LEARNER  # type: ignore[attr-defined]

    def page(request):
        return None

    assert public_page(page).lrs_audience == Audience.PUBLIC  # type: ignore[attr-defined]


def test_learner_tokens_open_only_learner_endpoints_and_organisation_tokens_never_do(
    client, identity
):
    import datetime as dt

    from django.utils import timezone

    from lrs.learnerportal.services import learner_token_create

    _, learner_token = learner_token_create(
        identity=identity,
        name="Careers app",
        expires_on=timezone.localdate() + dt.timedelta(days=5),
    )
    organisation_token = make_token(make_user())
    as_learner = {"HTTP_AUTHORIZATION": f"Bearer {learner_token}"}
    as_organisation = {"HTTP_AUTHORIZATION": f"Bearer {organisation_token}"}
    assert client.get("/api/v1/learner/record", **as_learner).status_code == 200
    refused = client.get("/api/v1/learner/record", **as_organisation)
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthorised"
    for path in ("/api/v1/me", "/api/v1/tokens"):
        response = client.get(path, **as_learner)
        assert response.status_code == 401, path
        assert response.json()["code"] == "unauthorised"
