"""The issue's "done when", in a real browser on either database: a CLR of a PLR is issued
and downloaded, Digital Bazaar's independent verifier accepts it, the awarding organisation
withdraws one event (an achievement file), and then both verifiers (LRS's public /verify
page and the independent one) report that event's credential revoked. Axe checks every
page. The learner's own path (learner sign-in comes with another issue) is the service
call their PLR page will make, verified independently too."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from lrs.access import OrganisationType, Role
from lrs.credentials.models import IssuedCredential
from lrs.credentials.services import LearnerActor, credentials_issue
from lrs.learners.services import learner_register
from lrs.records.models import LearningEvent, Qualification
from lrs.records.services import EventValues, event_create
from tests.browser.conftest import check_accessibility, visit
from tests.browser.test_plr_journey import fill_plr, submit
from tests.browser.test_portal_journeys import sign_in
from tests.factories import (
    OLIVIA,
    achievement_row,
    make_achievement_job,
    make_organisation,
    make_user,
)
from tests.vc.interop import db_verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"


def _published(page, tmp_path: Path) -> tuple[dict, list[dict]]:
    """LRS's DID document and status lists as anyone fetches them (no sign-in)."""
    did = page.request.get("/.well-known/did.json")
    assert did.ok
    assert did.headers["content-type"] == "application/did+ld+json"
    lists = []
    number = 1
    while (listing := page.request.get(f"/credentials/status/{number}")).ok:
        lists.append(listing.json())
        number += 1
    assert lists
    return did.json(), lists


def test_a_clr_is_issued_downloaded_verified_withdrawn_and_then_revoked_for_both_verifiers(
    page, tmp_path
):
    ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    ao_user = make_user(ao, Role.AWARDING_ORGANISATION_USER)
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    provider = make_user(college, Role.ONLINE_USER, username="online.one")
    gcse = Qualification.objects.create(
        reference="601/4702/5",
        kind="qualification",
        title="GCSE (9 to 1) in Mathematics",
        qualification_type="GCSE (9 to 1)",
        level="Level 1/2",
        awarding_organisation=ao,
    )
    btec = Qualification.objects.create(
        reference="603/7035/2",
        kind="qualification",
        title="BTEC Level 3 National Extended Certificate in Business",
        qualification_type="BTEC National",
        level="3",
        awarding_organisation=ao,
    )
    olivia = learner_register(actor=provider, data=OLIVIA).learner
    maths = event_create(
        actor=ao_user,
        learner=olivia,
        values=EventValues(qualification=gcse, grade="7", award_date=dt.date(2022, 8, 25)),
    )
    business = event_create(
        actor=ao_user,
        learner=olivia,
        values=EventValues(qualification=btec, grade="D*", award_date=dt.date(2024, 8, 15)),
    )

    # The college views Olivia's PLR and issues a CLR of both achievements.
    sign_in(page, "online.one")
    page.get_by_role("link", name="View a PLR").first.click()
    check_accessibility(page)
    fill_plr(page, olivia, "Olivia")
    submit(page, "View PLR")
    panel = page.locator("#credentials")
    assert "Verifiable credentials" in panel.inner_text()
    assert page.get_by_label(
        "One Comprehensive Learner Record (CLR 2.0) of the chosen achievements"
    ).is_checked()
    submit(page, "Issue credentials")
    assert page.get_by_role("heading", level=1).inner_text() == "Credential issued"
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the Comprehensive Learner Record (JSON)").click()
    saved = tmp_path / "clr.json"
    download_info.value.save_as(saved)
    clr = json.loads(saved.read_text())
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    assert len(clr["credentialSubject"]["verifiableCredential"]) == 2

    # The independent verifier accepts it, with LRS's published keys and status list.
    did, lists = _published(page, tmp_path)
    result = db_verify(tmp_path, clr, did_documents=[did], status_lists=lists)
    assert (result["verified"], result["revoked"]) == (True, False), result
    assert [(p["verified"], p["revoked"]) for p in result["inner"]] == [(True, False)] * 2

    # LRS's own /verify page, public: sign out first.
    page.get_by_role("button", name="Sign out").click()
    check_accessibility(page)
    visit(page, "/verify")
    page.set_input_files("#file", str(saved))
    submit(page, "Check the credential")
    assert page.locator("#verdict h1").inner_text() == "Verified"

    # The awarding organisation withdraws the maths GCSE in an achievement file.
    job = make_achievement_job(
        ao_user,
        [achievement_row(2, olivia, gcse, college, action="3", action_reason="Awarded in error")],
    )
    assert job.withdrawn == 1
    maths.refresh_from_db()
    assert maths.withdrawn

    # Both verifiers now report the GCSE's credential (and the CLR holding it) revoked.
    did, lists = _published(page, tmp_path)
    result = db_verify(tmp_path, clr, did_documents=[did], status_lists=lists)
    assert result["revoked"] is True, result
    inner = {p["id"]: p["revoked"] for p in result["inner"]}
    maths_credential = IssuedCredential.objects.get(carried__event=maths, parent__isnull=False)
    business_credential = IssuedCredential.objects.get(
        carried__event=business, parent__isnull=False
    )
    assert inner == {
        maths_credential.document["id"]: True,
        business_credential.document["id"]: False,
    }

    verify_page_reports_withdrawal(
        page, saved, revoked="GCSE (9 to 1) in Mathematics", kept="BTEC Level 3"
    )
    # The report fits a 320 px screen (long ids wrap).
    page.set_viewport_size({"width": 320, "height": 800})
    check_accessibility(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1280, "height": 900})

    # The learner's own path: the service their PLR page calls, verified independently.
    [own] = credentials_issue(
        actor=LearnerActor(olivia),
        learner=olivia,
        event_ids=[str(business.public_id)],
        kind="clr",
    )
    did, lists = _published(page, tmp_path)
    result = db_verify(tmp_path, own.document, did_documents=[did], status_lists=lists)
    assert (result["verified"], result["revoked"]) == (True, False), result
    assert not LearningEvent.objects.get(pk=business.pk).withdrawn


def verify_page_reports_withdrawal(page: Any, saved: Path, *, revoked: str, kept: str) -> None:
    """LRS's public /verify page, given a CLR one of whose achievements was withdrawn
    today, says so: the whole not verified, that part revoked (with when), the other kept."""
    visit(page, "/verify")
    page.set_input_files("#file", str(saved))
    submit(page, "Check the credential")
    assert page.locator("#verdict h1").inner_text() == "Not verified"
    assert "The issuer has revoked this credential" in page.locator("#verdict").inner_text()
    today = dt.date.today()
    assert f"Revoked: the awarding organisation withdrew this achievement on {today.day} " in (
        page.locator("#checks").inner_text()
    )
    revoked_part = page.locator(".lrs-inner-credential", has_text=revoked)
    assert "Revoked" in revoked_part.inner_text()
    kept_part = page.locator(".lrs-inner-credential", has_text=kept)
    assert "Verified" in kept_part.inner_text()
