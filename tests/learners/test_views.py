"""The portal's learner pages through the Django test client: find, register, view,
update and verify, every response code each page can show, and who may do what."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.core import codes
from lrs.identifiers.uln import NOT_A_REAL_ULN
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.services import learner_register, learner_update
from tests.factories import make_organisation, make_user
from tests.learners.helpers import person
from tests.portal.helpers import error_summary_links, sign_in_as, text_of, title

pytestmark = pytest.mark.django_db

# The only addresses a learner page may redirect to: a ULN, never anything personal.
ULN_ONLY_LOCATION = re.compile(r"/learners/[0-9]{10}/(registered)?")


def service_person(**overrides: str) -> dict[str, str]:
    """A learner as the services take one."""
    return person(**{"last_known_postcode": "CV4 9EE", **overrides})


def find_post(**overrides: str) -> dict[str, str]:
    """The find form as a browser posts it: the date of birth in three boxes."""
    base = {
        "given_name": "Olivia",
        "family_name": "Thornbury",
        "date_of_birth_day": "14",
        "date_of_birth_month": "3",
        "date_of_birth_year": "2008",
        "gender": "2",
        "last_known_postcode": "cv4 9ee",
    }
    return {**base, **overrides}


def register_post(**overrides: str) -> dict[str, str]:
    return {**find_post(), "verification_type": "1", "ability_to_share": "1", **overrides}


def update_post(learner: Learner, **overrides: str) -> dict[str, str]:
    """The update form as it is first shown for ``learner``, then with ``overrides``."""
    data = {
        "version_number": str(learner.version_number),
        "title": learner.title,
        "given_name": learner.given_name,
        "middle_other_name": learner.middle_other_name,
        "family_name": learner.family_name,
        "preferred_given_name": learner.preferred_given_name,
        "previous_family_name": learner.previous_family_name,
        "family_name_at_16": learner.family_name_at_16,
        "date_of_birth_day": str(learner.date_of_birth.day),
        "date_of_birth_month": str(learner.date_of_birth.month),
        "date_of_birth_year": str(learner.date_of_birth.year),
        "gender": learner.gender,
        "place_of_birth": learner.place_of_birth,
        "last_known_address_line1": learner.last_known_address_line1,
        "last_known_address_line2": learner.last_known_address_line2,
        "last_known_address_town": learner.last_known_address_town,
        "last_known_address_county_or_city": learner.last_known_address_county_or_city,
        "last_known_postcode": learner.last_known_postcode,
        "verification_type": learner.verification_type,
        "other_verification_description": learner.other_verification_description,
        "ability_to_share": learner.ability_to_share,
        "email_address": learner.email_address,
        "school_at_16": learner.school_at_16,
        "nationality": learner.nationality,
        "scottish_candidate_number": learner.scottish_candidate_number,
        "notes": learner.notes,
    }
    return {**data, **overrides}


def html_of(response) -> str:
    return response.content.decode()


def outcome_code(response) -> str:
    """The response code shown in the page's outcome tag."""
    match = re.search(
        r'id="outcome"><strong class="govuk-tag[^"]*">([A-Z0-9]+)</strong>', html_of(response)
    )
    return match.group(1) if match else ""


