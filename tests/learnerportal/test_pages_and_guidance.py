"""Every learner page works, links to the learners' guide (a page and #anchor that
exist), and the guide is public."""

from __future__ import annotations

import re

import pytest

from lrs.guidance.content import load_library
from tests.portal.helpers import text_of

pytestmark = pytest.mark.django_db

_HELP = re.compile(r'href="([^"]+)" id="help-with-this-page"')


def _help_target_exists(href: str) -> bool:
    path, _, anchor = href.partition("#")
    parts = [p for p in path.split("/") if p]
    guide = load_library().guide(parts[1])
    if guide is None:
        return False
    if len(parts) == 2:
        return not anchor
    page = guide.page(parts[2])
    return page is not None and (not anchor or anchor in page.rendered.anchors)


@pytest.mark.parametrize(
    "path",
    [
        "/learner/",
        "/learner/record/",
        "/learner/shares/",
        "/learner/shares/new",
        "/learner/viewers/",
        "/learner/sharing/",
        "/learner/reports/",
        "/learner/reports/details",
        "/learner/apps/",
        "/learner/apps/new",
    ],
)
def test_every_learner_page_opens_and_links_to_its_guidance(learner_client, olivia_events, path):
    response = learner_client.get(path)
    assert response.status_code == 200
    help_link = _HELP.search(response.content.decode())
    assert help_link, path
    assert _help_target_exists(help_link.group(1)), help_link.group(1)
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    ["/learner/sign-in", "/check/", "/request-a-copy/", "/shared/abc/", "/learner/signed-out"],
)
def test_the_public_pages_open_for_a_stranger_with_help(client, path):
    response = client.get(path)
    assert response.status_code == 200
    help_link = _HELP.search(response.content.decode())
    assert help_link
    assert _help_target_exists(help_link.group(1))


def test_the_learners_guide_is_public_and_listed(client):
    index = text_of(client.get("/guidance/"))
    assert "Learners: your own learning record" in index
    assert client.get("/guidance/learners/sharing/").status_code == 200


def test_the_organisation_sign_in_page_sends_learners_to_their_own_sign_in(client):
    assert 'href="/learner/sign-in"' in client.get("/sign-in").content.decode()
