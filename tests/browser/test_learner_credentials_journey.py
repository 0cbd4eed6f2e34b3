"""Issue 20's "done when", from the learner's side, in a real browser on either database:
a learner signs in (through the local OpenID Connect provider standing in for GOV.UK One
Login), gets a CLR of their PLR from their own record page and downloads it; Digital
Bazaar's independent verifier accepts it; the awarding organisation withdraws one event
in an achievement file; then both verifiers (LRS's public /verify page and the
independent one) report that event's credential revoked, and the learner's own list
says so. Axe checks every LRS page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from lrs.access import OrganisationType, Role
from lrs.credentials.models import IssuedCredential
from lrs.learners.services import learner_register
from tests.browser.conftest import check_accessibility, visit
from tests.browser.test_credentials_journey import _published, verify_page_reports_withdrawal

# The local OpenID Connect provider, shared with the learner's other journeys.
from tests.browser.test_learner_own_record_journeys import (
    browser_provider,  # noqa: F401
    sign_in_through_the_provider,
)
from tests.factories import (
    GCSE_ENGLISH,
    GCSE_MATHS,
    OLIVIA,
    achievement_row,
    make_achievement_job,
    make_organisation,
    make_qualification,
    make_user,
)
from tests.learnerportal.helpers import make_events
from tests.learnerportal.oidc_helpers import LocalProvider, person_from
from tests.vc.interop import db_verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def learner_one_login(browser_provider: LocalProvider, settings: Any) -> LocalProvider:  # noqa: F811
    settings.LRS_OIDC_PROVIDERS = {"one_login": browser_provider.settings()}
    return browser_provider


@pytest.fixture(autouse=True)
def _uploads(settings: Any, tmp_path: Path) -> None:
    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"


def test_a_learner_downloads_a_clr_of_their_plr_and_both_verifiers_see_a_withdrawal_revoke_it(
    page: Any, learner_one_login: LocalProvider, tmp_path: Path
):
    ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    ao_user = make_user(ao, Role.AWARDING_ORGANISATION_USER)
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    olivia = learner_register(actor=make_user(college, Role.ONLINE_USER), data=OLIVIA).learner
    gcse = make_qualification(ao, *GCSE_MATHS)
    maths, english = make_events(
        ao_user=ao_user,
        learner=olivia,
        qualifications=[gcse, make_qualification(ao, *GCSE_ENGLISH)],
    )
    learner_one_login.people([person_from(OLIVIA, "olivia", label="Olivia Thornbury")])

    # Olivia signs in and goes from her record to her credentials.
    sign_in_through_the_provider(page, 1280, "Olivia Thornbury")
    assert page.url.endswith("/learner/")
    check_accessibility(page)
    page.get_by_role("link", name="See your whole record and download it as a PDF").click()
    check_accessibility(page)
    page.get_by_role("button", name="Get verifiable credentials").click()
    check_accessibility(page)
    assert page.get_by_role("heading", name="No credentials have been issued").is_visible()
    page.get_by_role("button", name="Get a credential").click()
    check_accessibility(page)

    # Both GCSEs, as one Comprehensive Learner Record (the choices she starts with).
    assert page.get_by_label("GCSE (9 to 1) in Mathematics").is_checked()
    assert page.get_by_label("GCSE (9 to 1) in English Language").is_checked()
    assert page.get_by_label("One credential holding all the achievements").is_checked()
    page.get_by_role("button", name="Get the credential").click()
    check_accessibility(page)
    assert (
        "Your credential is ready to download"
        in page.locator(".govuk-notification-banner").inner_text()
    )
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your Comprehensive Learner Record (JSON)").click()
    saved = tmp_path / "my-clr.json"
    download_info.value.save_as(saved)
    clr = json.loads(saved.read_text())
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    subject = clr["credentialSubject"]
    assert len(subject["verifiableCredential"]) == 2
    assert olivia.uln in json.dumps(subject)
    issued = IssuedCredential.objects.get(public_id=clr["id"].removeprefix("urn:uuid:"))
    assert issued.by_learner
    assert issued.requested_by is None

    # The independent verifier accepts it, with LRS's published keys and status list.
    did, lists = _published(page, tmp_path)
    result = db_verify(tmp_path, clr, did_documents=[did], status_lists=lists)
    assert (result["verified"], result["revoked"]) == (True, False), result
    assert [(p["verified"], p["revoked"]) for p in result["inner"]] == [(True, False)] * 2

    # The awarding organisation withdraws the mathematics GCSE in an achievement file.
    job = make_achievement_job(
        ao_user,
        [achievement_row(2, olivia, gcse, college, action="3", action_reason="Awarded in error")],
    )
    assert job.withdrawn == 1
    maths.refresh_from_db()
    assert maths.withdrawn

    # The independent verifier now reports the GCSE's credential (and the CLR) revoked.
    did, lists = _published(page, tmp_path)
    result = db_verify(tmp_path, clr, did_documents=[did], status_lists=lists)
    assert result["revoked"] is True, result
    maths_part = IssuedCredential.objects.get(carried__event=maths, parent=issued)
    english_part = IssuedCredential.objects.get(carried__event=english, parent=issued)
    assert {p["id"]: p["revoked"] for p in result["inner"]} == {
        maths_part.document["id"]: True,
        english_part.document["id"]: False,
    }

    # So does LRS's own public verify page, with why and when.
    verify_page_reports_withdrawal(
        page,
        saved,
        revoked="GCSE (9 to 1) in Mathematics",
        kept="GCSE (9 to 1) in English Language",
    )

    # And Olivia's own list of credentials.
    visit(page, "/learner/credentials/")
    card = page.locator(f"#credential-{issued.public_id}")
    assert "Revoked" in card.locator(".lrs-credential-status").inner_text()
    assert "the awarding organisation withdrew the achievement" in card.inner_text()
    assert "GCSE (9 to 1) in Mathematics (withdrawn)" in card.inner_text()

    # She shares her record, letting the recipient keep it as a credential.
    page.get_by_role("link", name="Share your record").first.click()
    check_accessibility(page)
    page.get_by_role("button", name="Share your record").click()
    check_accessibility(page)
    page.get_by_label("Who are you sharing your record with?").fill("Northgate Training Ltd")
    page.get_by_label("My whole record").check()
    ends = dt.date.today() + dt.timedelta(days=30)
    page.get_by_label("Day").fill(str(ends.day))
    page.get_by_label("Month").fill(str(ends.month))
    page.get_by_label("Year").fill(str(ends.year))
    page.get_by_label("Let them download it as a verifiable credential").check()
    page.get_by_role("button", name="Create the link and code").click()
    check_accessibility(page)
    link = page.locator("#share-link").inner_text().strip()
    code = page.locator("#share-code").inner_text().strip()

    # The recipient, in a browser of their own, keeps what was shared as a CLR: the
    # withdrawn GCSE is no longer in it, and the independent verifier accepts it.
    recipient = page.context.browser.new_context(base_url=page.url.split("/learner")[0])
    recipient.set_default_timeout(10_000)
    theirs = recipient.new_page()
    theirs.axe_source = page.axe_source
    theirs.goto(link)
    check_accessibility(theirs)
    theirs.get_by_label("Access code").fill(code)
    theirs.get_by_role("button", name="See the record").click()
    check_accessibility(theirs)
    with theirs.expect_download() as shared_download:
        theirs.get_by_role("button", name="Download as a verifiable credential").click()
    kept = tmp_path / "shared-clr.json"
    shared_download.value.save_as(kept)
    shared = json.loads(kept.read_text())
    [part] = shared["credentialSubject"]["verifiableCredential"]
    assert "GCSE (9 to 1) in English Language" in part["name"]
    recipient.close()
    did, lists = _published(page, tmp_path)
    result = db_verify(tmp_path, shared, did_documents=[did], status_lists=lists)
    assert (result["verified"], result["revoked"]) == (True, False), result

    # Olivia sees the download on the share.
    page.goto("/learner/shares/")
    check_accessibility(page)
    page.get_by_role("link", name="Northgate Training Ltd").click()
    check_accessibility(page)
    assert "downloaded" in page.locator("#share-credential").inner_text()