def hidden_inputs(html: str, action: str) -> dict[str, str]:
    """The hidden inputs of the form posting to ``action`` whose button has ``value``."""
    inputs: dict[str, str] = {}
    for form in re.findall(r"<form\b.*?</form>", html, flags=re.S):
        if f'action="{action}"' in form:
            inputs.update(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    inputs.pop("csrfmiddlewaretoken", None)
    return inputs


@pytest.fixture
def organisation():
    return make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")


@pytest.fixture
def online_user(organisation):
    return make_user(organisation, Role.ONLINE_USER, username="online.user")


@pytest.fixture
def online(client, online_user):
    return sign_in_as(client, online_user)


@pytest.fixture
def olivia(online_user) -> Learner:
    return learner_register(actor=online_user, data=service_person()).learner


@pytest.fixture
def viewer(client, organisation):
    return sign_in_as(client, make_user(organisation, Role.VIEW_LEARNER_ONLY))


@pytest.fixture
def awarding_user(client):
    organisation = make_organisation(OrganisationType.AWARDING_ORGANISATION)
    return sign_in_as(client, make_user(organisation, Role.AWARDING_ORGANISATION_USER))


def _crowd(actor, count: int = 12) -> None:
    """``count`` registered learners so alike that a find for Olivia is WSRC0002."""
    spellings = ["Olive", "Olivea", "Oliwia", "Olivija", "Alivia", "Olyvia", "Olivya"]
    spellings += ["Oliviah", "Ollivia", "Olivvia", "Olovia", "Olivie", "Olivi"]
    for given_name in spellings[:count]:
        learner_register(
            actor=actor,
            data=service_person(given_name=given_name),
            confirm_new_learner=True,
            confirmation_reason="Test data: a crowd of similar learners",
        )


# --- Access ---------------------------------------------------------------------------


def test_anonymous_visitors_to_the_learner_pages_are_sent_to_sign_in(client):
    for url in ("/learners/find", "/learners/register", "/learners/verify"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in?next=")


def test_an_online_user_has_find_register_and_verify_in_the_service_navigation(online):
    html = html_of(online.get("/learners/find"))
    navigation = html[
        html.find('id="navigation"') : html.find("</ul>", html.find('id="navigation"'))
    ]
    assert 'href="/learners/find"' in navigation
    assert 'href="/learners/register"' in navigation
    assert 'href="/learners/verify"' in navigation
    # The find page is the current section's own page.
    assert 'href="/learners/find" aria-current="page"' in navigation


def test_a_view_learner_only_user_can_find_and_verify_but_not_register_or_update(viewer, olivia):
    assert viewer.get("/learners/find").status_code == 200
    assert viewer.get("/learners/verify").status_code == 200
    assert viewer.get("/learners/register").status_code == 403
    assert viewer.post("/learners/register", register_post()).status_code == 403
    assert viewer.get(f"/learners/{olivia.uln}/update").status_code == 403
    response = viewer.post(f"/learners/{olivia.uln}/update", update_post(olivia, title="Dr"))
    assert response.status_code == 403
    olivia.refresh_from_db()
    assert olivia.title == ""
    html = html_of(viewer.get("/learners/find"))
    assert 'href="/learners/register"' not in html


def test_a_view_learner_only_user_sees_a_learner_without_an_update_button(viewer, olivia):
    response = viewer.get(f"/learners/{olivia.uln}/")
    assert response.status_code == 200
    assert "Update learner details" not in text_of(response)


def test_a_learners_page_offers_to_report_a_problem_with_its_uln_to_the_service_desk(
    online, olivia
):
    html = html_of(online.get(f"/learners/{olivia.uln}/"))
    link = re.search(r'<a [^>]*id="report-uln-problem"[^>]*>', html)
    assert link is not None
    assert f'href="/support/uln-problem/?uln={olivia.uln}"' in link.group(0)
    assert online.get(f"/support/uln-problem/?uln={olivia.uln}").status_code == 200


def test_an_awarding_organisation_user_can_verify_but_not_find_view_or_register(
    awarding_user, olivia
):
    assert awarding_user.get("/learners/verify").status_code == 200
    assert awarding_user.get("/learners/find").status_code == 403
    assert awarding_user.post("/learners/find", find_post()).status_code == 403
    assert awarding_user.get(f"/learners/{olivia.uln}/").status_code == 403
    assert awarding_user.get("/learners/register").status_code == 403
    assert not AuditEntry.objects.filter(action="learner.find").exists()
    navigation = html_of(awarding_user.get("/learners/verify"))
    assert 'href="/learners/verify"' in navigation
    assert 'href="/learners/find"' not in navigation


# --- Find a learner -------------------------------------------------------------------


def test_the_find_page_asks_for_the_five_mandatory_details_and_hides_the_optional_ones(online):
    response = online.get("/learners/find")
    html = html_of(response)
    assert response.status_code == 200
    assert title("Find a learner") in html
    assert '<h1 class="govuk-heading-l">Find a learner</h1>' in html
    for name in ("given_name", "family_name", "date_of_birth_day", "last_known_postcode"):
        assert f'id="{name}"' in html
    for code, label in (("1", "Male"), ("2", "Female"), ("0", "Not known"), ("9", "Not specified")):
        assert f'value="{code}"' in html
        assert label in html
    assert 'method="post"' in html
    # The optional details are in a closed "Add more details" section.
    assert '<details class="govuk-details" id="more-details">' in html
    assert 'id="previous_family_name"' in html


def test_an_empty_find_lists_every_missing_detail_in_the_error_summary(online):
    response = online.post("/learners/find", {})
    assert response.status_code == 200
    assert title("Error: Find a learner") in html_of(response)
    links = dict(error_summary_links(response))
    assert links == {
        "#given_name": "Enter the learner's given name",
        "#family_name": "Enter the learner's family name",
        "#date_of_birth_day": "Enter the date of birth",
        "#gender": "Select the learner's gender",
        "#last_known_postcode": "Enter the learner's postcode",
    }
    assert not AuditEntry.objects.filter(action="learner.find").exists()


def test_a_find_refused_by_the_service_with_wsec0001_shows_the_rule_on_the_field(online):
    response = online.post("/learners/find", find_post(last_known_postcode="XYZ"))
    links = error_summary_links(response)
    assert len(links) == 1
    href, text = links[0]
    assert href == "#last_known_postcode"
    assert "is not a UK postcode" in text


def test_a_find_with_no_match_offers_to_register_carrying_the_details_in_hidden_fields(
    online, olivia
):
    response = online.post(
        "/learners/find",
        find_post(given_name="Jasper", family_name="Okafor", date_of_birth_day="2", gender="1"),
    )
    html = html_of(response)
    assert response.status_code == 200
    assert title("No learner found") in html
    assert outcome_code(response) == codes.NO_MATCH
    assert "No match" in text_of(response)
    carried = hidden_inputs(html, "/learners/register")
    assert carried == {
        "given_name": "Jasper",
        "family_name": "Okafor",
        "date_of_birth_day": "2",
        "date_of_birth_month": "3",
        "date_of_birth_year": "2008",
        "gender": "1",
        "last_known_postcode": "cv4 9ee",
    }
    assert 'value="prefill"' in html
    assert "Register a new learner" in text_of(response)
    entry = AuditEntry.objects.get(action="learner.find")
    assert entry.detail["response_code"] == codes.NO_MATCH


def test_a_view_learner_only_user_with_no_match_is_not_offered_registration(viewer):
    response = viewer.post("/learners/find", find_post())
    assert outcome_code(response) == codes.NO_MATCH
    assert "Register a new learner" not in text_of(response)
    assert hidden_inputs(html_of(response), "/learners/register") == {}
    assert "Your role cannot register learners" in text_of(response)


def test_an_exact_match_shows_the_learner_with_a_percentage_score_and_explanation(online, olivia):
    response = online.post("/learners/find", find_post())
    html = html_of(response)
    page = text_of(response)
    assert title("Learner found") in html
    assert outcome_code(response) == codes.EXACT
    assert "Exact match" in page
    card = html[html.find(f'id="candidate-{olivia.uln}"') :]
    assert olivia.uln in card
    card_text = text_of(SimpleNamespace(content=card.encode()))
    assert "Olivia Thornbury" in card_text
    assert "14 March 2008" in card_text
    assert "CV4 9EE" in card_text
    assert re.search(r"Match score (\d{1,3}%|more than 99%)", card_text)
    # The explanation table: each detail, how it compared, a signed weight and its meaning.
    assert "How the details compare" in card_text
    assert re.search(
        r"Given name Exact \+\d+\.\d Strong evidence this is the same person", card_text
    )
    assert re.search(r"Date of birth Exact \+\d+\.\d", card_text)
    assert re.search(r"Postcode Same postcode \+\d+\.\d", card_text)
    assert f'href="/learners/{olivia.uln}/"' in card
    # An exact match is not an invitation to register again.
    assert hidden_inputs(html, "/learners/register") == {}


def test_possible_matches_are_listed_as_candidate_cards_with_negative_weights_explained(
    online, online_user, olivia
):
    # A nickname and a move: strong evidence, but a nickname could be a twin's name.
    response = online.post(
        "/learners/find", find_post(given_name="Ollie", last_known_postcode="B15 2TT")
    )
    html = html_of(response)
    page = text_of(response)
    assert title("Possible matches") in html
    assert outcome_code(response) == codes.POSSIBLE
    assert "Possible matches" in page
    assert f'id="candidate-{olivia.uln}"' in html
    assert re.search(
        r"Postcode Different -\d+\.\d Strong evidence this is a different person", page
    )
    # The rule that kept a high score possible is named, and the score does not claim
    # a certainty the verdict denies.
    assert "Why this is not an exact match" in page
    assert "this could be a twin or sibling" in page
    assert "more than 99%" not in page
    # None of them? The user may register the learner they were looking for.
    assert hidden_inputs(html, "/learners/register")["last_known_postcode"] == "B15 2TT"


def test_a_learner_who_moved_with_everything_else_exact_is_found_exactly(
    online, online_user, olivia
):
    response = online.post("/learners/find", find_post(last_known_postcode="B15 2TT"))
    assert outcome_code(response) == codes.EXACT


def test_too_many_matches_asks_for_more_details_with_the_form_open_again(online, online_user):
    _crowd(online_user)
    response = online.post("/learners/find", find_post())
    html = html_of(response)
    assert title("Find a learner") in html
    assert outcome_code(response) == codes.TOO_MANY
    assert "Too many learners match these details" in text_of(response)
    assert '<details class="govuk-details" id="more-details" open>' in html
    # What the user typed is still in the form.
    assert 'value="Olivia"' in html
    assert 'value="cv4 9ee"' in html


def test_a_linked_learner_found_exactly_shows_the_master_with_wsrc0022(online, online_user):
    master = learner_register(
        actor=online_user, data=service_person(given_name="Livvy", last_known_postcode="B15 2TT")
    ).learner
    linked = learner_register(
        actor=online_user,
        data=service_person(),
        confirm_new_learner=True,
        confirmation_reason="Test: later merged into the master",
    ).learner
    Learner.objects.filter(pk=linked.pk).update(status=LearnerStatus.LINKED, master=master)
    response = online.post("/learners/find", find_post())
    assert outcome_code(response) == codes.MASTER_SUBSTITUTED
    page = text_of(response)
    assert "Master record substituted" in page
    assert "merged into another" in page
    assert f'id="candidate-{master.uln}"' in html_of(response)
    assert f'id="candidate-{linked.uln}"' not in html_of(response)


def test_change_your_search_puts_the_details_back_in_the_form_without_errors(online):
    response = online.post("/learners/find", {**find_post(), "action": "edit"})
    html = html_of(response)
    assert title("Find a learner") in html
    assert error_summary_links(response) == []
    assert 'value="Olivia"' in html
    assert 'value="2008"' in html
    assert not AuditEntry.objects.filter(action="learner.find").exists()


# --- Register a learner ---------------------------------------------------------------


def test_the_register_page_groups_the_fields_and_reveals_the_other_evidence_description(
    online,
):
    response = online.get("/learners/register")
    html = html_of(response)
    assert title("Register a learner") in html
    for heading in ("Name", "Date of birth and gender", "Address", "Identity and sharing"):
        assert f'<h2 class="govuk-heading-m">{heading}</h2>' in html
    assert 'data-lrs-reveals="conditional-verification_type-9"' in html
    assert 'id="conditional-verification_type-9"' in html
    assert "Privacy notice seen: may share" in html
    assert '<textarea class="govuk-textarea" id="notes" name="notes"' in html


def test_register_from_a_find_with_no_match_fills_in_the_details_without_errors(online):
    response = online.post("/learners/register", {**find_post(), "action": "prefill"})
    html = html_of(response)
    assert title("Register a learner") in html
    assert error_summary_links(response) == []
    assert 'value="Olivia"' in html
    assert 'value="Thornbury"' in html
    assert 'value="14"' in html
    assert 'value="2" checked' in html
    assert not Learner.objects.exists()


def test_registering_a_new_learner_redirects_by_uln_to_a_panel_showing_the_uln(online):
    response = online.post("/learners/register", register_post())
    learner = Learner.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/learners/{learner.uln}/registered"
    panel = online.get(response["Location"])
    html = html_of(panel)
    assert title("Learner registered") in html
    assert '<div class="govuk-panel govuk-panel--confirmation">' in html
    assert f'<strong id="registered-uln">{learner.uln}</strong>' in html
    assert learner.last_known_postcode == "CV4 9EE"
    assert learner.created_by_organisation.name == "Fenland College"
    assert AuditEntry.objects.get(action="learner.register").object_id == learner.uln


def test_the_registered_panel_is_only_for_whoever_registered_the_learner(
    client, organisation, olivia
):
    colleague = make_user(organisation, Role.ONLINE_USER)
    response = sign_in_as(client, colleague).get(f"/learners/{olivia.uln}/registered")
    assert response.status_code == 302
    assert response["Location"] == f"/learners/{olivia.uln}/"


def test_missing_register_details_link_to_their_fields_with_the_date_on_its_day_box(online):
    response = online.post("/learners/register", {"action": "register"})
    links = dict(error_summary_links(response))
    assert links["#date_of_birth_day"] == "Enter the date of birth"
    assert links["#verification_type"] == "Select the evidence of the learner's identity you saw"
    assert links["#ability_to_share"] == "Select whether the learner's record may be shared"
    assert title("Error: Register a learner") in html_of(response)
    assert not Learner.objects.exists()


def test_the_services_wsec0001_problems_appear_on_the_register_fields(online):
    response = online.post(
        "/learners/register",
        register_post(
            date_of_birth_year="2020",
            given_name="Olivia2",
            verification_type="999",
        ),
    )
    links = dict(error_summary_links(response))
    assert "aged 13 to 110" in links["#date_of_birth_day"]
    assert "Names may contain letters" in links["#given_name"]
    assert "Describe the evidence seen" in links["#other_verification_description"]
    # The "Other" description is revealed, because "Other" is the chosen evidence.
    html = html_of(response)
    assert 'class="govuk-radios__conditional" id="conditional-verification_type-9"' in html
    assert not Learner.objects.exists()


def test_registering_the_same_five_details_twice_is_refused_with_wsrc0021(online, olivia):
    response = online.post("/learners/register", register_post())
    page = text_of(response)
    assert response.status_code == 200
    assert "already registered (WSRC0021)" in page
    assert outcome_code(response) == codes.ALREADY_REGISTERED
    assert error_summary_links(response)
    # The way on is to find the learner who is registered, details carried by POST.
    assert hidden_inputs(html_of(response), "/learners/find")["given_name"] == "Olivia"
    assert Learner.objects.count() == 1


def test_a_similar_learner_is_shown_and_registering_needs_a_reason_then_succeeds(online, olivia):
    similar = register_post(last_known_postcode="B15 2TT")
    response = online.post("/learners/register", similar)
    html = html_of(response)
    assert title("Check if this learner is already registered") in html
    assert outcome_code(response) in (codes.POSSIBLE, codes.EXACT)
    assert f'id="candidate-{olivia.uln}"' in html
    assert "How the details compare" in text_of(response)
    assert Learner.objects.count() == 1

    carried = hidden_inputs(html, "/learners/register")
    assert carried["last_known_postcode"] == "B15 2TT"
    assert carried["verification_type"] == "1"

    # "This is a different person" without a reason is refused, candidates still shown.
    refused = online.post("/learners/register", {**carried, "action": "confirm"})
    assert dict(error_summary_links(refused)) == {
        "#confirmation_reason": "Enter why this is a different person"
    }
    assert title("Error: Check if this learner is already registered") in html_of(refused)
    assert f'id="candidate-{olivia.uln}"' in html_of(refused)
    assert Learner.objects.count() == 1

    registered = online.post(
        "/learners/register",
        {**carried, "action": "confirm", "confirmation_reason": "Different person: twin sister"},
    )
    assert registered.status_code == 302
    second = Learner.objects.exclude(pk=olivia.pk).get()
    assert registered["Location"] == f"/learners/{second.uln}/registered"
    entry = AuditEntry.objects.get(action="learner.register", object_id=second.uln)
    assert entry.detail["confirmed_new_learner"] is True
    assert entry.detail["reason"] == "Different person: twin sister"
    assert entry.detail["candidates_overridden"] == [olivia.uln]


def test_change_the_details_from_the_candidates_page_refills_the_register_form(online, olivia):
    response = online.post(
        "/learners/register",
        {**register_post(last_known_postcode="B15 2TT"), "action": "prefill"},
    )
    html = html_of(response)
    assert title("Register a learner") in html
    assert 'value="B15 2TT"' in html
    assert 'value="1" checked' in html


def test_too_many_similar_learners_to_register_asks_for_details_or_a_reason(online, online_user):
    _crowd(online_user)
    before = Learner.objects.count()
    response = online.post("/learners/register", register_post())
    assert title("Too many similar learners to check") in html_of(response)
    assert outcome_code(response) == codes.TOO_MANY
    assert Learner.objects.count() == before
    carried = hidden_inputs(html_of(response), "/learners/register")
    registered = online.post(
        "/learners/register",
        {**carried, "action": "confirm", "confirmation_reason": "Checked each one by phone"},
    )
    assert registered.status_code == 302
    assert Learner.objects.count() == before + 1


# --- View a learner -------------------------------------------------------------------


def test_the_learner_page_shows_every_field_with_code_labels_and_the_history(
    online, online_user, olivia
):
    learner_update(
        actor=online_user, uln=olivia.uln, version_number=1, data={"last_known_postcode": "B152TT"}
    )
    response = online.get(f"/learners/{olivia.uln}/")
    html = html_of(response)
    page = text_of(response)
    assert response.status_code == 200
    assert title(f"Olivia Thornbury, ULN {olivia.uln}") in html
    assert '<nav class="govuk-breadcrumbs" aria-label="Breadcrumb">' in html
    assert "Gender Female" in page
    assert "Evidence of identity seen Relationship with school" in page
    assert "Ability to share Privacy notice seen: may share" in page
    assert "Date of birth 14 March 2008" in page
    assert "Version 2" in page
    assert "Status Active" in page
    assert "Middle or other names Not given" in page
    # The history: who, when, and old → new values.
    assert "Change history" in page
    assert "Postcode: CV4 9EE → B15 2TT" in page
    assert "Registered" in page
    assert "Gender: Female" in page
    assert "Fenland College" in page
    assert f'href="/learners/{olivia.uln}/update"' in html


def test_an_unknown_or_malformed_uln_is_page_not_found(online):
    assert online.get("/learners/9276308686/").status_code == 404
    assert online.get("/learners/12345/").status_code == 404


def test_a_linked_learner_points_to_the_master_and_cannot_be_updated(online, online_user, olivia):
    other = learner_register(
        actor=online_user,
        data=service_person(given_name="Livvy", last_known_postcode="B15 2TT"),
        confirm_new_learner=True,
        confirmation_reason="Test",
    ).learner
    Learner.objects.filter(pk=other.pk).update(status=LearnerStatus.LINKED, master=olivia)
    response = online.get(f"/learners/{other.uln}/")
    assert "merged into another learner" in text_of(response)
    assert "Update learner details" not in text_of(response)
    update = online.get(f"/learners/{other.uln}/update")
    assert update.status_code == 302
    assert update["Location"] == f"/learners/{other.uln}/"
    assert "update that learner instead" in text_of(online.get(update["Location"]))


# --- Update a learner -----------------------------------------------------------------


def test_the_update_form_is_filled_in_with_the_version_in_a_hidden_field(online, olivia):
    response = online.get(f"/learners/{olivia.uln}/update")
    html = html_of(response)
    assert title("Update learner details") in html
    assert '<input type="hidden" name="version_number" value="1"' in html
    assert 'value="Olivia"' in html
    assert 'value="CV4 9EE"' in html
    assert 'value="14"' in html


def test_an_update_saves_and_shows_a_success_banner_with_wsrc0006(online, olivia):
    response = online.post(
        f"/learners/{olivia.uln}/update", update_post(olivia, family_name="Okafor")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/learners/{olivia.uln}/"
    olivia.refresh_from_db()
    assert olivia.family_name == "Okafor"
    assert olivia.previous_family_name == "Thornbury"
    assert olivia.version_number == 2
    page = online.get(response["Location"])
    assert "govuk-notification-banner--success" in html_of(page)
    assert "Learner details updated" in text_of(page)
    assert "(WSRC0006)" not in text_of(page)
    assert "Family name: Thornbury → Okafor" in text_of(page)


def test_an_update_that_changes_nothing_says_so_with_wsrc0020(online, olivia):
    response = online.post(f"/learners/{olivia.uln}/update", update_post(olivia))
    assert response.status_code == 302
    page = text_of(online.get(response["Location"]))
    assert "You did not change anything, so the learner was not updated" in page
    assert "(WSRC0020)" not in page  # a response code means nothing to a person
    olivia.refresh_from_db()
    assert olivia.version_number == 1


def test_a_stale_update_says_someone_else_changed_the_learner_with_a_reload_link(
    online, online_user, olivia
):
    stale = update_post(olivia, title="Dr")
    learner_update(actor=online_user, uln=olivia.uln, version_number=1, data={"title": "Ms"})
    response = online.post(f"/learners/{olivia.uln}/update", stale)
    html = html_of(response)
    assert response.status_code == 200
    assert outcome_code(response) == codes.STALE_VERSION
    assert "Someone else changed this learner since you opened it" in text_of(response)
    assert f'href="/learners/{olivia.uln}/update">Reload' in html
    # What they typed is kept, so they can see it; nothing was saved.
    assert 'value="Dr"' in html
    olivia.refresh_from_db()
    assert olivia.title == "Ms"


def test_taking_ability_to_share_back_to_not_seen_is_refused_with_wsrc0014(online, olivia):
    response = online.post(
        f"/learners/{olivia.uln}/update", update_post(olivia, ability_to_share="0")
    )
    links = dict(error_summary_links(response))
    assert "WSRC0014" in links["#ability_to_share"]
    olivia.refresh_from_db()
    assert olivia.ability_to_share == "1"


def test_update_field_errors_from_the_form_and_the_service_are_linked_to_the_fields(online, olivia):
    response = online.post(
        f"/learners/{olivia.uln}/update",
        update_post(olivia, given_name="", last_known_postcode="XYZ"),
    )
    links = dict(error_summary_links(response))
    assert links["#given_name"] == "Enter the learner's given name"
    response = online.post(
        f"/learners/{olivia.uln}/update",
        update_post(olivia, last_known_postcode="XYZ", nationality="Britain"),
    )
    links = dict(error_summary_links(response))
    assert "is not a UK postcode" in links["#last_known_postcode"]
    assert links["#nationality"] == "Use a 2 or 3 letter country code"
    olivia.refresh_from_db()
    assert olivia.version_number == 1


# --- Verify a learner -----------------------------------------------------------------


def test_verifying_the_right_details_is_a_successful_match_wsvrc001(awarding_user, olivia):
    response = awarding_user.post(
        "/learners/verify",
        {"uln": olivia.uln, "given_name": "Olivia", "family_name": "Thornbury"},
    )
    assert response.status_code == 200
    assert title("The details match this ULN") in html_of(response)
    assert outcome_code(response) == codes.VERIFY_MATCH
    page = text_of(response)
    assert "Successful match" in page
    assert "None: every detail you gave agrees" in page
    entry = AuditEntry.objects.get(action="learner.verify")
    assert entry.object_id == olivia.uln


def test_a_similar_name_is_wsvrc003_with_the_flag_explained_in_plain_english(awarding_user, olivia):
    response = awarding_user.post(
        "/learners/verify",
        {"uln": olivia.uln, "given_name": "Olive", "family_name": "Thornbury"},
    )
    assert outcome_code(response) == codes.VERIFY_SIMILAR
    page = text_of(response)
    assert "Similar match" in page
    assert (
        "VRF1 Given name against given name The given name you entered does not exactly "
        "match the learner's given name" in page
    )


def test_a_different_given_name_is_wsvrc005_learner_does_not_match(awarding_user, olivia):
    response = awarding_user.post(
        "/learners/verify",
        {"uln": olivia.uln, "given_name": "Livvy", "family_name": "Thornbury"},
    )
    assert outcome_code(response) == codes.VERIFY_NO_MATCH
    assert "Learner does not match" in text_of(response)


def test_a_wrong_date_of_birth_and_gender_are_wsvrc005_with_vrf7_and_vrf8(awarding_user, olivia):
    response = awarding_user.post(
        "/learners/verify",
        {
            "uln": olivia.uln,
            "given_name": "Olivia",
            "family_name": "Thornbury",
            "date_of_birth_day": "15",
            "date_of_birth_month": "3",
            "date_of_birth_year": "2008",
            "gender": "1",
        },
    )
    assert outcome_code(response) == codes.VERIFY_NO_MATCH
    page = text_of(response)
    assert title("The details do not match this ULN") in html_of(response)
    assert "VRF7 Date of birth The date of birth you entered is not the learner's" in page
    assert "VRF8 Gender The gender you entered is not the learner's" in page
    # Nothing of the stored learner is revealed.
    assert "14 March 2008" not in page
    assert "Female" not in page.split("What you checked")[1]


def test_a_valid_uln_nobody_has_is_wsvrc006(awarding_user):
    response = awarding_user.post(
        "/learners/verify",
        {"uln": "9276308686", "given_name": "Olivia", "family_name": "Thornbury"},
    )
    assert outcome_code(response) == codes.VERIFY_ULN_NOT_FOUND
    assert "ULN not found" in text_of(response)


def test_an_invalid_uln_is_shown_on_the_uln_field(online):
    response = online.post(
        "/learners/verify",
        {"uln": "9276308687", "given_name": "Olivia", "family_name": "Thornbury"},
    )
    links = dict(error_summary_links(response))
    assert links["#uln"] == f"Enter a valid ULN. {NOT_A_REAL_ULN}"
    # Never the right check digit: a ULN "fixed" that way is another learner's.
    assert "6" not in links["#uln"]
    assert title("Error: Verify a learner") in html_of(response)


def test_an_empty_verify_form_asks_for_the_uln_and_names(online):
    response = online.post("/learners/verify", {})
    assert dict(error_summary_links(response)) == {
        "#uln": "Enter the ULN",
        "#given_name": "Enter the learner's given name",
        "#family_name": "Enter the learner's family name",
    }


# --- Personal data stays out of URLs --------------------------------------------------


def test_no_learner_form_submits_by_get_and_no_redirect_carries_personal_data(
    online, online_user, olivia
):
    pages = [
        online.get("/learners/find"),
        online.post("/learners/find", find_post()),
        online.post("/learners/find", find_post(given_name="Jasper")),
        online.get("/learners/register"),
        online.post("/learners/register", register_post(last_known_postcode="B15 2TT")),
        online.get(f"/learners/{olivia.uln}/update"),
        online.get("/learners/verify"),
    ]
    for response in pages:
        html = html_of(response)
        for form in re.findall(r"<form\b[^>]*>", html):
            assert 'method="post"' in form, form
            action = re.search(r'action="([^"]*)"', form)
            assert action is None or "?" not in action.group(1), form

    redirects = [
        online.post(
            "/learners/register",
            register_post(
                given_name="Jasper", family_name="Okafor", date_of_birth_day="2", gender="1"
            ),
        ),
        online.post(f"/learners/{olivia.uln}/update", update_post(olivia, title="Dr")),
    ]
    olivia.refresh_from_db()
    redirects.append(online.post(f"/learners/{olivia.uln}/update", update_post(olivia)))
    for response in redirects:
        assert response.status_code == 302
        location = response["Location"]
        assert ULN_ONLY_LOCATION.fullmatch(location), location
        # The ULN itself is the one thing allowed, and its random digits may contain
        # "2008": look at the rest.
        without_uln = re.sub(r"\d{10}", "", location)
        for personal in ("Jasper", "Okafor", "Olivia", "Thornbury", "2008", "CV4", "cv4"):
            assert personal not in without_uln


def test_find_by_uln_opens_the_record_only_when_the_names_match(client):
    registrar = make_user(make_organisation(), Role.ONLINE_USER)
    learner = learner_register(
        actor=registrar,
        data={
            "given_name": "Olivia",
            "family_name": "Thornbury",
            "date_of_birth": "2008-03-14",
            "gender": "2",
            "last_known_postcode": "CV4 9EE",
            "verification_type": "1",
            "ability_to_share": "1",
        },
    ).learner
    other = make_user(make_organisation(), Role.ONLINE_USER)
    sign_in_as(client, other)
    assert client.get(f"/learners/{learner.uln}/").status_code == 404
    wrong = client.post(
        "/learners/find-by-uln",
        {"uln": learner.uln, "given_name": "Someone", "family_name": "Else"},
    )
    assert "WSRC0001" in wrong.content.decode()
    right = client.post(
        "/learners/find-by-uln",
        {"uln": learner.uln, "given_name": "Olivia", "family_name": "Thornbury"},
    )
    assert right.status_code == 302
    assert right["Location"] == f"/learners/{learner.uln}/"
    assert client.get(right["Location"]).status_code == 200


def test_retrieve_ulns_lists_each_ulns_outcome(client):
    user = make_user(make_organisation(), Role.ONLINE_USER)
    sign_in_as(client, user)
    response = client.post("/learners/retrieve", {"ulns": "9276308686\n12345"})
    body = response.content.decode()
    assert "WSRC0001" in body
    assert "WSEC0136" in body


def test_opening_a_learners_page_is_audited(client):
    user = make_user(make_organisation(), Role.ONLINE_USER)
    learner = learner_register(actor=user, data=service_person()).learner
    sign_in_as(client, user)
    assert client.get(f"/learners/{learner.uln}/").status_code == 200
    entry = AuditEntry.objects.get(action="learner.view")
    assert (entry.actor, entry.object_id, entry.outcome) == (user, learner.uln, "success")
