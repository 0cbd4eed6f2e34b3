"""Every failure under /api/ is JSON in the one error shape, whatever causes it: paths
that match no endpoint, bodies over the limit, multipart bodies that cannot be read, and
unexpected errors, in production and with DEBUG on."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import override_settings

from lrs.access import Role
from tests.factories import make_organisation, make_token, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()


@pytest.fixture
def headers():
    user = make_user(make_organisation(), Role.SUPER_USER)
    return {"Authorization": f"Bearer {make_token(user)}"}


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert body["message"]
    assert b"Traceback" not in response.content
    return body


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_an_unknown_api_path_is_a_json_404(client, headers, debug):
    with override_settings(DEBUG=debug):
        response = client.get("/api/v1/no-such-thing", headers=headers)
        assert_error_shape(response, 404, "not_found")
        response = client.get("/api/nothing-here")
        assert_error_shape(response, 404, "not_found")


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_json_body_over_the_upload_limit_is_a_json_413(client, headers, debug):
    body = json.dumps({"ulns": ["9276308686"] * 200})
    with override_settings(DEBUG=debug, DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = client.post(
            "/api/v1/learners/retrieve", body, content_type="application/json", headers=headers
        )
    assert_error_shape(response, 413, "payload_too_large")


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_multipart_body_without_a_boundary_is_a_json_400(client, headers, debug):
    with override_settings(DEBUG=debug):
        response = client.post(
            "/api/v1/batches",
            b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\nabc\r\n--x--\r\n",
            content_type="multipart/form-data",
            headers=headers,
        )
    assert_error_shape(response, 400, "bad_request")


def test_an_oversized_multipart_part_header_is_a_json_400(client, headers):
    header = "X-Filler: " + "a" * 2000
    body = (
        f"--b\r\nContent-Disposition: form-data; name=file; filename=a.csv\r\n{header}\r\n\r\n"
        "abc\r\n--b--\r\n"
    ).encode()
    response = client.post(
        "/api/v1/batches", body, content_type="multipart/form-data; boundary=b", headers=headers
    )
    assert response.status_code in (400, 422), response.content
    assert_error_shape(response, response.status_code, response.json()["code"])


def test_an_unexpected_error_is_a_json_500_without_a_traceback(client, headers, monkeypatch):
    from lrs.learners import api as learners_api

    def broken(**kwargs):
        raise RuntimeError("something broke")

    monkeypatch.setattr(learners_api, "learners_retrieve", broken)
    client.raise_request_exception = False
    with override_settings(DEBUG=True):
        response = client.post(
            "/api/v1/learners/retrieve",
            json.dumps({"ulns": ["9276308686"]}),
            content_type="application/json",
            headers=headers,
        )
    body = assert_error_shape(response, 500, "server_error")
    assert "something broke" not in body["message"]


def test_a_wrong_method_keeps_its_allow_header(client, headers):
    response = client.delete("/api/v1/learners/retrieve", headers=headers)
    assert_error_shape(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_pages_outside_the_api_keep_their_html_errors(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


_NUL_REQUESTS = [
    (
        "post",
        "/api/v1/learners",
        {
            "given_name": "Ann",
            "family_name": "Smith",
            "date_of_birth": "2001-02-03",
            "gender": "2",
            "last_known_postcode": "CV4 9EE",
            "verification_type": "1",
            "ability_to_share": "1",
            "notes": "a\x00b",
        },
    ),
    ("post", "/api/v1/learners/lookup", {"uln": "\x00", "given_name": "A", "family_name": "B"}),
    ("post", "/api/v1/learners/retrieve", {"ulns": ["12\x00"]}),
    (
        "post",
        "/api/v1/learners/verify",
        {"learners": [{"uln": "1", "given_name": "a", "family_name": "b", "\x00": "c"}]},
    ),
    ("post", "/api/v1/users", {"username": "abc", "role": "batch_user", "password": "x\x00y"}),
    ("post", "/api/v1/credentials/search", {"uln": "\x00"}),
    ("get", "/api/v1/challenges?status=a%00b", None),
    ("get", "/api/v1/challenges?%00=1", None),
    ("post", "/api/v1/challenges/%00/acknowledge", {"note": "a"}),
]


@pytest.mark.parametrize(("method", "path", "body"), _NUL_REQUESTS)
def test_text_holding_nul_is_a_json_400_not_a_server_error(client, headers, method, path, body):
    # PostgreSQL cannot store or compare text with NUL in it: each of these was a 500.
    if method == "get":
        response = client.get(path, headers=headers)
    else:
        response = client.post(path, body, content_type="application/json", headers=headers)
    body = assert_error_shape(response, 400, "bad_request")
    assert "NUL" in body["message"]
