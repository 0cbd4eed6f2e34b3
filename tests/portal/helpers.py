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
