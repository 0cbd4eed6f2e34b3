"""The service desk's duplicate pages through the Django test client: the review queue and
its scan button, one pair and its two decisions, merging by ULNs with a confirmation,
merges and their undo, the learner page of a master and of a linked learner, and that
nobody but the service desk gets in."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from lrs.access import OrganisationType, Role
from lrs.duplicates import views as duplicate_views
from lrs.duplicates.models import (
    DuplicatePair,
    DuplicateScan,
    LearnerMerge,
    PairSource,
    PairStatus,
    ScanStatus,
)
from lrs.duplicates.scan import scan_run
from lrs.duplicates.services import (
    duplicate_pair_mark_not_same,
    duplicate_pair_propose,
    duplicate_scan_request,
    learners_merge,
)
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.presenters import score_percent
from lrs.records.models import LearningEvent
from tests.duplicates.factories import make_learner
from tests.factories import GCSE_MATHS, make_event, make_organisation, make_qualification, make_user
from tests.portal.helpers import error_summary_links, sign_in_as, text_of, title

pytestmark = pytest.mark.django_db

QUEUE = "/duplicates/"
MERGE_BY_ULN = "/duplicates/merge"
MERGES = "/duplicates/merges/"


def html_of(response) -> str:
    return response.content.decode()


def section(response, element_id: str) -> str:
    """The visible text of the element with ``element_id`` up to the end of its table row,
    summary list or list."""
    html = html_of(response)
    start = html.index(f'id="{element_id}"')
    ends = [html.find(tag, start) for tag in ("</tr>", "</dl>", "</ul>", "</div>")]
    end = min(e for e in ends if e != -1)
    return " ".join(re.sub(r"<[^>]+>", " ", html[html.index(">", start) + 1 : end]).split())


# --- The register: Olivia twice (once with a typo), and someone else -------------------


@pytest.fixture
def college():
    return make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")


@pytest.fixture
def online_user(college):
    return make_user(college, Role.ONLINE_USER, username="online.one")


@pytest.fixture
def desk_user():
    desk = make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")
    return make_user(desk, Role.SERVICE_DESK_USER, username="desk.one")


@pytest.fixture
def desk(client, desk_user):
    return sign_in_as(client, desk_user)


@pytest.fixture
def ao_user():
    ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    return make_user(ao, Role.AWARDING_ORGANISATION_USER)


@pytest.fixture
def gcse(ao_user):
    return make_qualification(ao_user.organisation, *GCSE_MATHS)


@pytest.fixture
def olivia(online_user):
    return make_learner(online_user)


@pytest.fixture
def typo(online_user, olivia):
    return make_learner(online_user, given_name="Olivai", last_known_postcode="CV4 9EF")


@pytest.fixture
def stranger(online_user):
    return make_learner(
        online_user,
        given_name="Marcus",
        family_name="Ellingham",
        date_of_birth="1999-11-02",
        gender="1",
        last_known_postcode="LS6 3HN",
    )


@pytest.fixture
def events(ao_user, gcse, olivia, typo):
    """One event on Olivia's first record, two on the one with the typo."""
    return {
        olivia.pk: [make_event(ao_user, olivia, qualification=gcse, grade="7")],
        typo.pk: [
            make_event(ao_user, typo, qualification=gcse, grade="5"),
            make_event(ao_user, typo, qualification=gcse, grade="6"),
        ],
    }


@pytest.fixture
def pair(desk_user, olivia, typo):
    return duplicate_pair_propose(
        actor=desk_user, first_uln=olivia.uln, second_uln=typo.uln, source=PairSource.SCAN
    )


def pair_url(pair: DuplicatePair) -> str:
    return f"/duplicates/{pair.pk}/"


def merge_url(merge: LearnerMerge) -> str:
    return f"/duplicates/merges/{merge.pk}/"


# --- Addresses and who may see them ---------------------------------------------------


