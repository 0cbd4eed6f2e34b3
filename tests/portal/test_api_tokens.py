import re
from datetime import timedelta

import pytest
from django.utils import timezone

from lrs.access import OrganisationType, Role
from lrs.users.models import ApiToken
from lrs.users.services import api_token_authenticate, api_token_create
from tests.factories import make_organisation, make_user
from tests.portal.helpers import error_summary_links, sign_in_as, text_of

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"lrs_[a-z0-9]{12}_[A-Za-z0-9_-]{43}")


@pytest.fixture
def person(client):
    user = make_user(make_organisation(), Role.ONLINE_USER)
    sign_in_as(client, user)
    return user


def test_every_role_that_may_use_the_api_has_the_tokens_page(client):
    for org_type, role in [
        (OrganisationType.SCHOOL, Role.VIEW_LEARNER_ONLY),
        (OrganisationType.AWARDING_ORGANISATION, Role.AWARDING_ORGANISATION_USER),
        (OrganisationType.SERVICE_DESK, Role.SERVICE_DESK_USER),
    ]:
        sign_in_as(client, make_user(make_organisation(org_type), role))
        assert client.get("/api-tokens/").status_code == 200


def test_creating_a_token_shows_the_plaintext_once_with_a_warning(client, person):
    response = client.post("/api-tokens/new", {"name": "MIS nightly sync"})
    assert response.status_code == 200
    shown = TOKEN.findall(response.content.decode())
    assert len(shown) == 1
    assert "Copy this token now. You will not be able to see it again." in text_of(response)
    assert api_token_authenticate(plaintext=shown[0]) == person
    assert response["Cache-Control"] == "no-store"


def test_the_token_list_never_shows_the_plaintext_only_the_key_id(client, person):
    created = client.post("/api-tokens/new", {"name": "MIS nightly sync"})
    plaintext = TOKEN.findall(created.content.decode())[0]
    token = ApiToken.objects.get(user=person)
    listing = client.get("/api-tokens/")
    html = listing.content.decode()
    assert plaintext not in html
    secret = plaintext.removeprefix(f"lrs_{token.key_id}_")
    assert secret not in html
    assert f"lrs_{token.key_id}_…" in html
    page = text_of(listing)
    assert "MIS nightly sync" in page
    assert "Active" in page
    assert "Never" in page


def test_a_token_can_have_an_expiry_date(client, person):
    next_year = timezone.localdate() + timedelta(days=365)
    client.post(
        "/api-tokens/new",
        {
            "name": "Expiring",
            "expires_day": str(next_year.day),
            "expires_month": str(next_year.month),
            "expires_year": str(next_year.year),
        },
    )
    token = ApiToken.objects.get(user=person)
    assert token.expires_at is not None
    assert timezone.localtime(token.expires_at).date() == next_year


def test_an_expiry_date_in_the_past_is_refused_on_the_date_field(client, person):
    response = client.post(
        "/api-tokens/new",
        {"name": "Old", "expires_day": "1", "expires_month": "1", "expires_year": "2020"},
    )
    assert error_summary_links(response) == [("#expires_day", "The expiry must be in the future")]
    assert not ApiToken.objects.filter(user=person).exists()


def test_an_impossible_or_incomplete_expiry_date_gets_a_gov_uk_message(client, person):
    impossible = client.post(
        "/api-tokens/new",
        {"name": "x", "expires_day": "31", "expires_month": "2", "expires_year": "2030"},
    )
    assert error_summary_links(impossible) == [("#expires_day", "Expiry date must be a real date")]
    incomplete = client.post("/api-tokens/new", {"name": "x", "expires_day": "3"})
    assert error_summary_links(incomplete) == [
        ("#expires_day", "Expiry date must include a month and year")
    ]
    assert 'value="3"' in incomplete.content.decode()


def test_a_token_needs_a_name(client, person):
    response = client.post("/api-tokens/new", {"name": ""})
    assert error_summary_links(response) == [("#name", "Enter a name for the token")]


def test_revoking_asks_for_confirmation_then_the_token_stops_working(client, person):
    token, plaintext = api_token_create(actor=person, user=person, name="CI")
    confirm = client.get(f"/api-tokens/{token.pk}/revoke")
    assert "Are you sure you want to revoke" in text_of(confirm)
    assert "CI" in text_of(confirm)
    response = client.post(f"/api-tokens/{token.pk}/revoke", follow=True)
    token.refresh_from_db()
    assert token.revoked_at is not None
    page = text_of(response)
    assert "API token revoked: CI" in page
    assert "Revoked" in page
    with pytest.raises(Exception, match="revoked"):
        api_token_authenticate(plaintext=plaintext)


def test_nobody_can_see_or_revoke_someone_elses_token(client, person):
    other = make_user(person.organisation, Role.SUPER_USER)
    token, _ = api_token_create(actor=other, user=other, name="theirs")
    assert client.get(f"/api-tokens/{token.pk}/revoke").status_code == 404
    assert client.post(f"/api-tokens/{token.pk}/revoke").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "theirs" not in text_of(client.get("/api-tokens/"))


def test_the_tokens_page_needs_sign_in(client):
    response = client.get("/api-tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in")
