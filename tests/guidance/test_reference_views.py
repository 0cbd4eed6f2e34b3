"""The reference pages: public, generated from the code, with a code lookup."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from lrs.guidance import reference
from lrs.guidance.reference_views import CLOSE, OPEN
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PAGES = [
    "portal:reference",
    "portal:reference-codes",
    "portal:reference-batch-files",
    "portal:reference-achievement-files",
    "portal:reference-challenges",
]


@pytest.mark.parametrize("name", PAGES)
def test_every_reference_page_is_public_and_has_the_guidance_breadcrumbs(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-label="Breadcrumb"' in html
    assert f'href="{reverse("portal:guidance")}"' in html


@pytest.mark.parametrize("name", PAGES)
def test_reference_pages_also_work_for_a_signed_in_user(client, name):
    client.force_login(make_user())
    assert client.get(reverse(name)).status_code == 200


def test_the_code_page_shows_the_meaning_where_it_appears_and_what_to_do(client):
    response = client.get(reverse("portal:reference-code", args=["RC007"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Possible matches: a person must choose" in html
    assert reference.BATCH_OUTPUT in html
    assert escape(reference.advice()["RC007"].next) in html
    assert 'href="/guidance/providers/batch-exceptions/"' in html


def test_a_code_page_in_lower_case_redirects_to_the_code_in_capitals(client):
    response = client.get("/guidance/reference/codes/rc007/")
    assert response.status_code == 301
    assert response["Location"] == reverse("portal:reference-code", args=["RC007"])


def test_an_unknown_code_page_is_not_found(client):
    assert client.get("/guidance/reference/codes/RC999/").status_code == 404


def test_the_lookup_redirects_to_the_code_page_whatever_the_case_and_spaces(client):
    response = client.get(reverse("portal:reference-codes"), {"code": "  wsrc0004 "})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:reference-code", args=["WSRC0004"])


def test_the_lookup_of_an_unknown_code_shows_a_govuk_error_summary(client):
    response = client.get(reverse("portal:reference-codes"), {"code": "RC999"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert f"There is no code {OPEN}RC999{CLOSE}. Check the code" in html
    assert 'href="#code"' in html
    assert "<title>Error: " in html
    assert 'value="RC999"' in html


def test_an_empty_lookup_asks_for_a_code(client):
    response = client.get(reverse("portal:reference-codes"), {"code": "  "})
    assert "Enter a code" in response.content.decode()


def test_a_hostile_lookup_is_escaped_and_shortened(client):
    response = client.get(reverse("portal:reference-codes"), {"code": "<script>x</script>" * 5})
    html = response.content.decode()
    assert "<script>x</script>" not in html
    assert f"There is no code {OPEN}&lt;script&gt;x&lt;/script&gt;&lt;…{CLOSE}" in html


def test_the_codes_page_has_a_row_with_the_code_as_its_id_for_every_code(client):
    html = client.get(reverse("portal:reference-codes")).content.decode()
    for code in reference.all_codes():
        assert f'id="{code}"' in html


def test_an_xsd_downloads_as_xml_byte_for_byte(client):
    response = client.get(reverse("portal:reference-xsd", args=["lrb-output"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response.content == reference.xsd_bytes("lrb-output.xsd")
    assert 'filename="lrb-output.xsd"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    "path",
    [
        "/guidance/reference/batch-files/settings.xsd",
        "/guidance/reference/batch-files/LRB.xsd",
        "/guidance/reference/batch-files/..%2Fsettings.xsd",
        "/guidance/reference/batch-files/../../settings.xsd",
    ],
)
def test_only_allowed_xsds_are_served(client, path):
    assert client.get(path).status_code == 404


def test_reference_pages_refuse_a_post(client):
    assert client.post(reverse("portal:reference-codes")).status_code == 405


def test_the_challenges_page_shows_the_deadlines_from_settings(client, settings):
    settings.LRS_CHALLENGE_ACKNOWLEDGE_DAYS = 4
    settings.LRS_CHALLENGE_RESOLVE_DAYS = 21
    html = client.get(reverse("portal:reference-challenges")).content.decode()
    assert "<strong>4 working days</strong>" in html
    assert "<strong>21 working days</strong>" in html