def test_the_url_names_put_every_page_under_duplicates():
    assert reverse("portal:duplicate-list") == QUEUE
    assert reverse("portal:duplicate-scan") == "/duplicates/scan"
    assert reverse("portal:duplicate-propose") == "/duplicates/propose"
    assert reverse("portal:duplicate-pair", args=[3]) == "/duplicates/3/"
    assert reverse("portal:learner-merge") == MERGE_BY_ULN
    assert reverse("portal:duplicate-merge-list") == MERGES
    assert reverse("portal:duplicate-merge", args=[4]) == "/duplicates/merges/4/"
    assert reverse("portal:duplicate-merge-of", args=["9276308686"]) == (
        "/duplicates/merges/of/9276308686/"
    )


def test_the_navigation_highlights_duplicates_on_every_duplicate_page(desk, pair, desk_user):
    merge = learners_merge(
        actor=desk_user, master_uln=pair.first.uln, other_ulns=[pair.second.uln], reason="Same"
    )
    for url in (QUEUE, pair_url(pair), MERGE_BY_ULN, MERGES, merge_url(merge)):
        html = html_of(desk.get(url))
        current = re.search(
            r'govuk-service-navigation__item--active">\s*<a [^>]*href="([^"]+)"', html
        )
        assert current, url
        assert current.group(1) == QUEUE, url


def test_only_the_service_desk_may_use_the_duplicate_pages(client, online_user, pair, desk_user):
    merge = learners_merge(
        actor=desk_user, master_uln=pair.first.uln, other_ulns=[pair.second.uln], reason="Same"
    )
    gets = [
        QUEUE,
        pair_url(pair),
        MERGE_BY_ULN,
        MERGES,
        merge_url(merge),
        f"/duplicates/merges/of/{pair.second.uln}/",
    ]
    posts = [
        "/duplicates/scan",
        "/duplicates/propose",
        pair_url(pair),
        MERGE_BY_ULN,
        merge_url(merge),
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/sign-in"), url
    sign_in_as(client, online_user)
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, {"reason": "x", "decision": "merge"}).status_code == 403, url
    assert 'href="/duplicates/"' not in html_of(client.get("/"))
    assert not DuplicateScan.objects.exists()
    assert LearnerMerge.objects.get().unmerged_at is None


def test_unknown_pairs_and_merges_are_page_not_found(desk):
    assert desk.get("/duplicates/999/").status_code == 404
    assert desk.get("/duplicates/merges/999/").status_code == 404
    assert desk.get("/duplicates/abc/").status_code == 404


# --- The review queue ------------------------------------------------------------------


def test_the_queue_lists_open_pairs_best_score_first_with_their_details(
    desk, desk_user, pair, olivia, stranger
):
    weak = duplicate_pair_propose(actor=desk_user, first_uln=olivia.uln, second_uln=stranger.uln)
    response = desk.get(QUEUE)
    assert response.status_code == 200
    html = html_of(response)
    assert title("Duplicate learners") in html
    assert html.index(f'id="pair-{pair.pk}"') < html.index(f'id="pair-{weak.pk}"')
    row = section(response, f"pair-{pair.pk}")
    assert f"{olivia.uln} Olivia Thornbury" in row
    assert f"{pair.second.uln} Olivai Thornbury" in row
    assert "14 March 2006 Both" in row
    assert f" {score_percent(pair.score)} " in row
    assert "Duplicate scan" in row
    assert "Awaiting review" in row
    weak_row = section(response, f"pair-{weak.pk}")
    assert "14 March 2006 2 November 1999" in weak_row
    assert "Service desk" in weak_row
    assert "2 pairs awaiting review" in text_of(response)
    assert f'href="{pair_url(pair)}"' in html


