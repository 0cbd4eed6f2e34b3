"""The service desk's matching parameters page in a real browser, checked with axe: the
desk finds it from the dashboard, rolls back to an earlier set and sees it in use."""

from __future__ import annotations

import pytest

from lrs.learners.calibration import matching_parameters_active_version
from tests.browser.conftest import check_accessibility
from tests.browser.test_portal_journeys import sign_in
from tests.servicedesk.factories import desk_user
from tests.servicedesk.test_matching_parameters_page import _write_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_desk_rolls_matching_back_to_an_earlier_parameter_set(page, settings, tmp_path):
    folder = tmp_path / "matching"
    settings.LRS_MATCHING_DIR = str(folder)
    _write_set(folder, "20261201T040000000000Z", 250_000)
    _write_set(folder, "20261202T040000000000Z", 251_000)
    (folder / "active.txt").write_text("20261202T040000000000Z\n", "utf-8")
    desk_user(username="desk.one")

    sign_in(page, "desk.one")
    page.get_by_role("link", name="Dashboard").first.click()
    check_accessibility(page)
    page.get_by_role("link", name="Matching parameters").click()
    check_accessibility(page)
    assert "In use" in page.locator("#set-20261202T040000000000Z").inner_text()
    page.set_viewport_size({"width": 320, "height": 800})
    check_accessibility(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator("#set-20261201T040000000000Z").get_by_role("button").click()
    check_accessibility(page)
    assert "Finds now use parameter set 20261201T040000000000Z" in page.content()
    assert "In use" in page.locator("#set-20261201T040000000000Z").inner_text()
    assert matching_parameters_active_version() == "20261201T040000000000Z"
