"""Organisation users signing in with DfE Sign-in in a real browser, through the local
OpenID Connect provider standing in for it. The provider's own "choose who to sign in
as" page is the stand-in's, not an LRS page, so axe is not run on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lrs.access import OrganisationType
from lrs.oidc.local import LOCAL_CLIENT_ID, dfe_sign_in_settings
from tests.browser.conftest import check_accessibility, visit
from tests.dfesignin import roles_api_stand_in
from tests.dfesignin.roles_api_stand_in import RolesApiStandIn
from tests.dfesignin.test_dfe_sign_in import DFE_ORGANISATION_ID, dfe_person
from tests.factories import make_organisation
from tests.learnerportal.oidc_helpers import LocalProvider, running_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_dfe_provider(live_server: Any, tmp_path_factory: Any) -> Iterator[LocalProvider]:
    with running_provider(tmp_path_factory.mktemp("dfe-browser"), [live_server.url]) as provider:
        yield provider


@pytest.fixture
def dfe_sign_in(browser_dfe_provider: LocalProvider, settings: Any) -> LocalProvider:
    settings.LRS_OIDC_PROVIDERS = {"dfe_sign_in": dfe_sign_in_settings(browser_dfe_provider.files)}
    return browser_dfe_provider


def through_dfe_sign_in(page: Any, label: str) -> None:
    visit(page, "/sign-in")
    page.get_by_role("button", name="Sign in with DfE Sign-in").click()
    page.get_by_label(label).check()
    # The stand-in's own page, not LRS's: counted as seen without axe (see the docstring).
    page.lrs_visits.checked(page.url)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")
    check_accessibility(page)


def test_a_school_user_signs_in_with_dfe_sign_in(page, dfe_sign_in):
    school = make_organisation(OrganisationType.SCHOOL, name="Oakfield Academy")
    dfe_sign_in.people([dfe_person("amira", urn=school.urn, roles=["LRS_ONLINE_USER"])])
    through_dfe_sign_in(page, "DfE person amira")
    assert page.get_by_role("heading", level=1).inner_text() == "What you can do"
    assert "Oakfield Academy" in page.locator("header").inner_text()


def test_someone_whose_organisation_lrs_does_not_know_is_refused_clearly(page, dfe_sign_in):
    dfe_sign_in.people(
        [dfe_person("nobody", ukprn="10088888", roles=["LRS_SUPER_USER"], name="Unknown Ltd")]
    )
    through_dfe_sign_in(page, "DfE person nobody")
    assert (
        page.get_by_role("heading", level=1).inner_text()
        == "You cannot sign in to LRS with this account"
    )
    assert "Unknown Ltd does not use LRS" in page.locator("#refusal").inner_text()


@pytest.fixture
def roles_api(dfe_sign_in: LocalProvider, settings: Any) -> Iterator[RolesApiStandIn]:
    with roles_api_stand_in.configured(settings, client_id=LOCAL_CLIENT_ID) as state:
        yield state


def test_roles_come_from_dfe_sign_ins_api(page, dfe_sign_in, roles_api):
    college = make_organisation(name="Fenland College")
    roles_api.grant(
        organisation_id=DFE_ORGANISATION_ID,
        user_id="urn:fdc:lrs-local:2026:dev",
        codes=["LRS_BATCH_USER"],
    )
    dfe_sign_in.people([dfe_person("dev", ukprn=college.ukprn, roles=[])])
    through_dfe_sign_in(page, "DfE person dev")
    assert page.get_by_role("heading", level=1).inner_text() == "What you can do"
    assert "Fenland College" in page.locator("header").inner_text()
    assert len(roles_api.requests) == 1


def test_dfe_sign_ins_api_failing_is_explained(page, dfe_sign_in, roles_api):
    college = make_organisation(name="Fenland College")
    roles_api.fail_with = 500
    dfe_sign_in.people([dfe_person("dev", ukprn=college.ukprn, roles=["LRS_BATCH_USER"])])
    through_dfe_sign_in(page, "DfE person dev")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "We could not check your role in LRS"
    assert "could not tell us your role" in page.locator("#refusal").inner_text()
