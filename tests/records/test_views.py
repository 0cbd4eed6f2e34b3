"""The PLR pages through the Django test client: viewing a PLR (full and brief), every
response code the page can show, recording the privacy notice for an opted-out learner,
who has viewed a record, and who may do what."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.audit.services import audit_record
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.services import learner_register
from lrs.records.models import EventStatus, LearningEvent
from lrs.records.services import EventValues, event_create
from tests.factories import OLIVIA, make_organisation, make_user
from tests.portal.helpers import error_summary_links, sign_in_as, text_of, title
from tests.records.helpers import plr_post

pytestmark = pytest.mark.django_db

PLR_URL = "/plr/"


def test_the_url_names():
    assert reverse("portal:plr-view") == PLR_URL
    assert reverse("portal:plr-viewers", args=["1234567890"]) == "/learners/1234567890/viewers/"


def test_the_form_asks_for_the_uln_names_and_full_or_brief_full_by_default(client, provider_user):
    sign_in_as(client, provider_user)
    response = client.get(PLR_URL)
    assert response.status_code == 200
    assert title("View a Personal Learning Record") in response.content.decode()
    html = response.content.decode()
    assert 'id="date_of_birth_day"' in html
    assert 'name="detail" type="radio" value="FULL" checked' in html
    assert 'value="BRIEF" checked' not in html
    # On the home page and in the navigation.
    home = client.get("/").content.decode()
    assert f'href="{PLR_URL}"' in home
    assert "View a PLR" in home


def test_a_provider_sees_the_full_plr_with_links_to_the_learner_and_its_viewers(
    client, provider_user, learner, event
):
    LearningEvent.objects.filter(pk=event.pk).update(
        under_data_challenge=True, credits=12, language_for_assessment="English"
    )
    sign_in_as(client, provider_user)
    response = client.post(PLR_URL, plr_post(learner))
    assert response.status_code == 200
    text = text_of(response)
    assert "Olivia Thornbury" in text
    assert f"ULN {learner.uln}" in text
    assert "WSRC0004 Exact match" in text
    for expected in (
        "25 August 2022",
        "GCSE (9 to 1) in Mathematics",
        "601/4702/5",
        "Level 1/2",
        "Final",
        "Meridian Awards",
        "English",
        "Under data challenge",
        "Awarding organisation",
        "Date loaded",
    ):
        assert expected in text, expected
    html = response.content.decode()
    assert f'href="/learners/{learner.uln}/"' in html
    assert f'href="/learners/{learner.uln}/viewers/"' in html
    entry = AuditEntry.objects.get(action="plr.view")
    assert (entry.actor, entry.object_id, entry.outcome) == (provider_user, learner.uln, "success")


def test_brief_shows_fewer_columns(client, provider_user, learner, event):
    sign_in_as(client, provider_user)
    text = text_of(client.post(PLR_URL, plr_post(learner, detail="BRIEF")))
    assert "GCSE (9 to 1) in Mathematics" in text
    assert "Awarding organisation" not in text
    assert "Date loaded" not in text
    assert "Meridian Awards" not in text


def test_a_provisional_event_says_so(client, provider_user, learner, event):
    LearningEvent.objects.filter(pk=event.pk).update(status=EventStatus.PROVISIONAL)
    sign_in_as(client, provider_user)
    assert "Provisional" in text_of(client.post(PLR_URL, plr_post(learner)))


def test_a_learner_with_no_events_has_an_empty_state(client, provider_user, learner):
    sign_in_as(client, provider_user)
    response = client.post(PLR_URL, plr_post(learner))
    assert 'id="no-events"' in response.content.decode()
    assert "This learner has no learning events on their record yet" in text_of(response)


def test_a_linked_uln_shows_the_masters_record_and_says_it_was_merged(
    client, provider_user, learner, event
):
    old = learner_register(
        actor=provider_user,
        data={**OLIVIA, "given_name": "Livvy", "last_known_postcode": "B15 2TT"},
        confirm_new_learner=True,
        confirmation_reason="test",
    ).learner
    Learner.objects.filter(pk=old.pk).update(status=LearnerStatus.LINKED, master=learner)
    sign_in_as(client, provider_user)
    text = text_of(client.post(PLR_URL, plr_post(learner, uln=old.uln)))
    assert "WSRC0022" in text
    assert f"ULN {old.uln} has been merged into {learner.uln}" in text
    assert "GCSE (9 to 1) in Mathematics" in text


def test_names_that_do_not_match_are_wsec0208_on_the_form(client, provider_user, learner):
    sign_in_as(client, provider_user)
    response = client.post(PLR_URL, plr_post(learner, given_name="Someone", family_name="Else"))
    assert response.status_code == 200
    [(_, message)] = error_summary_links(response)
    assert "WSEC0208" in message
    assert "<title>Error: View a Personal Learning Record" in response.content.decode()


def test_an_invalid_uln_is_wsec0136_on_the_uln(client, provider_user, learner):
    sign_in_as(client, provider_user)
    response = client.post(PLR_URL, plr_post(learner, uln="9276308687"))
    [(href, message)] = error_summary_links(response)
    assert href == "#uln"
    assert "WSEC0136" in message


def test_missing_details_are_errors_on_their_fields(client, provider_user, learner):
    sign_in_as(client, provider_user)
    response = client.post(PLR_URL, plr_post(learner, uln="", given_name="", detail=""))
    assert error_summary_links(response) == [
        ("#uln", "Enter the ULN"),
        ("#given_name", "Enter the learner's given name"),
        ("#detail", "Select full or brief"),
    ]
    assert not AuditEntry.objects.filter(action="plr.view").exists()


def test_an_opted_out_learner_needs_the_privacy_notice_then_the_plr_is_shown(
    client, provider_user, learner, event
):
    Learner.objects.filter(pk=learner.pk).update(ability_to_share="2")
    sign_in_as(client, provider_user)
    posted = plr_post(learner, detail="BRIEF", gender="2")
    response = client.post(PLR_URL, posted)
    html = response.content.decode()
    text = text_of(response)
    assert "WSEC0206" in text
    assert "opted out" in text
    assert "give the learner the current LRS privacy notice" in text
    # The details go on in hidden inputs, never in a URL.
    assert f'<input type="hidden" name="uln" value="{learner.uln}">' in html
    assert '<input type="hidden" name="detail" value="BRIEF">' in html
    assert '<input type="hidden" name="gender" value="2">' in html
    assert "I have given the learner the current privacy notice" in text

    # Without ticking the box: an error, nothing recorded.
    response = client.post(PLR_URL, {**posted, "action": "privacy-notice"})
    assert error_summary_links(response) == [
        ("#confirmed", "Confirm that you have given the learner the current privacy notice")
    ]
    learner.refresh_from_db()
    assert learner.ability_to_share == "2"

    response = client.post(PLR_URL, {**posted, "action": "privacy-notice", "confirmed": "on"})
    text = text_of(response)
    assert "You have recorded that the learner was given the current privacy notice" in text
    assert "WSRC0004" in text
    assert "GCSE (9 to 1) in Mathematics" in text
    assert "Awarding organisation" not in text  # still brief
    learner.refresh_from_db()
    assert learner.ability_to_share == "1"
    notice = AuditEntry.objects.get(action="learner.privacy_notice")
    assert (notice.actor, notice.object_id) == (provider_user, learner.uln)


def test_an_awarding_organisation_sees_only_its_own_events_and_cannot_record_notices(
    client, ao_user, provider_user, learner, event, gcse
):
    other_ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Other Awards")
    other_q = gcse.__class__.objects.create(
        reference="603/1111/1",
        kind="qualification",
        title="Certificate in Baking",
        awarding_organisation=other_ao,
    )
    event_create(
        actor=make_user(other_ao, Role.AWARDING_ORGANISATION_USER),
        learner=learner,
        values=EventValues(qualification=other_q, grade="Pass", award_date=dt.date(2023, 7, 1)),
    )
    sign_in_as(client, ao_user)
    response = client.post(PLR_URL, plr_post(learner))
    text = text_of(response)
    assert "GCSE (9 to 1) in Mathematics" in text
    assert "Certificate in Baking" not in text
    # Awarding organisations cannot open learner pages: no links to them.
    assert f"/learners/{learner.uln}/" not in response.content.decode()
    assert client.get(f"/learners/{learner.uln}/viewers/").status_code == 403

    Learner.objects.filter(pk=learner.pk).update(ability_to_share="2")
    response = client.post(PLR_URL, plr_post(learner))
    text = text_of(response)
    assert "WSEC0206" in text
    assert "I have given the learner" not in text
    response = client.post(
        PLR_URL, {**plr_post(learner), "action": "privacy-notice", "confirmed": "on"}
    )
    assert response.status_code == 403
    learner.refresh_from_db()
    assert learner.ability_to_share == "2"


def test_who_has_viewed_lists_views_and_notices_newest_first(client, provider_user, learner):
    other_org = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland")
    other = make_user(other_org, Role.ONLINE_USER)
    sign_in_as(client, provider_user)
    client.post(PLR_URL, plr_post(learner))
    client.post(PLR_URL, plr_post(learner, given_name="Wrong", family_name="Person"))
    audit_record(
        action="learner.privacy_notice", actor=other, object_type="uln", object_id=learner.uln
    )
    audit_record(action="learner.find", actor=other, object_type="uln", object_id=learner.uln)
    response = client.get(f"/learners/{learner.uln}/viewers/")
    assert response.status_code == 200
    assert title(f"Who has viewed the record of ULN {learner.uln}") in response.content.decode()
    text = text_of(response)
    assert "3 in all" in text
    body = text[text.index("Outcome") :]
    notice = body.index("Privacy notice recorded")
    refused = body.index("Refused WSEC0208")
    shown = body.index("Shown WSRC0004")
    assert notice < refused < shown
    assert "Fenland" in body
    assert provider_user.organisation.name in body
    assert f'href="/learners/{learner.uln}/"' in response.content.decode()


def test_who_has_viewed_is_paginated(client, provider_user, learner, settings):
    from lrs.records import views

    sign_in_as(client, provider_user)
    client.post(PLR_URL, plr_post(learner))
    for _ in range(views.VIEWERS_PER_PAGE):
        audit_record(
            action="plr.view", actor=provider_user, object_type="uln", object_id=learner.uln
        )
    first = client.get(f"/learners/{learner.uln}/viewers/")
    assert "govuk-pagination" in first.content.decode()
    second = client.get(f"/learners/{learner.uln}/viewers/?page=2")
    assert second.status_code == 200
    assert text_of(second).count("PLR viewed") == 1


def test_who_has_viewed_is_not_found_for_an_organisation_that_has_not_seen_the_learner(
    client, learner
):
    stranger = make_user(make_organisation(OrganisationType.SCHOOL), Role.ONLINE_USER)
    sign_in_as(client, stranger)
    assert client.get(f"/learners/{learner.uln}/viewers/").status_code == 404
    assert client.get("/learners/9999999999/viewers/").status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, learner):
    response = client.get(PLR_URL)
    assert response.status_code == 302
    assert "/sign-in" in response["Location"]
    assert client.get(f"/learners/{learner.uln}/viewers/").status_code == 302


# --- Carrying what is known to the PLR ---------------------------------------------------


def _carried(html: str, form_id: str = "view-plr") -> dict[str, str]:
    """The hidden inputs of the form with ``form_id``."""
    form = html[html.index(f'id="{form_id}"') :]
    form = form[: form.index("</form>")]
    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))


def test_from_a_learners_page_their_learning_record_opens_without_retyping_anything(
    client, provider_user, learner, event
):
    sign_in_as(client, provider_user)
    page = client.get(f"/learners/{learner.uln}/").content.decode()
    assert 'form="view-plr"' in page
    carried = _carried(page)
    assert carried["uln"] == learner.uln
    assert (carried["given_name"], carried["family_name"]) == ("Olivia", "Thornbury")
    assert f'href="{PLR_URL}">View their learning record' not in page  # not an empty form
    # Sent as the page's button sends it: the PLR itself, not a form to fill in again.
    response = client.post(PLR_URL, carried)
    assert response.status_code == 200
    text = text_of(response)
    assert "Personal Learning Record" in text
    assert "GCSE (9 to 1) in Mathematics" in text
    assert "There is a problem" not in text


def test_after_verifying_a_learner_their_record_opens_with_the_details_just_checked(
    client, ao_user, learner, event
):
    sign_in_as(client, ao_user)
    verified = client.post(
        "/learners/verify",
        {"uln": learner.uln, "given_name": "Olivia", "family_name": "Thornbury"},
    ).content.decode()
    carried = _carried(verified)
    assert (carried["uln"], carried["given_name"]) == (learner.uln, "Olivia")
    response = client.post(PLR_URL, carried)
    assert "GCSE (9 to 1) in Mathematics" in text_of(response)
