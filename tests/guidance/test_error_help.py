"""Error messages link to what to do next: the error summary links to the page's help
topic and to the service desk, and the error pages link to the guidance."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.portal.helpers import sign_in_as, text_of

pytestmark = pytest.mark.django_db


def test_the_error_summary_links_to_the_help_topic_and_the_service_desk(client, provider_user):
    sign_in_as(client, provider_user)
    response = client.post(reverse("portal:learner-find"), {"action": "find"})
    html = response.content.decode()
    summary = html[html.index('class="govuk-error-summary"') :]
    summary = summary[: summary.index("</div>\n  </div>\n</div>")]
    assert (
        'If you cannot fix this, read the <a class="govuk-link" '
        'href="/guidance/providers/finding-learners/#finding-a-learner">help with this page</a>'
    ) in summary
    assert ">ask the service desk</a>" in summary


def test_the_sign_in_error_summary_links_to_getting_access(client):
    response = client.post(reverse("portal:sign-in"), {"username": "", "password": ""})
    html = response.content.decode()
    assert 'href="/guidance/providers/getting-access/#signing-in">help with this page</a>' in html


def test_the_not_found_page_links_to_the_guidance_and_getting_help(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'href="/guidance/"' in html
    assert 'href="/guidance/providers/getting-help/"' in html


def test_the_forbidden_page_links_to_managing_users_and_getting_help(client, provider_user):
    sign_in_as(client, provider_user)
    response = client.get(reverse("portal:users"))
    assert response.status_code == 403
    html = response.content.decode()
    assert 'href="/guidance/providers/managing-users/#roles"' in html
    assert 'href="/guidance/providers/getting-help/"' in html


@override_settings(DEBUG=False)
def test_the_server_error_page_links_to_getting_help():
    from django.template.loader import render_to_string

    html = render_to_string("portal/errors/500.html")
    assert 'href="/guidance/providers/getting-help/"' in html
    assert "Sorry, there is a problem with the service" in text_of(
        type("R", (), {"content": html.encode()})()
    )


def test_the_public_apply_forms_error_summary_never_leads_to_a_sign_in_wall(client):
    """Someone applying is not signed in: "ask the service desk" would open the support
    form, which asks them to sign in. Only the help with the page is offered."""
    response = client.post(reverse("portal:organisation-apply"), {})
    html = response.content.decode()
    summary = html[html.index('class="govuk-error-summary"') :]
    summary = summary[: summary.index("</div>\n  </div>\n</div>")]
    assert "ask the service desk" not in summary
    assert "help with this page</a>." in summary
    for href in __import__("re").findall(r'href="(/[^"#]*)', summary):
        assert client.get(href).status_code == 200, href


def test_the_service_desk_is_never_told_to_ask_the_service_desk(client):
    from lrs.access import OrganisationType, Role
    from tests.factories import make_organisation, make_user

    desk = make_user(make_organisation(OrganisationType.SERVICE_DESK), Role.SUPER_USER)
    sign_in_as(client, desk)
    response = client.post(reverse("portal:learner-find"), {"action": "find"})
    assert "govuk-error-summary" in response.content.decode()
    assert "ask the service desk" not in response.content.decode()
