"""Every answer, page or API, says that no powerful browser feature may be used."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/guidance/", "/api/v1/openapi.json", "/no-such-page/"])
def test_every_answer_has_a_permissions_policy_turning_powerful_features_off(client, path):
    response = client.get(path, follow=False)
    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy
