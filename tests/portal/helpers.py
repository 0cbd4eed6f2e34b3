"""Helpers for the portal's Django test-client tests."""

from __future__ import annotations

import html as html_lib
import re

from django.test import Client

from lrs.users.models import User

BACKEND = "lrs.users.backends.OrganisationAwareBackend"


def sign_in_as(client: Client, user: User) -> Client:
    """Skip the sign-in form (tested on its own) for tests about what comes after."""
    client.force_login(user, backend=BACKEND)
    return client


def text_of(response) -> str:
    """The page's visible text, squeezed: for asserting on wording, not markup."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def error_summary_links(response) -> list[tuple[str, str]]:
    """(href, text) of each link in the GOV.UK error summary."""
    html = response.content.decode()
    start = html.find('class="govuk-error-summary"')
    if start == -1:
        return []
    body = html[start : html.find("</ul>", start)]
    return [
        (href, " ".join(html_lib.unescape(text).split()))
        for href, text in re.findall(r'<a href="([^"]*)">(.*?)</a>', body, flags=re.S)
    ]


def title(page: str) -> str:
    """The <title> element of a portal page: the page's name, an en dash, the service."""
    return f"<title>{page} \N{EN DASH} Learning Records Service</title>"


def sign_in_with_password(client: Client, user: User, password: str | None = None):
    """Sign in through the form, as a person does: the password, then (for a user who
    has or must have one) a code from their authenticator app. Returns the last response."""
    from lrs.twofactor.services import two_factor_enrolled, two_factor_required
    from tests.factories import PASSWORD
    from tests.twofactor_helpers import enrol, next_code

    if two_factor_required(user=user) and not two_factor_enrolled(user=user):
        enrol(user)
    response = client.post(
        "/sign-in", {"username": user.username, "password": password or PASSWORD}
    )
    if response.status_code == 302 and response["Location"] == "/sign-in/code":
        response = client.post("/sign-in/code", {"code": next_code(user)})
    return response
