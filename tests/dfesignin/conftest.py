from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lrs.oidc.local import LOCAL_CLIENT_ID, dfe_sign_in_settings
from tests.dfesignin import roles_api_stand_in
from tests.dfesignin.roles_api_stand_in import RolesApiStandIn
from tests.learnerportal.oidc_helpers import LocalProvider, running_provider


@pytest.fixture(scope="session")
def dfe_provider(tmp_path_factory: Any) -> Iterator[LocalProvider]:
    """The local OpenID Connect provider, standing in for DfE Sign-in."""
    with running_provider(tmp_path_factory.mktemp("dfe"), ["http://testserver"]) as provider:
        yield provider


@pytest.fixture
def dfe_sign_in(dfe_provider: LocalProvider, settings: Any) -> LocalProvider:
    settings.LRS_OIDC_PROVIDERS = {"dfe_sign_in": dfe_sign_in_settings(dfe_provider.files)}
    dfe_provider.people([])
    return dfe_provider


@pytest.fixture
def dfe_roles_api(dfe_sign_in: LocalProvider, settings: Any) -> Iterator[RolesApiStandIn]:
    """DfE Sign-in's public API, standing in locally: roles come from it, not a claim."""
    with roles_api_stand_in.configured(settings, client_id=LOCAL_CLIENT_ID) as state:
        yield state
