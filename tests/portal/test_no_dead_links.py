"""No dead links: a crawl of every page reachable from the guidance, the published lists
and each demo user's home page, following every internal link and failing on any page
that answers 4xx or 5xx.

The crawl runs on the demo register (``lrs demo``, with its weeks of history), as a
newcomer meets it: signed out, then signed in as each demo user in turn.
"""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest
from django.test import Client

from lrs.demo import data
from lrs.demo.services import demo_load
from lrs.users.models import User
from tests.portal.helpers import sign_in_as

pytestmark = pytest.mark.django_db

# Starting points: the guidance, the published lists and the pages anyone may open.
PUBLIC_STARTS = ("/guidance/", "/lists/", "/sign-in", "/organisations/apply")
# Pages that answer the same to everyone whatever the data: fetched once per crawl.
SHARED_PREFIXES = ("/guidance/", "/static/")
# Enough for every page of the demo; a crawl that grows past it has found a loop.
MAX_PAGES_PER_START = 1500


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _internal(base: str, href: str) -> str | None:
    """The path and query of an internal link (no fragment), or None for any other."""
    if href.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin(f"http://testserver{base}", href))
    if parts.netloc != "testserver":
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


def crawl(
    client: Client, starts: tuple[str, ...], shared: set[str], *, signed_in: bool = False
) -> list[str]:
    """Every page reachable from ``starts``; the broken ones as "url (status) from page"."""
    broken: list[str] = []
    seen = set(starts)
    queue = deque((url, "(start)") for url in starts)
    fetched = 0
    while queue:
        url, source = queue.popleft()
        if url.startswith(SHARED_PREFIXES):
            if url in shared:
                continue
            shared.add(url)
        fetched += 1
        assert fetched <= MAX_PAGES_PER_START, f"The crawl from {starts} never ends"
        response = client.get(url)
        if response.status_code >= 400:
            broken.append(f"{url} ({response.status_code}) from {source}")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            target = _internal(url, response["Location"])
            if target and target not in seen:
                seen.add(target)
                queue.append((target, url))
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        parser = _Links()
        parser.feed(response.content.decode())
        for href in parser.hrefs:
            target = _internal(url, href)
            # A guide links to the pages of the people it is for (an awarding
            # organisation's guide to /achievements/): the signed-out crawl follows those.
            from_guide_to_portal = (
                signed_in
                and url.startswith(SHARED_PREFIXES)
                and target
                and not target.startswith(SHARED_PREFIXES)
            )
            if from_guide_to_portal:
                continue
            if target and target not in seen:
                seen.add(target)
                queue.append((target, url))
    return broken


@pytest.fixture(scope="module")
def demo_register(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo register with its weeks of history, loaded once for every crawl here."""
    from django.conf import settings

    uploads = settings.LRS_UPLOADS_DIR
    settings.LRS_UPLOADS_DIR = tmp_path_factory.mktemp("uploads")
    with django_db_blocker.unblock():
        demo_load()
    yield
    settings.LRS_UPLOADS_DIR = uploads
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


def test_every_page_reachable_from_the_guidance_and_the_published_lists_works(demo_register):
    assert crawl(Client(), PUBLIC_STARTS, set()) == []


@pytest.mark.parametrize("username", [person.username for person in data.USERS])
def test_every_page_reachable_from_a_demo_users_home_page_works(demo_register, username):
    client = sign_in_as(Client(), User.objects.get(username=username))
    assert crawl(client, ("/",), set(), signed_in=True) == []
