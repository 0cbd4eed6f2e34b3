"""The published lists' pages: public without signing in, searchable, downloadable as CSV
and XLSX exactly as each edition was published; publishing is for the service desk."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from lrs.access import OrganisationType
from lrs.organisations.models import Organisation
from lrs.organisations.services import organisation_change_status
from lrs.publications import selectors
from lrs.publications.models import ListEdition, ListKind
from lrs.publications.services import list_edition_publish
from tests.factories import make_organisation
from tests.portal.helpers import sign_in_as
from tests.portal.helpers import text_of as text
from tests.publications.conftest import uk

pytestmark = pytest.mark.django_db

LP = ListKind.LEARNING_PROVIDERS
AO = ListKind.AWARDING_ORGANISATIONS
EVIL = '=HYPERLINK("http://example.com","Click")'


def url(name: str, *args) -> str:
    return reverse(f"portal:{name}", args=args)


def download(client, kind_slug: str, number: int, fmt: str):
    response = client.get(url("list-download", kind_slug, number, fmt))
    assert response.status_code == 200
    return response


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list[object]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def published(desk_user):
    """A learning providers list with three members in its first edition."""
    council = make_organisation(OrganisationType.LOCAL_AUTHORITY, name="Westshire Council")
    college = make_organisation(name="Fenland College")
    school = make_organisation(OrganisationType.SCHOOL, name="Oakfield Academy")
    Organisation.objects.filter(pk__in=[council.pk, college.pk, school.pk]).update(
        created_at=uk(2025, 9, 1)
    )
    edition = list_edition_publish(actor=desk_user, kind=LP, now=uk(2026, 3, 3, 0, 1))
    return {"council": council, "college": college, "school": school, "edition": edition}


# --- Public pages -------------------------------------------------------------------------


def test_the_index_is_public_and_says_what_each_list_has(client, published):
    response = client.get(url("published-lists"))
    assert response.status_code == 200
    assert response.templates[0].name == "publications/index.html"
    page = text(response)
    assert "Published lists" in page
    assert "Edition 1, published 3 March 2026: 3 organisations." in page
    assert "Awarding organisations" in page
    assert "No edition has been published yet." in page
    assert "Sign out" not in page
    assert url("list-download", "learning-providers", 1, "csv") in response.content.decode()
    assert "Publish a new edition" not in page


def test_a_list_shows_its_latest_edition_without_signing_in(client, published):
    response = client.get(url("published-list", "learning-providers"))
    assert response.status_code == 200
    page = text(response)
    assert "This is edition 1 , published 3 March 2026. It lists 3 organisations." in page
    assert "Fenland College" in page
    assert published["council"].ukprn in page
    assert "Local authority 123 Active 1 September 2025" in page
    assert "Download edition 1 as CSV" in page
    assert "Download edition 1 as XLSX (Excel)" in page
    assert "Publish a new edition" not in page


def test_the_latest_edition_is_shown_not_the_organisations_as_they_are_now(client, published):
    make_organisation(name="Newly Joined College")
    page = text(client.get(url("published-list", "learning-providers")))
    assert "Newly Joined College" not in page


def test_searching_a_list_by_part_of_a_name_in_any_case_or_by_ukprn(client, published):
    response = client.get(url("published-list", "learning-providers"), {"q": "  fenLAND "})
    page = text(response)
    assert "1 organisation matching “fenLAND”." in page
    assert "Fenland College" in page
    assert "Oakfield Academy" not in page
    ukprn = published["school"].ukprn
    page = text(client.get(url("published-list", "learning-providers"), {"q": ukprn[:6]}))
    assert "Oakfield Academy" in page
    page = text(client.get(url("published-list", "learning-providers"), {"q": "zzz"}))
    assert "No organisations on this edition match “zzz”." in page
    assert "Clear search" in page


def test_a_long_list_is_paginated_and_pages_keep_the_search(client, desk_user, monkeypatch):
    monkeypatch.setattr(selectors, "ENTRIES_PER_PAGE", 2)
    for letter in "ABCDE":
        make_organisation(name=f"{letter} College")
    make_organisation(name="Other Academy")
    list_edition_publish(actor=desk_user, kind=LP)
    first = client.get(url("published-list", "learning-providers"), {"q": "college"})
    page = text(first)
    assert "Showing 1 to 2 of 5 organisations matching “college”." in page
    assert "A College" in page
    assert "C College" not in page
    assert 'href="?q=college&amp;page=2"' in first.content.decode()
    third = text(
        client.get(url("published-list", "learning-providers"), {"q": "college", "page": 3})
    )
    assert "Showing 5 to 5 of 5" in third
    assert "E College" in third


def test_a_list_with_no_edition_yet_says_so(client):
    response = client.get(url("published-list", "awarding-organisations"))
    assert response.status_code == 200
    assert "No edition of this list has been published yet." in text(response)


def test_unknown_lists_editions_and_formats_are_not_found(client, published):
    assert client.get(url("published-list", "schools")).status_code == 404
    assert client.get(url("list-editions", "schools")).status_code == 404
    assert client.get(url("list-edition", "learning-providers", 2)).status_code == 404
    assert client.get(url("list-download", "learning-providers", 1, "pdf")).status_code == 404
    assert client.get(url("list-download", "learning-providers", 9, "csv")).status_code == 404


def test_the_editions_page_lists_each_edition_with_its_date_and_changes(
    client, published, desk_user
):
    make_organisation(name="Dunmore College")
    list_edition_publish(actor=desk_user, kind=LP, now=uk(2026, 4, 7, 0, 1))
    list_edition_publish(actor=desk_user, kind=LP, now=uk(2026, 5, 5, 0, 1))
    response = client.get(url("list-editions", "learning-providers"))
    assert response.status_code == 200
    page = text(response)
    assert "Edition 3 5 May 2026 4 No changes" in page
    assert "Edition 2 7 April 2026 4 1 added" in page
    assert "Edition 1 3 March 2026 3 First edition" in page
    assert page.index("Edition 3") < page.index("Edition 2") < page.index("Edition 1 ")


def test_an_edition_page_shows_what_changed_since_the_previous_one(client, published, desk_user):
    make_organisation(name="Dunmore College")
    organisation_change_status(
        actor=None, organisation=published["college"], status="suspended", reason="Test"
    )
    list_edition_publish(actor=desk_user, kind=LP, now=uk(2026, 4, 7, 0, 1))
    response = client.get(url("list-edition", "learning-providers", 2))
    assert response.status_code == 200
    page = text(response)
    assert "Edition 2" in page
    assert "Changes since edition 1" in page
    assert "1 added, 1 changed" in page
    assert "Published by the LRS service desk" in page
    assert "Added Name UKPRN Type Local authority code Status Date added Dunmore College" in page
    assert f"Fenland College {published['college'].ukprn} Status: Active to Suspended" in page
    # Public pages never name the person who published.
    assert desk_user.username not in page
    first = text(client.get(url("list-edition", "learning-providers", 1)))
    assert "This is the first edition of the list" in first
    assert "This is not the latest edition." in first


# --- Downloads ----------------------------------------------------------------------------


def test_the_csv_download_has_every_row_of_the_edition(client, published):
    response = download(client, "learning-providers", 1, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="lrs-learning-providers-2026-03-03-edition-1.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == ["Name", "UKPRN", "Type", "Local authority code", "Status", "Date added"]
    college, school, council = (published[key].ukprn for key in ("college", "school", "council"))
    assert rows[1:] == [
        ["Fenland College", college, "Further education college", "", "Active", "2025-09-01"],
        ["Oakfield Academy", school, "School", "", "Active", "2025-09-01"],
        ["Westshire Council", council, "Local authority", "123", "Active", "2025-09-01"],
    ]


def test_the_xlsx_download_has_every_row_of_the_edition(client, published):
    response = download(client, "learning-providers", 1, "xlsx")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith(
        'filename="lrs-learning-providers-2026-03-03-edition-1.xlsx"'
    )
    rows = xlsx_rows(response)
    assert rows[0] == ["Name", "UKPRN", "Type", "Local authority code", "Status", "Date added"]
    assert rows[3] == [
        "Westshire Council",
        published["council"].ukprn,
        "Local authority",
        "123",
        "Active",
        dt.datetime(2025, 9, 1),
    ]
    assert [row[0] for row in rows[1:]] == [
        "Fenland College",
        "Oakfield Academy",
        "Westshire Council",
    ]
    assert rows[1][3] is None


def test_downloads_neutralise_cells_a_spreadsheet_would_run_as_formulas(client, desk_user):
    for name in (EVIL, "+44 Training", "-minus College", "@at College", "Plain College"):
        make_organisation(name=name)
    list_edition_publish(actor=desk_user, kind=LP)
    expected = {"'" + EVIL, "'+44 Training", "'-minus College", "'@at College", "Plain College"}
    assert {row[0] for row in csv_rows(download(client, "learning-providers", 1, "csv"))[1:]} == (
        expected
    )
    assert {row[0] for row in xlsx_rows(download(client, "learning-providers", 1, "xlsx"))[1:]} == (
        expected
    )
    # The page shows the name as it is (HTML escapes it; no spreadsheet is involved).
    assert EVIL in text(client.get(url("published-list", "learning-providers")))


def test_an_old_edition_downloads_as_published_after_its_organisations_change(
    client, published, desk_user
):
    college = published["college"]
    Organisation.objects.filter(pk=college.pk).update(name="Fenland and District College")
    organisation_change_status(actor=None, organisation=college, status="closed", reason="Test")
    list_edition_publish(actor=desk_user, kind=LP, now=uk(2026, 4, 7, 0, 1))
    old = csv_rows(download(client, "learning-providers", 1, "csv"))
    assert old[1][:5] == [
        "Fenland College",
        college.ukprn,
        "Further education college",
        "",
        "Active",
    ]
    new = csv_rows(download(client, "learning-providers", 2, "csv"))
    assert new[1][0] == "Fenland and District College"
    assert new[1][4] == "Closed"


def test_the_awarding_organisations_list_downloads_with_its_own_columns(client, desk_user):
    ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    list_edition_publish(actor=desk_user, kind=AO, now=uk(2026, 3, 10, 12))
    response = download(client, "awarding-organisations", 1, "csv")
    assert "lrs-awarding-organisations-2026-03-10-edition-1.csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["Name", "UKPRN", "Status", "Date added"]
    assert rows[1][:3] == ["Meridian Awards", ao.ukprn, "Active"]
    assert xlsx_rows(download(client, "awarding-organisations", 1, "xlsx"))[0] == rows[0]


# --- Publishing from the portal -----------------------------------------------------------


def test_publishing_needs_signing_in_and_the_service_desk(client, college_admin):
    publish = url("list-publish", "learning-providers")
    response = client.get(publish)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign-in"))
    sign_in_as(client, college_admin)
    assert client.get(publish).status_code == 403
    assert client.post(publish).status_code == 403
    assert not ListEdition.objects.exists()


def test_the_service_desk_previews_then_publishes_an_edition(client, published, desk_user):
    make_organisation(name="Dunmore College")
    sign_in_as(client, desk_user)
    list_page = text(client.get(url("published-list", "learning-providers")))
    assert "Publish a new edition" in list_page
    publish = url("list-publish", "learning-providers")
    page = text(client.get(publish))
    assert "Are you sure you want to publish edition 2?" in page
    assert "Organisations 4" in page
    assert "Changes since edition 1 1 added, 0 removed, 0 changed" in page
    assert not ListEdition.objects.filter(number=2).exists()
    response = client.post(publish, follow=True)
    assert response.redirect_chain[-1][0] == url("list-edition", "learning-providers", 2)
    page = text(response)
    assert "Edition 2 of the learning providers list has been published" in page
    assert "Dunmore College" in page
    edition = ListEdition.objects.get(kind=LP, number=2)
    assert edition.published_by == desk_user
    assert [row["name"] for row in edition.changes["added"]] == ["Dunmore College"]


def test_a_desk_user_who_loses_a_race_sees_why_on_the_form(client, desk_user, monkeypatch):
    from lrs.core.errors import Conflict
    from lrs.publications import services

    def refuse(**kwargs):
        raise Conflict("edition_published_meanwhile", "Another edition was published")

    monkeypatch.setattr(services, "list_edition_publish", refuse)
    sign_in_as(client, desk_user)
    response = client.post(url("list-publish", "awarding-organisations"))
    assert response.status_code == 200
    assert "There is a problem" in text(response)
    assert "Another edition was published" in text(response)
