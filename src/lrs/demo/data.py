"""The demo organisations and users: one organisation of every type, a user for every role.

All demo people are fictional. The password is documented in the README; it exists only
in databases made by `lrs demo`.
"""

from __future__ import annotations

from dataclasses import dataclass

from lrs.access import OrganisationType as T
from lrs.access import Role as R

DEMO_PASSWORD = "learning-records-demo"  # noqa: S105 - documented demo credential
# The authenticator app key of every demo user who must use two-factor sign-in (base32,
# as apps take it). Published in the README: the demo is not a place for secrets.
DEMO_TWO_FACTOR_KEY = "LRSDEMOTWOFACTORKEYJUSTFORDEMOS2"


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    type: T
    ukprn: str
    urn: str | None = None
    la_code: str | None = None


@dataclass(frozen=True)
class DemoUser:
    username: str
    ukprn: str
    role: R
    first_name: str
    last_name: str


ORGANISATIONS = [
    DemoOrganisation("Riverside College", T.FURTHER_EDUCATION_COLLEGE, "10000001"),
    DemoOrganisation("Oakfield Academy", T.SCHOOL, "10000002", urn="100002"),
    DemoOrganisation("Northgate Training Ltd", T.TRAINING_PROVIDER, "10000003"),
    DemoOrganisation("University of Eastbridge", T.HIGHER_EDUCATION_PROVIDER, "10000004"),
    DemoOrganisation("Westshire County Council", T.LOCAL_AUTHORITY, "10000005", la_code="901"),
    DemoOrganisation("Greystone Prison Education", T.PRISON_EDUCATION_PROVIDER, "10000006"),
    DemoOrganisation("Meridian Awards", T.AWARDING_ORGANISATION, "10000007"),
    DemoOrganisation("LRS Service Desk", T.SERVICE_DESK, "10000008"),
]

USERS = [
    DemoUser("college.super", "10000001", R.SUPER_USER, "Amira", "Shah"),
    DemoUser("college.batch", "10000001", R.BATCH_USER, "Ben", "Okafor"),
    DemoUser("college.online", "10000001", R.ONLINE_USER, "Chloe", "Williams"),
    DemoUser("college.viewer", "10000001", R.VIEW_LEARNER_ONLY, "Dev", "Patel"),
    DemoUser("school.super", "10000002", R.SUPER_USER, "Eleanor", "Hughes"),
    DemoUser("training.super", "10000003", R.SUPER_USER, "Fergus", "Campbell"),
    DemoUser("university.super", "10000004", R.SUPER_USER, "Grace", "Osei"),
    DemoUser("council.super", "10000005", R.SUPER_USER, "Harry", "Evans"),
    DemoUser("prison.super", "10000006", R.SUPER_USER, "Isla", "MacLeod"),
    DemoUser("awards.super", "10000007", R.SUPER_USER, "Jack", "Thompson"),
    DemoUser("awards.user", "10000007", R.AWARDING_ORGANISATION_USER, "Kiran", "Kaur"),
    DemoUser("desk.super", "10000008", R.SUPER_USER, "Laura", "Jenkins"),
    DemoUser("desk.user", "10000008", R.SERVICE_DESK_USER, "Mohammed", "Ali"),
]
