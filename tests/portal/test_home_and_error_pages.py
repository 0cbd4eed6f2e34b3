import os
import re
import subprocess
import sys
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from lrs.access import Capability, OrganisationType, Role
from lrs.portal.views import csrf_failure, server_error
from tests.factories import make_organisation, make_user
from tests.portal.helpers import sign_in_as, text_of, title

pytestmark = pytest.mark.django_db


def _links(response) -> str:
    html = response.content.decode()
    start = html.find('id="available-actions"')
    return html[start : html.find("</ul>", start)] if start != -1 else ""


def test_anonymous_visitors_to_home_are_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in?next=/"


def test_a_provider_super_user_sees_manage_users_and_api_tokens_as_links(client):
    user = make_user(make_organisation(OrganisationType.SCHOOL), Role.SUPER_USER)
    response = sign_in_as(client, user).get("/")
    assert response.status_code == 200
    assert title("Home") in response.content.decode()
    assert response.context["capabilities"] == user.capabilities()
    assert Capability.MANAGE_USERS in response.context["capabilities"]
    links = _links(response)
    assert 'href="/users/">Manage users</a>' in links
    assert 'href="/api-tokens/">API tokens</a>' in links
    assert "audit" not in links


def test_the_service_desk_has_a_link_for_each_of_its_own_tasks(client):
    user = make_user(make_organisation(OrganisationType.SERVICE_DESK), Role.SERVICE_DESK_USER)
    response = sign_in_as(client, user).get("/")
    links = _links(response)
    for text in (
        "Service desk dashboard",
        "Organisation applications",
        "Organisations",
        "Duplicate learners",
        "Published lists",
        "Mediate challenges",
    ):
        assert f">{text}</a>" in links
    assert "Coming soon" not in response.content.decode()


def test_a_batch_user_has_a_link_for_everything_their_role_can_do(client):
    user = make_user(make_organisation(OrganisationType.SCHOOL), Role.BATCH_USER)
    response = sign_in_as(client, user).get("/")
    links = _links(response)
    for action in ("Find a learner", "Submit batch files", "Challenge a learning record"):
        assert action in links


def test_a_batch_user_cannot_manage_users_and_gets_the_styled_403_page(client):
    user = make_user(make_organisation(), Role.BATCH_USER)
    sign_in_as(client, user)
    assert "Manage users" not in _links(client.get("/"))
    response = client.get("/users/")
    assert response.status_code == 403
    assert "You do not have permission to see this page" in text_of(response)
    assert 'class="govuk-template"' in response.content.decode()


def test_a_view_learner_only_user_sees_only_what_that_role_allows(client):
    user = make_user(make_organisation(), Role.VIEW_LEARNER_ONLY)
    response = sign_in_as(client, user).get("/")
    assert set(response.context["capabilities"]) == {
        Capability.FIND_LEARNER,
        Capability.VERIFY_LEARNER,
        Capability.RETRIEVE_ULNS,
        Capability.VIEW_PLR,
        Capability.USE_API,
    }
    links = _links(response)
    assert "Register a learner" not in links
    assert "Submit batch files" not in links


def test_an_awarding_organisation_user_sees_achievements_but_not_learner_search(client):
    organisation = make_organisation(OrganisationType.AWARDING_ORGANISATION)
    user = make_user(organisation, Role.AWARDING_ORGANISATION_USER)
    response = sign_in_as(client, user).get("/")
    links = _links(response)
    assert 'href="/achievements/">Upload achievements</a>' in links
    assert "Find a learner" not in links


def test_a_service_desk_user_can_search_the_audit_log_but_not_manage_users(client):
    organisation = make_organisation(OrganisationType.SERVICE_DESK)
    user = make_user(organisation, Role.SERVICE_DESK_USER)
    response = sign_in_as(client, user).get("/")
    links = _links(response)
    assert 'href="/audit/">Search the audit log</a>' in links
    assert "Manage users" not in links
    assert 'href="/organisations/applications/">Organisation applications</a>' in links


def test_the_service_navigation_marks_the_current_section(client):
    user = make_user(make_organisation(), Role.SUPER_USER)
    html = sign_in_as(client, user).get("/users/").content.decode()
    assert 'href="/users/" aria-current="page"' in html
    assert 'href="/" aria-current' not in html


def test_a_missing_page_gets_the_styled_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.content.decode()
    assert title("Page not found") in html
    assert "govuk-main-wrapper" in html
    assert "If you typed the web address, check it is correct." in text_of(response)


def test_the_404_page_keeps_the_header_for_a_signed_in_user(client):
    user = make_user()
    response = sign_in_as(client, user).get("/no/such/page")
    assert response.status_code == 404
    assert "Sign out" in text_of(response)


def test_the_500_page_renders_without_a_user_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert title("Sorry, there is a problem with the service") in html
    assert "Sign out" not in html
    assert "/static/lrs/app.css" in html


def test_the_csrf_failure_view_is_the_styled_403_page_with_its_own_advice(rf):
    request = rf.post("/users/new")
    request.user = AnonymousUser()
    response = csrf_failure(request, reason="CSRF token missing")
    assert response.status_code == 403
    assert "Go back, reload the page and try again." in response.content.decode()


def test_the_service_desks_home_offers_nothing_that_does_not_apply_to_it(client):
    """The desk answers ULN problem reports and mediates challenges: it neither reports a
    problem with a ULN (its page refuses the desk) nor has records of its own to defend."""
    user = make_user(make_organisation(OrganisationType.SERVICE_DESK), Role.SUPER_USER)
    response = sign_in_as(client, user).get("/")
    links = _links(response)
    assert "Report a problem with a ULN" not in links
    assert "Resolve challenges to your records" not in links
    assert links.index("Service desk dashboard") < links.index("Manage users")
    for href in set(re.findall(r'href="([^"]+)"', links)):
        assert client.get(href).status_code == 200, href


def test_an_unexpected_error_shows_the_styled_500_page_never_a_debug_page(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    user = make_user()
    with mock.patch("lrs.portal.views.render", side_effect=RuntimeError("boom")):
        response = sign_in_as(client, user).get("/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "boom" not in html
    assert "Traceback" not in html


def test_the_local_demo_serves_plain_http_cookies_without_debug(tmp_path):
    """scripts/start sets LRS_LOCAL_DEMO: cookies that work on http://127.0.0.1, with
    DEBUG (and its debug pages) off."""
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.ALLOWED_HOSTS, "
        "s.SECURE_HSTS_SECONDS)"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "ALLOWED_HOSTS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    }
    env |= {
        "LRS_LOCAL_DEMO": "true",
        "SECRET_KEY": "k" * 50,
        "DJANGO_SETTINGS_MODULE": "lrs.settings",
        "LRS_DATA_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    assert out == "False False False ['127.0.0.1', 'localhost'] 0"
