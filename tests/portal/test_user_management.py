import pytest

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.users.models import User
from tests.factories import PASSWORD, make_organisation, make_user
from tests.portal.helpers import error_summary_links, sign_in_as, text_of, title

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-perfectly-fine-passphrase"


def _new_user(**overrides: str) -> dict[str, str]:
    data = {
        "username": "jo.bloggs",
        "first_name": "Jo",
        "last_name": "Bloggs",
        "email": "jo@example.com",
        "role": Role.BATCH_USER.value,
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin(client) -> User:
    user = make_user(make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE), Role.SUPER_USER)
    sign_in_as(client, user)
    return user


def test_the_user_list_shows_only_the_organisations_own_users(client, admin):
    colleague = make_user(admin.organisation, Role.ONLINE_USER, username="colleague")
    make_user(make_organisation(), Role.SUPER_USER, username="stranger")
    response = client.get("/users/")
    assert response.status_code == 200
    page = text_of(response)
    assert colleague.username in page
    assert "Online user" in page
    assert "someone@example.com" in page
    assert "Active" in page
    assert "stranger" not in page


def test_a_deactivated_user_is_listed_as_deactivated(client, admin):
    leaver = make_user(admin.organisation, Role.ONLINE_USER, username="leaver")
    client.post(f"/users/{leaver.pk}/deactivate")
    assert "Deactivated" in text_of(client.get("/users/"))


def test_a_super_user_creates_a_user_who_can_then_sign_in(client, admin):
    response = client.post("/users/new", _new_user())
    created = User.objects.get(username="jo.bloggs")
    assert response.status_code == 302
    assert response["Location"] == f"/users/{created.pk}/"
    assert created.organisation == admin.organisation
    assert created.role == Role.BATCH_USER
    assert created.get_full_name() == "Jo Bloggs"
    detail = client.get(response["Location"])
    assert "govuk-notification-banner--success" in detail.content.decode()
    assert "jo.bloggs can now sign in as a batch user" in text_of(detail)
    assert AuditEntry.objects.filter(
        action="user.create", actor=admin, object_id="jo.bloggs"
    ).exists()


def test_the_create_form_offers_only_the_roles_the_organisation_type_allows(client):
    organisation = make_organisation(OrganisationType.AWARDING_ORGANISATION)
    sign_in_as(client, make_user(organisation, Role.SUPER_USER))
    html = client.get("/users/new").content.decode()
    assert 'value="super_user"' in html
    assert 'value="awarding_organisation_user"' in html
    assert 'value="batch_user"' not in html
    assert 'value="service_desk_user"' not in html


def test_a_role_the_organisation_cannot_have_is_refused_on_the_role_field(client, admin):
    response = client.post("/users/new", _new_user(role=Role.SERVICE_DESK_USER.value))
    assert response.status_code == 200
    assert error_summary_links(response) == [("#role", "Select a role")]
    assert not User.objects.filter(username="jo.bloggs").exists()


def test_the_services_password_rules_appear_on_the_password_field(client, admin):
    response = client.post("/users/new", _new_user(password="short", password_confirm="short"))
    links = error_summary_links(response)
    assert links
    assert all(href == "#password" for href, _ in links)
    assert any("too short" in text for _, text in links)
    html = response.content.decode()
    assert 'id="password-error"' in html
    assert title("Error: Add a user") in html


def test_a_taken_username_is_shown_on_the_username_field(client, admin):
    make_user(admin.organisation, Role.ONLINE_USER, username="jo.bloggs")
    response = client.post("/users/new", _new_user())
    assert error_summary_links(response) == [
        ("#username", "The username 'jo.bloggs' is already taken")
    ]


def test_passwords_that_do_not_match_are_refused_before_the_service_is_asked(client, admin):
    response = client.post("/users/new", _new_user(password_confirm="something-else-entirely"))
    assert error_summary_links(response) == [("#password_confirm", "The passwords do not match")]
    assert not AuditEntry.objects.filter(action="user.create", actor=admin).exists()


