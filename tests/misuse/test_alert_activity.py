"""What the service desk sees of the activity that got an account suspended: each counted
action that day (time, action, outcome, result, channel), how many were refused and by
which channel, and the days before; never which learners were searched for."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.utils import timezone

from lrs.audit.models import AuditEntry
from lrs.core.errors import NotPermitted
from lrs.misuse import selectors
from lrs.misuse.services import misuse_check
from tests.misuse.conftest import LIMIT, NOW
from tests.portal.helpers import sign_in_as, text_of

pytestmark = pytest.mark.django_db

ULN = "9990000018"  # synthetic


def counted(user, action, at, *, outcome="success", channel="portal", code="", n=1):
    """Entries shaped as the services write them, with a ULN in both object and detail."""
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                occurred_at=at,
                actor=user,
                actor_username=user.username,
                organisation=user.organisation,
                organisation_ukprn=user.organisation.ukprn,
                action=action,
                object_type="uln",
                object_id=ULN,
                outcome=outcome,
                detail={"response_code": code, "returned_ulns": [ULN], "incoming_uln": ULN}
                if code
                else {},
                request_id="test",
                channel=channel,
            )
            for _ in range(n)
        ]
    )


def entry_rows(response) -> list[str]:
    """The visible text of each row of the table of counted actions."""
    html = response.content.decode()
    start = html.index('id="entries"')
    body = html[html.index("<tbody", start) : html.index("</tbody>", start)]
    return [
        " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        for row in re.findall(r"<tr\b.*?</tr>", body, flags=re.S)
    ]


def row_text(response, row_id: str) -> str:
    html = response.content.decode()
    start = html.index(f'id="{row_id}"')
    row = html[html.index(">", start) + 1 : html.index("</tr>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


@pytest.fixture
def alert(searcher):
    counted(searcher, "learner.find", NOW - dt.timedelta(hours=6), code="WSRC0004")  # 09:00
    counted(searcher, "learner.lookup", NOW - dt.timedelta(hours=2, seconds=-5), code="WSRC0001")
    counted(
        searcher,
        "plr.view",
        NOW - dt.timedelta(minutes=30),
        outcome="refused",
        channel="api",
        code="WSEC0208",
        n=2,
    )
    counted(searcher, "plr.view", NOW - dt.timedelta(minutes=1), channel="api", code="WSEC0206")
    counted(searcher, "learner.find", NOW - dt.timedelta(minutes=1, seconds=30))
    # Not counted, so not listed: another action, another day, another user.
    counted(searcher, "learner.register", NOW - dt.timedelta(hours=1), code="WSRC0005")
    counted(searcher, "learner.find", NOW - dt.timedelta(days=1), code="WSRC0004", n=3)
    counted(searcher, "plr.view", NOW - dt.timedelta(days=6), code="WSVRC001", n=2)
    [made] = misuse_check(now=NOW)
    return made


def test_each_counted_action_of_the_day_is_listed_latest_first_with_outcome_and_result(
    client, desk_user, alert
):
    sign_in_as(client, desk_user)
    response = client.get(f"/suspended-accounts/{alert.pk}/")

    assert response.status_code == 200
    assert "Each search and PLR view on 2 March 2026" in text_of(response)
    assert entry_rows(response) == [
        "14:59:00 PLR view Success WSEC0206 Learner has not agreed to share: no learning "
        "events returned API",
        "14:58:30 Find Success — No result code Portal",
        "14:30:00 PLR view Refused WSEC0208 Learner could not be verified API",
        "14:30:00 PLR view Refused WSEC0208 Learner could not be verified API",
        "13:00:05 Find by ULN Success WSRC0001 No match Portal",
        "09:00:00 Find Success WSRC0004 Exact match Portal",
    ]


def test_the_page_says_how_many_were_refused_and_through_which_channel(client, desk_user, alert):
    sign_in_as(client, desk_user)
    text = text_of(client.get(f"/suspended-accounts/{alert.pk}/"))

    assert "Whole day 2 1 3 6" in text
    assert (
        "2 of the 6 were refused, for example for an invalid ULN or a learner who could not "
        "be verified"
    ) in text
    assert "By channel: API 3, Portal 3" in text


def test_the_page_shows_the_seven_days_before_so_a_burst_stands_out(client, desk_user, alert):
    sign_in_as(client, desk_user)
    response = client.get(f"/suspended-accounts/{alert.pk}/")

    assert "The 7 days before" in text_of(response)
    assert row_text(response, "history-2026-03-01") == "Sunday 1 March 2026 3 0 3"
    assert row_text(response, "history-2026-02-24") == "Tuesday 24 February 2026 0 2 2"
    assert row_text(response, "history-2026-02-23") == "Monday 23 February 2026 0 0 0"
    assert 'id="history-2026-02-22"' not in response.content.decode()


def test_the_page_never_shows_which_learners_were_searched_for(client, desk_user, alert):
    sign_in_as(client, desk_user)
    html = client.get(f"/suspended-accounts/{alert.pk}/").content.decode()
    assert ULN not in html


def test_a_busy_day_is_listed_fifty_entries_a_page(client, desk_user, searcher):
    start = NOW - dt.timedelta(hours=3)
    for n in range(120):
        counted(searcher, "learner.lookup", start + dt.timedelta(seconds=n), code="WSRC0001")
    [alert] = misuse_check(now=NOW)
    sign_in_as(client, desk_user)
    url = f"/suspended-accounts/{alert.pk}/"

    first = client.get(url)
    assert len(entry_rows(first)) == 50
    assert entry_rows(first)[0].startswith("12:01:59 Find by ULN")
    assert 'href="?page=2"' in first.content.decode()
    last = client.get(url + "?page=3")
    assert len(entry_rows(last)) == 20
    assert entry_rows(last)[-1].startswith("12:00:00 Find by ULN")
    # The hour table and the decision form are on every page.
    assert "Whole day 0 120 0 120" in text_of(last)
    assert "Save decision" in text_of(last)


def test_a_day_with_nothing_left_to_list_says_so(client, desk_user, searcher):
    counted(searcher, "learner.find", NOW, n=LIMIT + 1)
    [alert] = misuse_check(now=NOW)
    # As if the entries had been archived: the alert remains, its day is empty now.
    type(alert).objects.filter(pk=alert.pk).update(day=NOW.date() - dt.timedelta(days=400))
    sign_in_as(client, desk_user)
    text = text_of(client.get(f"/suspended-accounts/{alert.pk}/"))
    assert "No searches or PLR views recorded that day." in text


def test_in_summer_the_alerts_day_is_the_uk_day(client, desk_user, searcher):
    summer_now = timezone.make_aware(dt.datetime(2026, 6, 15, 9, 0))
    utc = dt.UTC
    # 00:30 BST on the 15th, and 23:30 BST on the 14th.
    counted(searcher, "learner.find", dt.datetime(2026, 6, 14, 23, 30, tzinfo=utc), n=LIMIT + 1)
    counted(searcher, "learner.find", dt.datetime(2026, 6, 14, 22, 30, tzinfo=utc), n=4)
    [alert] = misuse_check(now=summer_now)
    assert alert.day == dt.date(2026, 6, 15)
    sign_in_as(client, desk_user)
    response = client.get(f"/suspended-accounts/{alert.pk}/")
    assert len(entry_rows(response)) == LIMIT + 1
    assert {row.split()[0] for row in entry_rows(response)} == {"00:30:00"}
    assert row_text(response, "history-2026-06-14") == "Sunday 14 June 2026 4 0 4"


def test_only_the_service_desk_reads_the_activity(college_admin, desk_user, alert):
    for read in (
        selectors.misuse_alert_entries,
        selectors.misuse_alert_history,
        selectors.misuse_alert_breakdown,
    ):
        with pytest.raises(NotPermitted):
            read(actor=college_admin, alert=alert)
        read(actor=desk_user, alert=alert)


def test_an_entry_shows_only_its_time_action_outcome_result_and_channel(desk_user, alert):
    [latest, *_] = selectors.misuse_alert_entries(actor=desk_user, alert=alert)
    assert selectors.activity_entry(latest) == selectors.ActivityEntry(
        occurred_at=NOW - dt.timedelta(minutes=1),
        action="plr.view",
        outcome="success",
        response_code="WSEC0206",
        channel="api",
    )