def test_the_queue_filters_by_status_and_uln(desk, desk_user, pair, olivia, typo, stranger):
    other = duplicate_pair_propose(actor=desk_user, first_uln=typo.uln, second_uln=stranger.uln)
    duplicate_pair_mark_not_same(actor=desk_user, pair=other, reason="Different people")

    open_only = html_of(desk.get(QUEUE))
    assert f'id="pair-{pair.pk}"' in open_only
    assert f'id="pair-{other.pk}"' not in open_only

    not_same = desk.get(QUEUE, {"status": PairStatus.NOT_SAME})
    assert f'id="pair-{other.pk}"' in html_of(not_same)
    assert f'id="pair-{pair.pk}"' not in html_of(not_same)
    assert "Not the same person" in section(not_same, f"pair-{other.pk}")

    everything = html_of(desk.get(QUEUE, {"status": "all"}))
    assert f'id="pair-{pair.pk}"' in everything
    assert f'id="pair-{other.pk}"' in everything

    by_uln = html_of(desk.get(QUEUE, {"status": "all", "uln": stranger.uln}))
    assert f'id="pair-{other.pk}"' in by_uln
    assert f'id="pair-{pair.pk}"' not in by_uln

    merged = desk.get(QUEUE, {"status": PairStatus.MERGED})
    assert "No pairs match these filters" in text_of(merged)

    bad = desk.get(QUEUE, {"uln": "12345"})
    assert bad.status_code == 200
    assert error_summary_links(bad) == [
        ("#uln", "Enter the ULN to look for as a valid ULN: 10 digits")
    ]
    assert "<title>Error: Duplicate learners" in html_of(bad)


def test_the_queue_is_paginated(desk, desk_user, online_user, olivia, monkeypatch):
    monkeypatch.setattr(duplicate_views, "PAIRS_PER_PAGE", 2)
    for given_name, postcode in [("Olivea", "CV4 9EA"), ("Olyvia", "CV4 9EB"), ("Oliwia", "")]:
        other = make_learner(
            online_user, given_name=given_name, last_known_postcode=postcode or "CV4 9ED"
        )
        duplicate_pair_propose(actor=desk_user, first_uln=olivia.uln, second_uln=other.uln)
    first = desk.get(QUEUE)
    assert html_of(first).count('id="pair-') == 2
    assert 'aria-label="Pagination"' in html_of(first)
    second = desk.get(QUEUE, {"page": "2"})
    assert html_of(second).count('id="pair-') == 1


def test_the_scan_button_queues_a_scan_and_refuses_a_second_while_one_waits(desk, typo):
    response = desk.post("/duplicates/scan")
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    scan = DuplicateScan.objects.get()
    assert scan.status == ScanStatus.QUEUED
    page = desk.get(QUEUE)
    assert "A scan of the whole register has been queued" in text_of(page)
    assert "Queued" in section(page, "scan-status")

    again = desk.post("/duplicates/scan")
    assert again.status_code == 200
    summary = section(again, "main-content").removeprefix("Back ")  # the back link is in <main>
    assert summary.startswith("There is a problem A duplicate scan is already queued or running")
    assert "<title>Error: Duplicate learners" in html_of(again)
    assert DuplicateScan.objects.count() == 1


def test_the_queue_shows_the_latest_scan_and_what_it_found(desk, desk_user, olivia, typo, stranger):
    assert "has not been scanned for duplicates yet" in text_of(desk.get(QUEUE))
    scan = duplicate_scan_request(actor=desk_user)
    assert scan_run(scan.pk) == ScanStatus.COMPLETE
    response = desk.get(QUEUE)
    assert "Complete" in section(response, "scan-status")
    assert section(response, "scan-learners").startswith("3 active learners")
    assert section(response, "scan-pairs") == "1 found, 1 new to the queue"
    pair = DuplicatePair.objects.get()
    assert {pair.first, pair.second} == {olivia, typo}
    assert "Duplicate scan" in section(response, f"pair-{pair.pk}")


def test_proposing_a_pair_checks_the_ulns_then_opens_the_pair(desk, olivia, typo):
    empty = desk.post("/duplicates/propose", {})
    assert error_summary_links(empty) == [
        ("#first_uln", "Enter the first ULN"),
        ("#second_uln", "Enter the second ULN"),
    ]
    bad = desk.post("/duplicates/propose", {"first_uln": "123", "second_uln": olivia.uln})
    assert error_summary_links(bad) == [
        ("#first_uln", "Enter the first ULN as a valid ULN: 10 digits")
    ]
    same = desk.post("/duplicates/propose", {"first_uln": olivia.uln, "second_uln": olivia.uln})
    assert error_summary_links(same) == [("#second_uln", "Enter two different ULNs")]
    unknown = desk.post(
        "/duplicates/propose", {"first_uln": olivia.uln, "second_uln": "9276308686"}
    )
    assert error_summary_links(unknown) == [("#first_uln", "No learner has the ULN 9276308686")]
    assert not DuplicatePair.objects.exists()

    response = desk.post(
        "/duplicates/propose",
        {"first_uln": typo.uln, "second_uln": f" {olivia.uln[:4]} {olivia.uln[4:]}"},
    )
    pair = DuplicatePair.objects.get()
    assert response["Location"] == pair_url(pair)
    assert pair.source == PairSource.SERVICE_DESK
    assert (pair.first, pair.second) == (olivia, typo)
    assert "The pair is in the review queue" in text_of(desk.get(response["Location"]))