def test_an_empty_form_gets_a_gov_uk_message_for_every_field(client, admin):
    response = client.post("/users/new", {})
    hrefs = [href for href, _ in error_summary_links(response)]
    assert hrefs == [
        "#username",
        "#first_name",
        "#last_name",
        "#email",
        "#role",
        "#password",
        "#password_confirm",
    ]


def test_a_super_user_changes_another_users_role(client, admin):
    person = make_user(admin.organisation, Role.ONLINE_USER)
    page = client.get(f"/users/{person.pk}/role")
    assert 'value="online_user" checked' in page.content.decode()
    response = client.post(f"/users/{person.pk}/role", {"role": Role.SUPER_USER.value})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.role == Role.SUPER_USER


def test_demoting_the_last_super_user_is_refused_clearly(client, admin):
    response = client.post(f"/users/{admin.pk}/role", {"role": Role.ONLINE_USER.value})
    assert response.status_code == 200
    links = error_summary_links(response)
    assert len(links) == 1
    assert links[0][0] == "#role"
    assert "last active super user" in links[0][1]
    admin.refresh_from_db()
    assert admin.role == Role.SUPER_USER


def test_deactivating_the_last_super_user_is_refused_clearly(client, admin):
    response = client.post(f"/users/{admin.pk}/deactivate")
    assert response.status_code == 200
    assert "There is a problem" in text_of(response)
    assert "last active super user" in text_of(response)
    admin.refresh_from_db()
    assert admin.is_active


def test_deactivation_asks_for_confirmation_then_deactivates(client, admin):
    person = make_user(admin.organisation, Role.ONLINE_USER)
    confirm = client.get(f"/users/{person.pk}/deactivate")
    assert "Are you sure you want to deactivate" in text_of(confirm)
    person.refresh_from_db()
    assert person.is_active
    response = client.post(f"/users/{person.pk}/deactivate", follow=True)
    person.refresh_from_db()
    assert not person.is_active
    assert f"{person.username} has been deactivated" in text_of(response)


def test_a_deactivated_user_can_be_reactivated(client, admin):
    person = make_user(admin.organisation, Role.ONLINE_USER)
    client.post(f"/users/{person.pk}/deactivate")
    assert "Are you sure you want to reactivate" in text_of(
        client.get(f"/users/{person.pk}/reactivate")
    )
    client.post(f"/users/{person.pk}/reactivate")
    person.refresh_from_db()
    assert person.is_active


def test_a_super_user_cannot_see_or_change_users_of_another_organisation(client, admin):
    stranger = make_user(make_organisation(), Role.ONLINE_USER)
    assert client.get(f"/users/{stranger.pk}/").status_code == 404
    assert client.post(f"/users/{stranger.pk}/deactivate").status_code == 404
    assert client.post(f"/users/{stranger.pk}/role", {"role": "super_user"}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active
    assert stranger.role == Role.ONLINE_USER


def test_users_who_are_not_super_users_cannot_reach_any_user_management_page(client):
    organisation = make_organisation()
    make_user(organisation, Role.SUPER_USER)
    online = make_user(organisation, Role.ONLINE_USER)
    sign_in_as(client, online)
    for url in ("/users/", "/users/new", f"/users/{online.pk}/", f"/users/{online.pk}/role"):
        assert client.get(url).status_code == 403, url
    assert client.post("/users/new", _new_user()).status_code == 403
    assert not User.objects.filter(username="jo.bloggs").exists()


def test_service_desk_users_cannot_manage_users(client):
    organisation = make_organisation(OrganisationType.SERVICE_DESK)
    sign_in_as(client, make_user(organisation, Role.SERVICE_DESK_USER))
    assert client.get("/users/").status_code == 403


def test_user_management_needs_sign_in(client):
    response = client.get("/users/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in?next=/users/"


def test_a_new_user_created_in_the_portal_can_sign_in(client, admin):
    client.post("/users/new", _new_user())
    client.post("/sign-out")
    response = client.post("/sign-in", {"username": "jo.bloggs", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert PASSWORD != NEW_PASSWORD
