"""The service desk's matching parameters page: which set finds use, what each changed,
and rolling back to an earlier set or the shipped defaults, audited; nobody else sees it."""

from __future__ import annotations

import json

import pytest

from lrs.access import Role
from lrs.audit.models import AuditEntry
from lrs.learners.calibration import SHIPPED, matching_parameters_active_version
from lrs.matching import default_weights
from tests.factories import make_organisation, make_user
from tests.portal.helpers import sign_in_as, text_of
from tests.servicedesk.factories import desk_user

pytestmark = pytest.mark.django_db

URL = "/service-desk/matching-parameters"


def _write_set(folder, version: str, register_size: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "version": version,
        "created_at": "2026-12-01T04:00:00+00:00",
        "register_size": register_size,
        "sample": 20_000,
        "pairs": 100_000,
        "seed": 1,
        "changes": [{"field": "postcode", "level": "district", "shipped": 3.1, "learnt": 4.2}],
        "weights": default_weights().to_json(),
    }
    (folder / f"parameters-{version}.json").write_text(json.dumps(data), "utf-8")


@pytest.fixture
def kept(settings, tmp_path):
    folder = tmp_path / "matching"
    settings.LRS_MATCHING_DIR = str(folder)
    _write_set(folder, "20261201T040000000000Z", 250_000)
    _write_set(folder, "20261202T040000000000Z", 251_000)
    (folder / "active.txt").write_text("20261202T040000000000Z\n", "utf-8")
    return folder


def test_the_desk_sees_which_set_finds_use_and_what_each_changed(client, kept):
    sign_in_as(client, desk_user(username="desk.one"))
    page = text_of(client.get(URL))
    assert "Matching parameters" in page
    assert "20261202T040000000000Z" in page
    assert "20261201T040000000000Z" in page
    assert "251,000" in page
    assert "postcode district: 3.1 to 4.2 bits" in page
    assert page.count("In use") == 1


def test_the_desk_rolls_back_to_an_earlier_set_with_an_audit_entry(client, kept):
    desk = desk_user(username="desk.one")
    sign_in_as(client, desk)
    response = client.post(URL, {"version": "20261201T040000000000Z"})
    assert response.status_code == 302
    assert matching_parameters_active_version() == "20261201T040000000000Z"
    entry = AuditEntry.objects.get(action="matching.parameters_activate")
    assert entry.actor == desk
    assert entry.object_id == "20261201T040000000000Z"
    assert entry.detail["previous"] == "20261202T040000000000Z"
    assert "Finds now use parameter set 20261201T040000000000Z" in text_of(
        client.get(response["Location"])
    )


def test_the_desk_can_return_to_the_shipped_defaults(client, kept):
    sign_in_as(client, desk_user(username="desk.one"))
    client.post(URL, {"version": SHIPPED})
    assert matching_parameters_active_version() == SHIPPED


def test_a_set_that_does_not_exist_changes_nothing_and_says_so(client, kept):
    sign_in_as(client, desk_user(username="desk.one"))
    response = client.post(URL, {"version": "20990101T000000000000Z"})
    assert response.status_code == 400
    assert "no longer exists" in text_of(response)
    assert matching_parameters_active_version() == "20261202T040000000000Z"
    assert not AuditEntry.objects.filter(action="matching.parameters_activate").exists()


def test_without_a_folder_the_page_says_the_shipped_defaults_are_used(client, settings):
    settings.LRS_MATCHING_DIR = ""
    sign_in_as(client, desk_user(username="desk.one"))
    page = text_of(client.get(URL))
    assert "LRS_MATCHING_DIR is not set" in page
    assert page.count("In use") == 1


def test_the_dashboard_links_to_the_page(client, kept):
    sign_in_as(client, desk_user(username="desk.one"))
    assert URL.encode() in client.get("/service-desk/").content


def test_nobody_outside_the_service_desk_sees_or_changes_it(client, kept):
    sign_in_as(client, make_user(make_organisation(), Role.ONLINE_USER))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"version": SHIPPED}).status_code == 403
    assert matching_parameters_active_version() == "20261202T040000000000Z"