# --- One pair ---------------------------------------------------------------------------


def test_the_pair_page_shows_both_learners_side_by_side_with_the_differences(
    desk, pair, olivia, typo, events
):
    response = desk.get(pair_url(pair))
    assert response.status_code == 200
    html = html_of(response)
    assert title(f"ULNs {olivia.uln} and {typo.uln}") in html
    page = text_of(response)
    assert "Given name Differs Olivia Olivai" in page
    assert "Postcode Differs CV4 9EE CV4 9EF" in page
    assert "Family name Thornbury Thornbury" in page
    assert "Date of birth 14 March 2006 14 March 2006" in page
    assert "Middle or other names Not given Not given" in page
    assert section(response, "events") == "Learning events 1 2"
    # The engine's explanation, field by field.
    explanation = page[page.index("How the details compare") :]
    weights = {entry["field"]: f"{entry['weight']:+.1f}" for entry in pair.explanation}
    assert f"Given name One typing error {weights['given_name']} " in explanation
    assert f"Family name Exact {weights['family_name']} " in explanation
    assert "Strong evidence this is the same person" in explanation
    assert f'href="/learners/{olivia.uln}/"' in html


def test_the_master_suggested_is_the_record_with_more_events_and_the_hint_says_why(
    desk, pair, typo, events
):
    html = html_of(desk.get(pair_url(pair)))
    assert re.search(rf'value="{typo.uln}" checked', html)
    assert (
        f"ULN {typo.uln} is selected because it has more learning events (2, against 1)."
        in text_of(desk.get(pair_url(pair)))
    )


def test_with_as_many_events_the_older_record_is_suggested(desk, pair, olivia):
    response = desk.get(pair_url(pair))
    assert re.search(rf'value="{olivia.uln}" checked', html_of(response))
    assert (
        f"ULN {olivia.uln} is selected because it is the older record and both have "
        "0 learning events." in text_of(response)
    )


def test_merging_a_pair_needs_a_reason(desk, pair, olivia):
    response = desk.post(pair_url(pair), {"decision": "merge", "master": olivia.uln})
    assert error_summary_links(response) == [("#merge_reason", "Enter the reason for merging")]
    assert "<title>Error: " in html_of(response)
    not_same = desk.post(pair_url(pair), {"decision": "not_same", "not_same_reason": " "})
    assert error_summary_links(not_same) == [
        ("#not_same_reason", "Enter why they are different people")
    ]
    bad_master = desk.post(
        pair_url(pair), {"decision": "merge", "master": "9276308686", "merge_reason": "x"}
    )
    assert error_summary_links(bad_master) == [
        ("#master", "Select the record to keep as the master")
    ]
    assert not LearnerMerge.objects.exists()
    assert DuplicatePair.objects.get().status == PairStatus.OPEN


