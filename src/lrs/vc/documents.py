"""Open Badges 3.0 AchievementCredential and CLR 2.0 ClrCredential documents of a PLR.

Each learning event becomes an AchievementCredential: the learner identified by ULN and
name (IdentityObjects, not hashed: the person presenting it shows them anyway), the
achievement with its qualification number, type, level and title, the grade as a Result,
credits, the award date, and the awarding organisation as the subject's ``source``. A
ClrCredential wraps a chosen set of those (each signed and revocable on its own) with the
same learner identity. Both are unsigned here; lrs.vc.proof signs them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lrs.vc.contexts import CLR_V2, OB_V3, VC_V2
from lrs.vc.proof import xml_datetime

ACHIEVEMENT_CREDENTIAL = "AchievementCredential"
CLR_CREDENTIAL = "ClrCredential"
ULN_IDENTITY = "ext:ULN"
UKPRN_IDENTIFIER = "ext:UKPRN"
QUALIFICATION_NUMBER = "ext:QualificationNumber"


@dataclass(frozen=True)
class IssuerProfile:
    did: str
    name: str
    url: str

    def profile(self) -> dict[str, Any]:
        return {"id": self.did, "type": ["Profile"], "name": self.name, "url": self.url}


@dataclass(frozen=True)
class LearnerIdentity:
    uln: str
    given_name: str
    family_name: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def identifiers(self) -> list[dict[str, Any]]:
        return [
            {
                "type": "IdentityObject",
                "identityType": ULN_IDENTITY,
                "hashed": False,
                "identityHash": self.uln,
            },
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": self.name,
            },
        ]


@dataclass(frozen=True)
class Award:
    """One learning event as the credential states it."""

    reference: str  # the qualification (or unit) number, e.g. 600/1166/X
    title: str
    is_unit: bool
    qualification_type: str
    level: str
    grade: str
    award_date: dt.date
    credits: int | None
    awarding_organisation_name: str
    awarding_organisation_ukprn: str
    provider_name: str = ""

    @property
    def level_text(self) -> str:
        level = self.level.strip()
        return level if not level or level.lower().startswith("level") else f"Level {level}"

    @property
    def achievement_id(self) -> str:
        return f"urn:lrs:qualification:{self.reference}"

    def achievement(self) -> dict[str, Any]:
        kind = "unit" if self.is_unit else "qualification"
        facts = [self.qualification_type, self.level_text]
        described = ", ".join(f for f in facts if f)
        achievement: dict[str, Any] = {
            "id": self.achievement_id,
            "type": ["Achievement"],
            "achievementType": "ext:Unit" if self.is_unit else "Certificate",
            "name": self.title,
            "humanCode": self.reference,
            "description": (
                f"{self.title} ({kind} {self.reference}{'; ' + described if described else ''}), "
                f"awarded by {self.awarding_organisation_name}."
            ),
            "criteria": {
                "narrative": (
                    f"Achieved as assessed by {self.awarding_organisation_name}, which reported "
                    "the award to the Learning Records Service."
                )
            },
            "otherIdentifier": [
                {
                    "type": "IdentifierEntry",
                    "identifierType": QUALIFICATION_NUMBER,
                    "identifier": self.reference,
                }
            ],
            "creator": self.awarding_organisation(),
            "resultDescription": [
                {
                    "id": f"{self.achievement_id}#grade",
                    "type": ["ResultDescription"],
                    "name": "Grade",
                    "resultType": "LetterGrade",
                }
            ],
        }
        tags = [
            t for t in (self.qualification_type, f"Level {self.level}" if self.level else "") if t
        ]
        if tags:
            achievement["tag"] = tags
        if self.credits is not None:
            achievement["creditsAvailable"] = self.credits
        return achievement

    def awarding_organisation(self) -> dict[str, Any]:
        return {
            "id": f"urn:lrs:ukprn:{self.awarding_organisation_ukprn}",
            "type": ["Profile"],
            "name": self.awarding_organisation_name,
            "otherIdentifier": [
                {
                    "type": "IdentifierEntry",
                    "identifierType": UKPRN_IDENTIFIER,
                    "identifier": self.awarding_organisation_ukprn,
                }
            ],
        }


def _award_datetime(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def achievement_credential(
    *,
    credential_id: str,
    issuer: IssuerProfile,
    learner: LearnerIdentity,
    award: Award,
    status: dict[str, Any],
    issued_at: dt.datetime,
) -> dict[str, Any]:
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": learner.identifiers(),
        "achievement": award.achievement(),
        "source": award.awarding_organisation(),
    }
    if award.grade:
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": f"{award.achievement_id}#grade",
                "value": award.grade,
            }
        ]
    if award.credits is not None:
        subject["creditsEarned"] = award.credits
    return {
        "@context": [VC_V2, OB_V3],
        "id": credential_id,
        "type": ["VerifiableCredential", ACHIEVEMENT_CREDENTIAL],
        "name": f"{award.title} ({award.reference})",
        "issuer": issuer.profile(),
        "validFrom": xml_datetime(issued_at),
        "awardedDate": _award_datetime(award.award_date),
        "credentialSubject": subject,
        "credentialStatus": status,
    }


def clr_credential(
    *,
    credential_id: str,
    issuer: IssuerProfile,
    learner: LearnerIdentity,
    credentials: Sequence[dict[str, Any]],
    status: dict[str, Any],
    issued_at: dt.datetime,
) -> dict[str, Any]:
    """A CLR of signed AchievementCredentials (each keeps its own proof and status)."""
    return {
        "@context": [VC_V2, CLR_V2, OB_V3],
        "id": credential_id,
        "type": ["VerifiableCredential", CLR_CREDENTIAL],
        "name": f"Comprehensive Learner Record of {learner.name}",
        "description": (
            f"{len(credentials)} achievement{'s' if len(credentials) != 1 else ''} from the "
            f"Personal Learning Record of {learner.name}, ULN {learner.uln}."
        ),
        "issuer": issuer.profile(),
        "validFrom": xml_datetime(issued_at),
        "credentialSubject": {
            "type": ["ClrSubject"],
            "identifier": learner.identifiers(),
            "verifiableCredential": list(credentials),
        },
        "credentialStatus": status,
    }
