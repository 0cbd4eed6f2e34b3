"""Context help: every portal page links to the guidance about it. Walks the portal's URL
resolver, so a new page without a help topic fails here; and checks that every topic's
guidance page and #anchor exist."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from lrs.access import OrganisationType
from lrs.guidance.content import load_library
from lrs.guidance.context_help import (
    HELP_TOPICS,
    NO_HELP_NEEDED,
    TOPICS_BY_ORGANISATION_TYPE,
    help_topic_for,
)
from tests.portal.helpers import sign_in_as

pytestmark = pytest.mark.django_db


def _portal_view_names() -> set[str]:
    """Every URL name in the "portal" namespace, except the guidance's own pages (they are
    the help)."""

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif (
                isinstance(pattern, URLPattern)
                and namespace == "portal"
                and pattern.name
                and not getattr(pattern.callback, "__module__", "").startswith("lrs.guidance")
            ):
                yield f"portal:{pattern.name}"

    return set(walk(get_resolver().url_patterns, None))


def test_every_portal_page_has_a_help_topic_or_is_listed_as_needing_none():
    names = _portal_view_names()
    assert "portal:learner-find" in names
    missing = sorted(names - HELP_TOPICS.keys() - NO_HELP_NEEDED)
    assert missing == [], f"Add these URL names to HELP_TOPICS in context_help.py: {missing}"


def test_no_page_both_has_a_topic_and_is_listed_as_needing_none():
    assert HELP_TOPICS.keys() & NO_HELP_NEEDED == set()


def _all_topics() -> set[str]:
    topics = set(HELP_TOPICS.values())
    for overrides in TOPICS_BY_ORGANISATION_TYPE.values():
        topics |= set(overrides.values())
    return topics


def test_every_help_topic_names_a_guidance_page_or_guide_that_exists_with_its_anchor():
    library = load_library()
    problems = []
    for topic in sorted(_all_topics()):
        path, _, anchor = topic.partition("#")
        parts = [part for part in path.split("/") if part]
        guide = library.guide(parts[1]) if len(parts) >= 2 else None
        if guide is None:
            problems.append(f"{topic}: no such guide")
            continue
        if len(parts) == 2:
            if anchor:
                problems.append(f"{topic}: a guide's contents page has no anchors")
            continue
        page = guide.page(parts[2])
        if page is None:
            problems.append(f"{topic}: no such page")
        elif anchor and anchor not in page.rendered.anchors:
            problems.append(f"{topic}: the page has no heading with id {anchor!r}")
    assert problems == []


def test_the_support_app_names_are_mapped_even_before_the_support_app_exists():
    for name in (
        "support-requests",
        "support-request-new",
        "uln-problem-new",
        "support-request",
        "support-request-reply",
        "support-queue",
        "support-request-manage",
    ):
        assert f"portal:{name}" in HELP_TOPICS
    assert "portal:support-attachment" in NO_HELP_NEEDED


def _request_for(path: str, user=None):
    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    if user is not None:
        request.user = user
    return request


def test_the_topic_depends_on_the_users_organisation_type_where_readers_differ(
    provider_user, ao_user
):
    path = reverse("portal:learner-verify")
    assert help_topic_for(_request_for(path, provider_user)) == (
        "/guidance/providers/verifying-learners/#verifying-a-learner"
    )
    assert help_topic_for(_request_for(path, ao_user)).startswith(
        "/guidance/awarding-organisations/"
    )
    assert OrganisationType.AWARDING_ORGANISATION in TOPICS_BY_ORGANISATION_TYPE


def test_pages_outside_the_portal_and_guidance_pages_have_no_topic():
    assert help_topic_for(_request_for("/healthz")) == ""
    assert help_topic_for(_request_for("/guidance/")) == ""


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("portal:learner-find", "/guidance/providers/finding-learners/#finding-a-learner"),
        ("portal:learner-register", "/guidance/providers/registering-learners/"),
        ("portal:batch-list", "/guidance/providers/batch-files/"),
        ("portal:plr-view", "/guidance/providers/viewing-plrs/#viewing-a-plr"),
    ],
)
def test_portal_pages_show_a_help_with_this_page_link_to_their_topic(
    client, provider_user, url_name, expected
):
    provider_user.role = "super_user"
    provider_user.save()
    sign_in_as(client, provider_user)
    html = client.get(reverse(url_name)).content.decode()
    match = re.search(r'<a class="govuk-link" href="([^"]+)" id="help-with-this-page">', html)
    assert match is not None
    assert match.group(1).startswith(expected)


def test_the_sign_in_page_shows_help_to_people_who_are_not_signed_in(client):
    html = client.get(reverse("portal:sign-in")).content.decode()
    assert 'href="/guidance/providers/getting-access/#signing-in" id="help-with-this-page"' in html


def test_every_page_links_to_the_guidance_in_the_header_and_footer(client, provider_user):
    html = client.get(reverse("portal:sign-in")).content.decode()
    assert '<a class="govuk-service-navigation__link" href="/guidance/">Guidance</a>' in html
    assert '<a class="govuk-footer__link" href="/guidance/">Guidance</a>' in html
    html = client.get("/guidance/").content.decode()
    assert 'href="/guidance/" aria-current="true">Guidance</a>' in html
    assert '<a class="govuk-footer__link" href="/guidance/">Guidance</a>' in html
    sign_in_as(client, provider_user)
    html = client.get(reverse("portal:home")).content.decode()
    assert '<a class="govuk-service-navigation__link" href="/guidance/">Guidance</a>' in html
