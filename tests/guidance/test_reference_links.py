"""Codes shown in portal pages link to their reference pages."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse

from lrs.access import OrganisationType, Role
from lrs.learners.services import learner_register
from tests.factories import batch_record, make_batch, make_organisation, make_user


def render(source: str, **context: object) -> str:
    return Template("{% load guidance_reference %}" + source).render(Context(context))


def test_code_link_turns_a_code_into_a_govuk_link_to_its_page():
    html = render("{{ code|code_link }}", code="RC007")
    assert html == '<a class="govuk-link" href="/guidance/reference/codes/RC007/">RC007</a>'


@pytest.mark.parametrize("value", ["FILE", "", None, "rc007", "<b>RC007</b>"])
def test_code_link_leaves_anything_that_is_not_a_code_as_escaped_text(value):
    html = render("{{ code|code_link }}", code=value)
    assert "<a " not in html
    assert "<b>" not in html


def test_code_url_is_empty_for_an_unknown_code():
    assert render("{{ code|code_url }}", code="NOPE") == ""
    assert render("{{ code|code_url }}", code="FD05") == "/guidance/reference/codes/FD05/"


@pytest.mark.django_db
def test_the_batch_exceptions_page_links_each_return_code_to_its_reference_page(
    client, settings, tmp_path
):
    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"
    user = make_user(make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE), Role.BATCH_USER)
    learner_register(actor=user, data=batch_record(2).learner_data())
    records = [batch_record(2, given_name="Anne", last_known_postcode="B15 2TT")]
    batch = make_batch(user, records)
    client.force_login(user)
    html = client.get(reverse("portal:batch-exceptions", args=[batch.public_id])).content.decode()
    assert (
        'RC007</strong> <a class="govuk-link" href="/guidance/reference/codes/RC007/">'
        "Possible matches: a person must choose</a>" in html
    )
    detail = client.get(reverse("portal:batch-detail", args=[batch.public_id])).content.decode()
    assert 'href="/guidance/reference/codes/RC007/"' in detail
