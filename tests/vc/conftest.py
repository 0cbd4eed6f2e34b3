from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lrs.vc import documents, statuslist
from lrs.vc.did import PublishedKey, did_document, did_web
from lrs.vc.multikey import SigningKey
from lrs.vc.proof import add_proof

NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
LIST_URL = "https://lrs.test/credentials/status/1"


class Issuer:
    def __init__(self) -> None:
        self.key = SigningKey.generate()
        self.did = did_web("https://lrs.test")
        self.profile = documents.IssuerProfile(
            self.did, "Learning Records Service", "https://lrs.test"
        )
        self.method = f"{self.did}#{self.key.public_multibase}"

    def document(self, *, revoked: str = "") -> dict[str, Any]:
        return did_document(self.did, [PublishedKey(self.key.public_multibase, revoked=revoked)])

    def sign(self, credential: dict[str, Any]) -> dict[str, Any]:
        return add_proof(credential, key=self.key, verification_method=self.method, created=NOW)

    def status_list(self, revoked: list[int]) -> dict[str, Any]:
        return self.sign(
            statuslist.list_credential(
                list_url=LIST_URL, issuer=self.did, set_bits=revoked, valid_from=NOW
            )
        )


LEARNER = documents.LearnerIdentity("9990001234", "Olivia", "Thornbury")


def award(**changes: Any) -> documents.Award:
    values: dict[str, Any] = {
        "reference": "601/4702/5",
        "title": "GCSE (9 to 1) in Mathematics",
        "is_unit": False,
        "qualification_type": "GCSE (9 to 1)",
        "level": "Level 1/2",
        "grade": "7",
        "award_date": dt.date(2022, 8, 25),
        "credits": 12,
        "awarding_organisation_name": "Meridian Awards",
        "awarding_organisation_ukprn": "10012345",
        "provider_name": "Fenland College",
    }
    return documents.Award(**{**values, **changes})


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


def achievement(issuer: Issuer, index: int = 7, **changes: Any) -> dict[str, Any]:
    return issuer.sign(
        documents.achievement_credential(
            credential_id=f"urn:uuid:00000000-0000-4000-8000-{index:012d}",
            issuer=issuer.profile,
            learner=LEARNER,
            award=award(**changes),
            status=statuslist.entry(list_url=LIST_URL, index=index),
            issued_at=NOW,
        )
    )


def clr(issuer: Issuer, parts: list[dict[str, Any]], index: int = 99) -> dict[str, Any]:
    return issuer.sign(
        documents.clr_credential(
            credential_id="urn:uuid:00000000-0000-4000-9000-000000000001",
            issuer=issuer.profile,
            learner=LEARNER,
            credentials=parts,
            status=statuslist.entry(list_url=LIST_URL, index=index),
            issued_at=NOW,
        )
    )