def test_merging_a_pair_links_the_other_learner_and_moves_its_events(
    desk, desk_user, pair, olivia, typo, events
):
    response = desk.post(
        pair_url(pair),
        {"decision": "merge", "master": typo.uln, "merge_reason": "Same person, typo in name"},
    )
    merge = LearnerMerge.objects.get()
    assert response["Location"] == merge_url(merge)
    olivia.refresh_from_db()
    assert (olivia.status, olivia.master) == (LearnerStatus.LINKED, typo)
    assert LearningEvent.objects.filter(learner=typo).count() == 3
    pair.refresh_from_db()
    assert (pair.status, pair.merge, pair.decided_by) == (PairStatus.MERGED, merge, desk_user)

    detail = desk.get(response["Location"])
    page = text_of(detail)
    assert f"ULN {olivia.uln} is now linked to the master ULN {typo.uln}" in page
    assert "In force" in section(detail, "merge-status")
    assert "Same person, typo in name" in section(detail, "merged")
    assert section(detail, "moved").startswith("1 learning event 0 open challenges 0 batch results")
    assert f"{olivia.uln} Olivia Thornbury 14 March 2006 Active Linked to {typo.uln}" in section(
        detail, f"linked-{olivia.uln}"
    )

    # The pair now says who decided, and links to the merge; it has no decisions left.
    decided = desk.get(pair_url(pair))
    assert "Merged" in section(decided, "status")
    assert "By Test Person" in section(decided, "decision")
    assert "Same person, typo in name" in section(decided, "decision")
    assert f'href="{merge_url(merge)}"' in html_of(decided)
    assert 'id="merge-form"' not in html_of(decided)
    # Posting again changes nothing.
    desk.post(pair_url(pair), {"decision": "merge", "master": olivia.uln, "merge_reason": "x"})
    assert LearnerMerge.objects.count() == 1


def test_a_merge_the_service_refuses_is_shown_in_the_error_summary(
    desk, desk_user, pair, olivia, typo
):
    Learner.objects.filter(pk=typo.pk).update(status=LearnerStatus.CLOSED)
    response = desk.post(
        pair_url(pair), {"decision": "merge", "master": olivia.uln, "merge_reason": "Same"}
    )
    assert error_summary_links(response) == [
        ("#master", f"{typo.uln} is closed and cannot be merged")
    ]
    assert not LearnerMerge.objects.exists()


def test_marking_a_pair_not_the_same_person_is_remembered(desk, desk_user, pair, olivia, typo):
    response = desk.post(
        pair_url(pair), {"decision": "not_same", "not_same_reason": "Twins, the college says"}
    )
    assert response["Location"] == pair_url(pair)
    pair.refresh_from_db()
    assert pair.status == PairStatus.NOT_SAME
    page = desk.get(pair_url(pair))
    assert "They will not be proposed again" in text_of(page)
    assert "Not the same person" in section(page, "status")
    assert "Twins, the college says" in section(page, "decision")
    assert 'id="not-same-form"' not in html_of(page)
    # A scan finds them again, and leaves them decided.
    scan = duplicate_scan_request(actor=desk_user)
    scan_run(scan.pk)
    assert DuplicatePair.objects.get().status == PairStatus.NOT_SAME
    assert f'id="pair-{pair.pk}"' not in html_of(desk.get(QUEUE))


# --- Merging by ULNs ------------------------------------------------------------------


def test_the_merge_by_uln_form_checks_what_was_typed(desk, olivia, typo, stranger, desk_user):
    assert title("Merge learners by ULN") in html_of(desk.get(MERGE_BY_ULN))
    empty = desk.post(MERGE_BY_ULN, {"action": "check"})
    assert error_summary_links(empty) == [
        ("#master_uln", "Enter the master's ULN"),
        ("#other_ulns", "Enter at least one ULN to link to the master"),
        ("#reason", "Enter the reason for merging"),
    ]
    bad = desk.post(
        MERGE_BY_ULN,
        {"master_uln": olivia.uln, "other_ulns": f"{olivia.uln}\n12345", "reason": "Same"},
    )
    assert error_summary_links(bad) == [
        ("#other_ulns", "12345 is not a valid ULN: a ULN is 10 digits")
    ]
    itself = desk.post(
        MERGE_BY_ULN, {"master_uln": olivia.uln, "other_ulns": olivia.uln, "reason": "Same"}
    )
    assert error_summary_links(itself) == [("#other_ulns", "The master cannot be linked to itself")]
    unknown = desk.post(
        MERGE_BY_ULN, {"master_uln": olivia.uln, "other_ulns": "9276308686", "reason": "Same"}
    )
    assert error_summary_links(unknown) == [("#other_ulns", "No learner has the ULN 9276308686")]
    learners_merge(actor=desk_user, master_uln=typo.uln, other_ulns=[stranger.uln], reason="x")
    linked = desk.post(
        MERGE_BY_ULN, {"master_uln": olivia.uln, "other_ulns": stranger.uln, "reason": "Same"}
    )
    assert error_summary_links(linked) == [
        (
            "#other_ulns",
            f"ULN {stranger.uln} is already linked to ULN {typo.uln}: merge into that master, "
            "or undo that merge first",
        )
    ]
    assert LearnerMerge.objects.count() == 1


