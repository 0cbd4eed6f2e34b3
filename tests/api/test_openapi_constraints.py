"""The OpenAPI document declares the constraints the service enforces (lengths, patterns,
codes, date formats, list sizes, required fields), while the service keeps answering a
bad value with its own specific error. tests/api/test_schemathesis.py checks the two
agree by generating requests from the document; these tests pin the declarations."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import pytest
from django.core.cache import cache
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import lrs
from lrs.access import Role
from lrs.api.schemas import POSTCODE_PATTERN, ULN_PATTERN
from lrs.api.urls import api
from lrs.challenges.lifecycle import ChallengeType
from lrs.identifiers.uln import random_uln
from lrs.learners.services import MAX_VERIFY_BATCH
from lrs.matching.normalise import InvalidPostcodeError, normalise_postcode
from lrs.validation.learner import GENDERS, MANDATORY, Purpose
from tests.factories import make_organisation, make_token, make_user


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return api.get_openapi_schema()


def _component(document: dict[str, Any], name: str) -> dict[str, Any]:
    return document["components"]["schemas"][name]


def _string_form(prop: dict[str, Any]) -> dict[str, Any]:
    """The string branch of an optional field (anyOf string or null)."""
    options = prop.get("anyOf", [prop])
    return next(option for option in options if option.get("type") == "string")


def test_no_two_api_models_share_a_name_so_none_hides_another_in_the_document():
    # Two models with one name become one component: the document then describes one
    # operation's body with another's fields (batches' and challenges' ResolveIn did).
    seen: dict[str, str] = {}
    clashes = []
    for info in pkgutil.iter_modules(lrs.__path__):
        try:
            module = importlib.import_module(f"lrs.{info.name}.api")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == module.__name__
            ):
                where = f"{module.__name__}.{value.__name__}"
                if value.__name__ in seen:
                    clashes.append(f"{seen[value.__name__]} and {where}")
                seen.setdefault(value.__name__, where)
    assert not clashes, clashes


def test_the_learner_fields_declare_their_lengths_patterns_codes_and_dates(document):
    find = _component(document, "FindIn")["properties"]
    assert find["given_name"]["maxLength"] == 35
    assert find["given_name"]["minLength"] == 1
    assert find["gender"]["enum"] == list(GENDERS)
    assert find["date_of_birth"]["format"] == "date"
    assert find["last_known_postcode"]["pattern"] == POSTCODE_PATTERN
    assert _string_form(find["school_at_16"])["maxLength"] == 254

    register = _component(document, "RegisterIn")
    assert set(MANDATORY[Purpose.REGISTER]) <= set(register["required"])
    # A mandatory field may be neither null nor empty; an optional one may be empty.
    assert register["properties"]["gender"]["enum"] == list(GENDERS)
    assert register["properties"]["last_known_postcode"]["minLength"] == 1
    assert register["if"]["properties"]["verification_type"] == {"const": "999"}
    assert register["then"]["required"] == ["other_verification_description"]
    update = _component(document, "UpdateIn")["properties"]
    assert _string_form(update["gender"])["enum"] == [*GENDERS, ""]
    assert _string_form(update["nationality"])["pattern"] == "^(?:[A-Za-z]{2,3})?$"
    assert _string_form(update["notes"])["maxLength"] == 4000


def test_ulns_are_declared_where_the_service_refuses_a_malformed_one(document):
    [uln] = document["paths"]["/api/v1/learners/{uln}"]["patch"]["parameters"]
    assert (uln["schema"]["pattern"], uln["schema"]["format"]) == (ULN_PATTERN, "uln")
    assert _component(document, "LookupIn")["properties"]["uln"]["pattern"] == ULN_PATTERN
    assert _component(document, "PlrIn")["properties"]["uln"]["pattern"] == ULN_PATTERN
    # Verify and retrieve answer an invalid ULN in its own result: only the list's size
    # is a rule of the request.
    for name, field in (("VerifyIn", "learners"), ("RetrieveIn", "ulns")):
        listed = _component(document, name)["properties"][field]
        assert (listed["minItems"], listed["maxItems"]) == (1, MAX_VERIFY_BATCH)
        assert "pattern" not in listed["items"]


def test_codes_of_users_challenges_and_batches_are_declared(document):
    assert _component(document, "UserIn")["properties"]["role"]["enum"] == list(Role)
    assert _component(document, "RaiseIn")["properties"]["type"]["enum"] == list(ChallengeType)
    actions = _component(document, "ExceptionResolveIn")["properties"]["action"]["enum"]
    assert actions == ["choose", "new", "amend", "dismiss"]
    outcomes = _component(document, "ChallengeResolveIn")["properties"]["outcome"]["enum"]
    assert outcomes == ["amend", "withdraw", "move", "no_change"]


def test_every_operation_documents_the_json_errors_for_unreadable_and_oversized_bodies(
    document,
):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            documented = {str(status) for status in operation["responses"]}
            assert {"400", "413", "422"} <= documented, (method, path)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(POSTCODE_PATTERN, fullmatch=True))
def test_every_postcode_the_pattern_allows_the_service_accepts(postcode):
    normalise_postcode(postcode)


@pytest.mark.parametrize("postcode", ["CV4 9EE", "cv49ee", "SW1A 1AA", "GIR 0AA", "BFPO 123"])
def test_the_postcode_pattern_allows_the_usual_forms(postcode):
    assert re.fullmatch(POSTCODE_PATTERN, postcode)


@pytest.mark.parametrize("postcode", ["CV4 9CE", "12345", "CV4", "QQ1 1AA X"])
def test_what_the_postcode_pattern_refuses_the_service_refuses(postcode):
    assert not re.fullmatch(POSTCODE_PATTERN, postcode)
    with pytest.raises(InvalidPostcodeError):
        normalise_postcode(postcode)


def test_real_ulns_match_the_declared_pattern():
    for _ in range(200):
        assert re.fullmatch(ULN_PATTERN, random_uln())


@pytest.mark.django_db
def test_a_bad_value_still_gets_the_services_own_answer_listing_every_problem(client):
    # The constraints are declared, not enforced by the schema: the learner register still
    # answers WSEC0001 with each field's rule, not a generic error about the first.
    cache.clear()
    user = make_user(make_organisation(), Role.SUPER_USER)
    headers = {"Authorization": f"Bearer {make_token(user)}"}
    response = client.post(
        "/api/v1/learners/search",
        {
            "given_name": "Ann",
            "family_name": "Smith",
            "date_of_birth": "2001-02-30",
            "gender": "7",
            "last_known_postcode": "nowhere",
        },
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == body["response_code"] == "WSEC0001"
    assert {e["field"] for e in body["errors"]} == {
        "date_of_birth",
        "gender",
        "last_known_postcode",
    }
    response = client.post(
        "/api/v1/learners/lookup",
        {"uln": "12345", "given_name": "Ann", "family_name": "Smith"},
        content_type="application/json",
        headers=headers,
    )
    assert (response.status_code, response.json()["code"]) == (422, "WSEC0136")
