"""The service desk dashboard page: what the desk sees, the links to each queue, and that
nobody else sees it."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from lrs.access import OrganisationType, Role
from lrs.batches.models import BatchStatus
from lrs.misuse.services import misuse_check
from lrs.records.models import JobStatus
from tests.factories import make_organisation, make_user
from tests.portal.helpers import sign_in_as, text_of, title
from tests.servicedesk.factories import (
    ChallengeWorld,
    desk_user,
    heartbeat,
    make_application,
    make_batch,
    make_job,
    make_pair,
    record,
    two_learners,
)

pytestmark = pytest.mark.django_db

URL = "/service-desk/"


@pytest.fixture
def desk():
    return desk_user(username="desk.one")


@pytest.fixture
def college_user():
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    return make_user(college, Role.ONLINE_USER, username="college.online")


def section(response, element_id: str) -> str:
    """The visible text of the element with ``element_id``, to its matching closing tag."""
    html = response.content.decode()
    start = html.rindex("<", 0, html.index(f'id="{element_id}"'))
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    depth, end = 0, len(html)
    for match in re.finditer(rf"<(/?){tag}\b", html[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            end = html.index(">", start + match.end()) + 1
            break
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html[start:end])).split())


def test_the_dashboard_keeps_its_url_name():
    assert reverse("portal:service-desk") == URL


def test_a_quiet_service_says_plainly_that_there_is_nothing_to_do(client, desk):
    sign_in_as(client, desk)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert title("Service desk dashboard") in html
    text = text_of(response)
    for sentence in (
        "Nothing to do: no suspended account is waiting for a decision.",
        "Nothing to do: no organisation's application is waiting for a decision.",
        "Nothing to do: no pair of learners is waiting for review.",
        "Nothing to do: no challenge is overdue.",
        "Nothing to do: no batch or achievement file is waiting or in progress.",
        "Nothing to do: no file has stalled.",
        "No batch or achievement file has failed in the last 7 days.",
    ):
        assert sentence in text, sentence
    # With no worker alive, files and emails would wait for ever: the desk is warned.
    assert "Warning No background worker is running" in text
    assert section(response, "volumes-online-total") == "All 14 days 0 0 0 0 0 0"
    assert section(response, "volumes-files-total") == "All 14 days 0 0 0 0"
    # Each panel still links to its full queue.
    for url in (
        "/suspended-accounts/",
        "/organisations/applications/",
        "/duplicates/",
        "/challenges/?overdue=on",
    ):
        assert f'href="{url}"' in html


def test_the_dashboard_counts_each_queue_and_links_to_the_longest_waiting(
    client, desk, college_user, settings
):
    now = timezone.now()
    # A suspended account.
    settings.LRS_MISUSE_DAILY_LIMIT = 2
    # Searches earlier today: ten minutes ago, unless the UK day began less than that ago.
    today_began = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    record(college_user, "learner.find", max(now - dt.timedelta(minutes=10), today_began), n=3)
    [alert] = misuse_check(now=now)
    # Two applications, the older one first in the queue.
    older = make_application("Ashgrove College", submitted_at=now - dt.timedelta(days=3))
    make_application("Brookfield College", submitted_at=now - dt.timedelta(days=1))
    # A pair of possible duplicates.
    first, second = two_learners(make_user(make_organisation(), Role.ONLINE_USER))
    make_pair(first, second, found_at=now - dt.timedelta(hours=5))
    # An overdue challenge.
    world = ChallengeWorld(owner_name="Meridian Awards")
    late = world.challenge(acknowledge_due=timezone.localdate() - dt.timedelta(days=14))

    sign_in_as(client, desk)
    response = client.get(URL)

    html = response.content.decode()
    assert section(response, "misuse-count") == "1"
    assert f'href="/suspended-accounts/{alert.pk}/"' in html
    assert section(response, "applications-count") == "2"
    assert f'href="/organisations/applications/{older.reference}/"' in html
    assert section(response, "duplicates-count") == "1"
    assert section(response, "overdue-count").startswith(
        "1 open challenge is past the date to be acknowledged or resolved"
    )
    row = section(response, f"overdue-{late.reference}")
    assert row.startswith(f"{late.reference} Meridian Awards UKPRN {world.ao.ukprn} Submitted")
    assert f'href="/challenges/{late.reference}/"' in html


def test_the_dashboard_shows_the_backlog_the_workers_and_the_failures(
    client, desk, college_user, settings
):
    settings.LRS_BATCH_STALL_SECONDS = 120
    now = timezone.now()
    ao_user = make_user(make_organisation(OrganisationType.AWARDING_ORGANISATION))
    make_batch(college_user, status=BatchStatus.QUEUED, created_at=now - dt.timedelta(hours=2))
    stalled = make_batch(
        college_user,
        status=BatchStatus.PROCESSING,
        file_name="LRB-SPRING.csv",
        created_at=now - dt.timedelta(hours=1),
        total_records=1000,
        processed_records=250,
        progressed_at=now - dt.timedelta(minutes=10),
    )
    make_job(
        ao_user,
        status=JobStatus.FAILED,
        file_name="summer-results.xml",
        rejection_reason="The file is not well-formed XML",
        ended_at=now - dt.timedelta(hours=3),
    )
    heartbeat(now, hostname="lrs-worker-1")

    sign_in_as(client, desk)
    response = client.get(URL)

    text = text_of(response)
    assert "No background worker is running" not in text
    assert section(response, "workers-count").startswith("1 running lrs-worker-1")
    assert section(response, "queue-queued").startswith("Batch files: queued 1 Not checked yet 2")
    assert section(response, "queue-processing").startswith("Batch files: processing 1 750")
    stalled_text = section(response, "stalled")
    assert "LRB-SPRING.csv" in stalled_text
    assert "Fenland College" in stalled_text
    assert "250 of 1000" in stalled_text
    html = response.content.decode()
    assert f'href="/audit/?object_id={stalled.public_id}"' in html
    assert "0 batch files and 1 achievement file failed" in text
    assert "summer-results.xml" in section(response, "failed")
    assert "The file is not well-formed XML" in section(response, "failed")


def test_the_volumes_tables_show_today_first_and_the_totals(client, desk, college_user):
    now = timezone.now()
    record(college_user, "learner.find", now, n=1204)
    record(college_user, "plr.view", now, n=2)
    record(college_user, "learner.register", now - dt.timedelta(days=3), n=5)
    make_batch(
        college_user,
        status=BatchStatus.COMPLETE,
        total_records=25_000,
        processed_records=25_000,
        finished_at=now,
    )

    sign_in_as(client, desk)
    response = client.get(URL)

    today = timezone.localdate(now)
    day = f"{today:%a} {today.day} {today:%b}"
    # Finds, registrations, updates, verifications, PLR views, challenges.
    assert section(response, f"volumes-online-{today:%Y-%m-%d}") == (
        f"{day} (today) 1,204 0 0 0 2 0"
    )
    assert section(response, "volumes-online-total") == "All 14 days 1,204 5 0 0 2 0"
    # Batch files, batch records, achievement files, achievement records.
    assert section(response, f"volumes-files-{today:%Y-%m-%d}") == f"{day} (today) 1 25,000 0 0"
    three_days_ago = today - dt.timedelta(days=3)
    assert section(response, f"volumes-online-{three_days_ago:%Y-%m-%d}").endswith(" 0 5 0 0 0 0")
    html = response.content.decode()
    assert html.index(f'id="volumes-online-{today:%Y-%m-%d}"') < html.index(
        f'id="volumes-online-{three_days_ago:%Y-%m-%d}"'
    )
    text = text_of(response)
    for heading in (
        "Finds",
        "Registrations",
        "Updates",
        "Verifications",
        "PLR views",
        "Batch files",
        "Batch records",
        "Achievement files",
        "Achievement records",
        "Challenges",
    ):
        assert heading in text
    assert "What is counted" in text


def test_the_navigation_and_the_home_page_link_to_the_dashboard_for_the_desk_only(
    client, desk, college_user
):
    sign_in_as(client, desk)
    assert f'href="{URL}"' in client.get("/").content.decode()
    navigation = client.get(URL).content.decode()
    assert re.search(rf'href="{URL}"[^>]*aria-current="page"', navigation)
    sign_in_as(client, college_user)
    assert f'href="{URL}"' not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("organisation_type", "role"),
    [
        (OrganisationType.FURTHER_EDUCATION_COLLEGE, Role.SUPER_USER),
        (OrganisationType.SCHOOL, Role.ONLINE_USER),
        (OrganisationType.LOCAL_AUTHORITY, Role.SUPER_USER),
        (OrganisationType.AWARDING_ORGANISATION, Role.SUPER_USER),
    ],
)
def test_everyone_but_the_service_desk_is_refused(client, organisation_type, role):
    sign_in_as(client, make_user(make_organisation(organisation_type), role))
    response = client.get(URL)
    assert response.status_code == 403
    assert "Service desk dashboard" not in text_of(response)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/sign-in" in response["Location"]


def test_the_dashboard_only_reads(client, desk):
    sign_in_as(client, desk)
    assert client.post(URL).status_code == 405


def test_the_number_of_queries_does_not_grow_with_the_data(
    client, desk, college_user, django_assert_max_num_queries
):
    now = timezone.now()
    ao_user = make_user(make_organisation(OrganisationType.AWARDING_ORGANISATION))
    for n in range(15):
        record(college_user, "learner.find", now - dt.timedelta(days=n % 14), n=3)
        make_batch(
            college_user,
            status=BatchStatus.PROCESSING,
            progressed_at=now - dt.timedelta(hours=1),
            total_records=10,
        )
        make_job(ao_user, status=JobStatus.FAILED, ended_at=now - dt.timedelta(hours=n))
    world = ChallengeWorld()
    for n in range(12):
        world.challenge(acknowledge_due=timezone.localdate() - dt.timedelta(days=n + 1))
    sign_in_as(client, desk)
    with django_assert_max_num_queries(30):
        assert client.get(URL).status_code == 200