def test_merging_by_uln_shows_the_learners_before_merging(desk, olivia, typo, events):
    typed = {
        "action": "check",
        "master_uln": olivia.uln,
        "other_ulns": f"\n {typo.uln} \n",
        "reason": "Confirmed by the college",
    }
    check = desk.post(MERGE_BY_ULN, typed)
    assert check.status_code == 200
    html = html_of(check)
    assert title("Check the learners before merging") in html
    assert "Master Olivia Thornbury 14 March 2006 Female CV4 9EE" in section(
        check, f"learner-{olivia.uln}"
    )
    assert section(check, f"learner-{typo.uln}").endswith(" 2")
    assert "To be linked" in section(check, f"learner-{typo.uln}")
    carried = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    assert carried["other_ulns"] == typo.uln
    assert not LearnerMerge.objects.exists()

    # Changing them puts the details back in the form.
    edit = desk.post(MERGE_BY_ULN, {**carried, "action": "edit"})
    assert title("Merge learners by ULN") in html_of(edit)
    assert f'value="{olivia.uln}"' in html_of(edit)
    assert not error_summary_links(edit)

    confirm = desk.post(MERGE_BY_ULN, {**carried, "action": "confirm"})
    merge = LearnerMerge.objects.get()
    assert confirm["Location"] == merge_url(merge)
    assert merge.master == olivia
    assert merge.linked_ulns == [typo.uln]
    assert LearningEvent.objects.filter(learner=olivia).count() == 3


def test_merging_several_ulns_at_once(desk, online_user, olivia, typo):
    third = make_learner(online_user, given_name="Livvy", last_known_postcode="B15 2TT")
    carried = {
        "master_uln": olivia.uln,
        "other_ulns": f"{typo.uln},{third.uln}",
        "reason": "One person",
        "action": "confirm",
    }
    desk.post(MERGE_BY_ULN, carried)
    assert sorted(LearnerMerge.objects.get().linked_ulns) == sorted([typo.uln, third.uln])


# --- Merges and undoing them ----------------------------------------------------------


def test_the_merges_list_shows_each_merge_and_filters_by_uln(
    desk, desk_user, olivia, typo, stranger, online_user
):
    first = learners_merge(
        actor=desk_user, master_uln=olivia.uln, other_ulns=[typo.uln], reason="a"
    )
    other = make_learner(
        online_user, given_name="Marcus", family_name="Ellingham", last_known_postcode="LS6 3HN"
    )
    second = learners_merge(
        actor=desk_user, master_uln=stranger.uln, other_ulns=[other.uln], reason="b"
    )
    response = desk.get(MERGES)
    html = html_of(response)
    assert title("Merges") in html
    assert html.index(f'id="merge-{second.pk}"') < html.index(f'id="merge-{first.pk}"')
    row = section(response, f"merge-{first.pk}")
    assert f"{olivia.uln} Olivia Thornbury {typo.uln} Test Person In force" in row
    by_linked = html_of(desk.get(MERGES, {"uln": typo.uln}))
    assert f'id="merge-{first.pk}"' in by_linked
    assert f'id="merge-{second.pk}"' not in by_linked
    nothing = desk.get(MERGES, {"uln": "9276308686"})
    assert "No merges involve ULN 9276308686" in text_of(nothing)
    bad = desk.get(MERGES, {"uln": "1"})
    assert error_summary_links(bad) == [
        ("#uln", "Enter the ULN to look for as a valid ULN: 10 digits")
    ]


