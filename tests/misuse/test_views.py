"""The misuse watch's pages: a super user's usage page, the service desk's queue of
suspended accounts with the activity behind each, and who may see them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from lrs.access import OrganisationType, Role
from lrs.misuse.models import AlertStatus, MisuseAlert
from lrs.misuse.services import misuse_check
from tests.factories import make_organisation, make_user
from tests.misuse.conftest import LIMIT, NOW, record
from tests.portal.helpers import error_summary_links, sign_in_as, text_of, title

pytestmark = pytest.mark.django_db

USAGE_URL = "/users/usage"
QUEUE_URL = "/suspended-accounts/"


def row_text(response, row_id: str) -> str:
    """The visible text of one table row."""
    html = response.content.decode()
    start = html.index(f'id="{row_id}"')
    row = html[html.index(">", start) + 1 : html.index("</tr>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def test_the_url_names():
    assert reverse("portal:user-usage") == USAGE_URL
    assert reverse("portal:misuse-alerts") == QUEUE_URL
    assert reverse("portal:misuse-alert", args=[7]) == "/suspended-accounts/7/"


def test_the_usage_page_counts_each_users_searches_and_plr_views_per_day(
    client, college_admin, searcher
):
    now = timezone.now()
    record(searcher, 2, action="learner.find", at=now)
    record(searcher, 1, action="learner.lookup", at=now)
    record(searcher, 1, action="plr.view", at=now)  # 4 of 5 today: near the limit
    record(searcher, 7, action="plr.view", at=now - dt.timedelta(days=3))  # over, then
    record(searcher, 9, action="plr.view", at=now - dt.timedelta(days=20))  # too long ago
    record(searcher, 3, action="learner.register", at=now)  # not counted
    record(college_admin, 1, action="learner.find", at=now)
    stranger = make_user(make_organisation(), Role.ONLINE_USER, username="someone.else")
    record(stranger, 50, at=now)

    sign_in_as(client, college_admin)
    response = client.get(USAGE_URL)
    assert response.status_code == 200
    assert title("Usage") in response.content.decode()
    text = text_of(response)
    assert f"more than {LIMIT} searches and PLR views in one day" in text
    assert "someone.else" not in text
    # User, searches today, PLR views today, total today, busiest day, against the limit.
    assert row_text(response, "usage-busy.searcher").startswith("busy.searcher 3 1 4 7 ")
    assert row_text(response, "usage-busy.searcher").endswith("Over the limit")
    today = timezone.localdate(now)
    assert row_text(response, "usage-college.admin") == (
        f"college.admin 1 0 1 1 {today.day} {today:%B %Y} Within the limit"
    )
    daily = text[text.index("Day by day") :]
    assert daily.count("busy.searcher") == 2
    assert "Near the limit" in daily
    assert "Over the limit" in daily


def test_the_usage_page_is_linked_from_manage_users_and_only_for_super_users(
    client, college_admin, searcher
):
    sign_in_as(client, college_admin)
    assert f'href="{USAGE_URL}"' in client.get("/users/").content.decode()
    sign_in_as(client, searcher)
    assert client.get(USAGE_URL).status_code == 403
    client.logout()
    assert client.get(USAGE_URL).status_code == 302


def test_the_service_desk_queue_shows_open_alerts_and_the_activity_behind_them(
    client, searcher, desk_user
):
    record(searcher, 3, action="learner.find", at=NOW - dt.timedelta(hours=6))  # 9am
    record(searcher, 2, action="plr.view", at=NOW - dt.timedelta(minutes=30))  # 2:30pm
    record(searcher, 1, action="learner.lookup", at=NOW - dt.timedelta(minutes=20))
    [alert] = misuse_check(now=NOW)

    sign_in_as(client, desk_user)
    home = client.get("/").content.decode()
    assert f'href="{QUEUE_URL}"' in home
    response = client.get(QUEUE_URL)
    assert response.status_code == 200
    text = text_of(response)
    assert "busy.searcher" in text
    assert "Fenland College" in text
    assert f'href="/suspended-accounts/{alert.pk}/"' in response.content.decode()

    response = client.get(f"/suspended-accounts/{alert.pk}/")
    assert response.status_code == 200
    text = text_of(response)
    assert "6 when suspended (daily limit 5)" in text
    assert "09:00 to 09:59 3 0 0 3" in text
    assert "14:00 to 14:59 0 1 2 3" in text
    assert "Whole day 3 1 2 6" in text


def test_the_desk_reinstates_from_the_queue_with_a_reason(client, searcher, desk_user):
    record(searcher, LIMIT + 1)
    [alert] = misuse_check(now=NOW)
    sign_in_as(client, desk_user)
    url = f"/suspended-accounts/{alert.pk}/"

    response = client.post(url, {"decision": "reinstate", "reason": ""})
    assert error_summary_links(response) == [("#reason", "Enter the reason for your decision")]

    response = client.post(url, {"decision": "reinstate", "reason": "Exam results day"})
    assert response.status_code == 302
    assert response["Location"] == QUEUE_URL
    alert.refresh_from_db()
    assert alert.status == AlertStatus.REINSTATED
    searcher.refresh_from_db()
    assert searcher.is_active
    queue = client.get(QUEUE_URL)
    text = text_of(queue)
    assert "The account busy.searcher has been reinstated" in text
    assert "No suspended accounts are waiting for a decision" in text
    assert "Reinstated" in text

    # Decided: no form any more, and a second post changes nothing.
    assert "Save decision" not in text_of(client.get(url))
    client.post(url, {"decision": "keep", "reason": "Changed my mind"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.REINSTATED


def test_the_desk_keeps_an_account_suspended(client, searcher, desk_user):
    record(searcher, LIMIT + 1)
    [alert] = misuse_check(now=NOW)
    sign_in_as(client, desk_user)
    client.post(f"/suspended-accounts/{alert.pk}/", {"decision": "keep", "reason": "Misuse"})
    assert MisuseAlert.objects.get().status == AlertStatus.KEPT_SUSPENDED
    searcher.refresh_from_db()
    assert not searcher.is_active


def test_only_the_service_desk_sees_the_queue(client, searcher, college_admin):
    record(searcher, LIMIT + 1)
    [alert] = misuse_check(now=NOW)
    sign_in_as(client, college_admin)
    assert client.get(QUEUE_URL).status_code == 403
    assert client.get(f"/suspended-accounts/{alert.pk}/").status_code == 403
    ao = make_user(make_organisation(OrganisationType.AWARDING_ORGANISATION), Role.SUPER_USER)
    sign_in_as(client, ao)
    assert (
        client.post(
            f"/suspended-accounts/{alert.pk}/", {"decision": "reinstate", "reason": "x"}
        ).status_code
        == 403
    )
    assert MisuseAlert.objects.get().status == AlertStatus.OPEN


def test_an_unknown_alert_is_not_found(client, desk_user):
    sign_in_as(client, desk_user)
    assert client.get("/suspended-accounts/999/").status_code == 404


def test_a_suspended_users_session_ends(client, searcher):
    sign_in_as(client, searcher)
    assert client.get("/").status_code == 200
    record(searcher, LIMIT + 1)
    misuse_check(now=NOW)
    response = client.get("/")
    assert response.status_code == 302
    assert "/sign-in" in response["Location"]
