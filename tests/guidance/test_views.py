"""The guidance pages through the Django test client: public guides for everyone, the
service desk's guides only for the service desk (404 for anyone else), the page layout
(contents list, breadcrumbs, previous and next, search form) and the search."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lrs.guidance import selectors
from lrs.guidance.content import load_library
from tests.portal.helpers import sign_in_as, text_of

pytestmark = pytest.mark.django_db


def test_the_guidance_index_lists_the_public_guides_without_signing_in(client, sample_library):
    response = client.get(reverse("portal:guidance"))
    assert response.status_code == 200
    text = text_of(response)
    assert "Alpha guide" in text
    assert "The public sample guide." in text
    assert "Desk guide" not in text
    assert 'action="/guidance/search/"' in response.content.decode()


def test_the_service_desk_sees_its_guide_listed_on_the_index(client, sample_library, desk_user):
    sign_in_as(client, desk_user)
    assert "Desk guide" in text_of(client.get(reverse("portal:guidance")))


def test_a_guide_page_lists_its_pages_with_their_summaries(client, sample_library):
    response = client.get(reverse("portal:guidance-guide", args=["alpha"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/guidance/alpha/first/"' in html
    assert 'href="/guidance/alpha/common/"' in html
    assert "The first page&#x27;s summary." in html or "The first page's summary." in html


def test_a_page_has_breadcrumbs_a_contents_list_the_body_and_next_and_previous_links(
    client, sample_library
):
    response = client.get(reverse("portal:guidance-page", args=["alpha", "common"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="govuk-breadcrumbs"' in html
    assert 'href="/guidance/alpha/"' in html
    assert '<a class="govuk-link" href="#getting-help">Getting help</a>' in html
    assert 'id="getting-help"' in html
    assert 'class="govuk-pagination govuk-pagination--block"' in html
    assert 'href="/guidance/alpha/first/" rel="prev"' in html
    assert 'href="/guidance/alpha/second/" rel="next"' in html
    assert 'role="search"' in html
    assert (
        "<title>Common page \N{EN DASH} Alpha guide \N{EN DASH} Learning Records Service</title>"
        in html
    )


def test_a_page_shows_its_related_reference_links(client, sample_library):
    response = client.get(reverse("portal:guidance-page", args=["alpha", "second"]))
    html = response.content.decode()
    assert "Related reference" in html
    assert 'href="/guidance/reference/codes/">All the codes</a>' in html
    assert 'rel="next"' not in html


def test_an_unknown_guide_or_page_is_not_found(client, sample_library):
    assert client.get("/guidance/nothing/").status_code == 404
    assert client.get("/guidance/alpha/nothing/").status_code == 404


@pytest.mark.parametrize("path", ["/guidance/desk/", "/guidance/desk/secrets/"])
def test_the_service_desk_guide_is_not_found_for_anonymous_and_other_users(
    client, sample_library, provider_user, ao_user, path
):
    assert client.get(path).status_code == 404
    sign_in_as(client, provider_user)
    assert client.get(path).status_code == 404
    sign_in_as(client, ao_user)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/guidance/desk/", "/guidance/desk/secrets/"])
def test_the_service_desk_guide_opens_for_a_service_desk_user(
    client, sample_library, desk_user, path
):
    sign_in_as(client, desk_user)
    assert client.get(path).status_code == 200


def test_a_suspended_service_desk_organisation_cannot_see_the_desk_guide(
    client, sample_library, desk_user
):
    desk_user.organisation.status = "suspended"
    desk_user.organisation.save()
    sign_in_as(client, desk_user)
    assert selectors.is_service_desk_user(desk_user) is False


def test_search_finds_a_section_by_its_heading(client, sample_library):
    response = client.get(reverse("portal:guidance-search"), {"q": "storing"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/guidance/alpha/first/#storing-things"' in html
    assert "1 result for" in text_of(response)


def test_search_finds_a_section_by_its_body_text_and_shows_a_snippet(client, sample_library):
    response = client.get(reverse("portal:guidance-search"), {"q": "arrival"})
    text = text_of(response)
    assert "First page: Sending a widget" in text
    assert "Every widget is checked on arrival." in text


def test_search_ranks_matches_in_headings_above_matches_in_body_text(sample_library):
    results = selectors.guidance_search(user=None, query="gadgets")
    assert results[0].href == "/guidance/alpha/second/#gadgets"
    results = selectors.guidance_search(user=None, query="widget")
    assert results[0].href == "/guidance/alpha/first/#sending-a-widget"
    assert results[0].score > results[-1].score


def test_search_needs_every_word_and_ignores_case_and_punctuation(sample_library):
    assert selectors.guidance_search(user=None, query="WIDGET, dry!")[0].href == (
        "/guidance/alpha/first/#storing-things"
    )
    assert selectors.guidance_search(user=None, query="widget zebra") == []
    assert selectors.guidance_search(user=None, query="  ...  ") == []


def test_search_ignores_single_letters_when_the_query_has_longer_words():
    assert selectors.search_terms("the page's summary") == ["the", "page", "summary"]
    assert selectors.search_terms("a") == ["a"]


def test_search_shows_a_shared_page_once(sample_library, desk_user):
    results = selectors.guidance_search(user=desk_user, query="service desk")
    assert [r.href for r in results].count("/guidance/alpha/common/#getting-help") == 1
    assert not any(r.href.startswith("/guidance/desk/common/") for r in results)


def test_search_never_returns_service_desk_pages_to_anyone_else(
    client, sample_library, provider_user
):
    anonymous = client.get("/guidance/search/", {"q": "threshold"})
    assert "/guidance/desk/" not in anonymous.content.decode()
    assert "0 results for" in text_of(anonymous)
    sign_in_as(client, provider_user)
    response = client.get("/guidance/search/", {"q": "threshold"})
    assert "/guidance/desk/" not in response.content.decode()
    assert "0 results for" in text_of(response)


def test_search_returns_service_desk_pages_to_the_service_desk(client, sample_library, desk_user):
    sign_in_as(client, desk_user)
    response = client.get("/guidance/search/", {"q": "threshold"})
    assert 'href="/guidance/desk/secrets/#widget-thresholds"' in response.content.decode()


def test_an_empty_search_shows_the_form_without_results(client, sample_library):
    response = client.get("/guidance/search/")
    assert response.status_code == 200
    assert "result" not in text_of(response)


def test_every_page_of_every_real_public_guide_opens_without_signing_in(client):
    library = load_library()
    for guide in library.guides:
        expected = 200 if guide.audience == "public" else 404
        assert client.get(guide.path).status_code == expected, guide.path
        for page in guide.pages:
            assert client.get(page.path).status_code == expected, page.path


def test_every_page_of_the_real_service_desk_guides_opens_for_the_service_desk(
    client, desk_user, provider_user
):
    library = load_library()
    desk_guides = [guide for guide in library.guides if guide.audience == "service_desk"]
    sign_in_as(client, desk_user)
    for guide in desk_guides:
        for page in guide.pages:
            assert client.get(page.path).status_code == 200, page.path
    sign_in_as(client, provider_user)
    for guide in desk_guides:
        for page in guide.pages:
            assert client.get(page.path).status_code == 404, page.path


def test_the_real_guidance_search_finds_return_codes_in_the_providers_guide(client):
    response = client.get("/guidance/search/", {"q": "RC007"})
    assert 'href="/guidance/providers/batch-files/#return-codes"' in response.content.decode()