def test_undoing_a_merge_needs_a_reason_then_puts_everything_back(
    desk, desk_user, pair, olivia, typo, events
):
    merge = learners_merge(
        actor=desk_user, master_uln=olivia.uln, other_ulns=[typo.uln], reason="Same", pair=pair
    )
    assert LearningEvent.objects.filter(learner=olivia).count() == 3

    empty = desk.post(merge_url(merge), {"reason": ""})
    assert error_summary_links(empty) == [("#reason", "Enter the reason for undoing the merge")]
    assert LearnerMerge.objects.get().unmerged_at is None

    response = desk.post(merge_url(merge), {"reason": "The college found they are cousins"})
    assert response["Location"] == merge_url(merge)
    typo.refresh_from_db()
    assert (typo.status, typo.master) == (LearnerStatus.ACTIVE, None)
    assert set(LearningEvent.objects.filter(learner=olivia)) == set(events[olivia.pk])
    assert set(LearningEvent.objects.filter(learner=typo)) == set(events[typo.pk])
    assert DuplicatePair.objects.get().status == PairStatus.OPEN

    page = desk.get(merge_url(merge))
    text = text_of(page)
    assert f"The merge has been undone: {typo.uln} is no longer linked to ULN {olivia.uln}" in text
    assert "Undone" in section(page, "merge-status")
    assert "By Test Person" in section(page, "unmerged")
    assert "The college found they are cousins" in section(page, "unmerged")
    assert "Undo this merge" not in text
    # Undoing twice changes nothing.
    desk.post(merge_url(merge), {"reason": "again"})
    assert LearnerMerge.objects.get().unmerge_reason == "The college found they are cousins"


def test_an_undo_the_service_refuses_is_shown_in_the_error_summary(
    desk, desk_user, olivia, typo, stranger
):
    first = learners_merge(
        actor=desk_user, master_uln=olivia.uln, other_ulns=[typo.uln], reason="a"
    )
    learners_merge(actor=desk_user, master_uln=stranger.uln, other_ulns=[olivia.uln], reason="b")
    response = desk.post(merge_url(first), {"reason": "Wrong"})
    assert error_summary_links(response) == [
        ("#reason", "A later merge involves these learners; undo the later merge first")
    ]
    assert LearnerMerge.objects.get(pk=first.pk).unmerged_at is None


# --- The learner page -------------------------------------------------------------------


def test_a_masters_page_lists_its_linked_ulns_and_a_linked_page_its_master(
    client, desk_user, online_user, olivia, typo
):
    merge = learners_merge(
        actor=desk_user, master_uln=olivia.uln, other_ulns=[typo.uln], reason="a"
    )
    sign_in_as(client, desk_user)
    master = client.get(f"/learners/{olivia.uln}/")
    assert "Merged into this record" in text_of(master)
    assert section(master, "linked-ulns").startswith(typo.uln)
    assert f'href="/duplicates/merges/of/{typo.uln}/"' in html_of(master)
    linked = client.get(f"/learners/{typo.uln}/")
    assert "This record has been merged into another learner" in text_of(linked)
    assert f"ULN {olivia.uln}" in section(linked, "linked")
    assert f'href="/duplicates/merges/of/{typo.uln}/"' in html_of(linked)
    follow = client.get(f"/duplicates/merges/of/{typo.uln}/")
    assert follow["Location"] == merge_url(merge)
    # For a master, with no merge of its own, the link lists the merges with its ULN.
    assert client.get(f"/duplicates/merges/of/{olivia.uln}/")["Location"] == (
        f"{MERGES}?uln={olivia.uln}"
    )

    # The college that registered them sees the linked ULN but no service desk links.
    sign_in_as(client, online_user)
    college_view = client.get(f"/learners/{olivia.uln}/")
    assert section(college_view, "linked-ulns") == typo.uln
    assert "/duplicates/" not in html_of(college_view)
    assert "/duplicates/" not in html_of(client.get(f"/learners/{typo.uln}/"))


def test_an_active_learner_with_nothing_merged_into_it_has_no_merged_section(desk, olivia):
    assert "Merged into this record" not in text_of(desk.get(f"/learners/{olivia.uln}/"))
