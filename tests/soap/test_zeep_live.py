"""zeep, loaded with the project's own WSDL from each service's ?singlewsdl, calls
every operation of LearnerService and LearnerServiceR9 against a live server, as a
generated client would, and checks the values it parses back."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator

import pytest
import requests
from django.db import connection
from zeep import Client
from zeep.exceptions import Fault
from zeep.transports import Transport

from lrs.access import OrganisationType, Role
from lrs.batches.models import Batch, BatchKind
from lrs.batches.processing import process
from lrs.batchfiles.return_codes import ReturnCode as RC
from lrs.challenges.lifecycle import Status
from lrs.challenges.models import Challenge
from lrs.core import codes
from lrs.learners.models import Learner
from lrs.learners.services import learner_find
from lrs.records.models import Qualification
from lrs.records.services import EventValues, event_create
from lrs.soap.handlers.r9 import CHALLENGE_OK
from lrs.soap.services import ws_credential_create
from tests.factories import make_organisation, make_user
from tests.soap.conftest import SoapAccount, make_account, person, register

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    # The live server runs in a thread of this process: it sees these settings too.
    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"


class _ClosingTransport(Transport):
    """One connection per call: a kept-alive connection keeps the live server's request
    thread, and its database connection, open past the test (PostgreSQL then cannot
    drop the test database). The request says Connection: close, so the server ends
    the thread; the client closes its side too, so it never reuses that connection."""

    def post(self, address, message, headers):
        response = super().post(address, message, {**headers, "Connection": "close"})
        _ = response.content
        self.session.close()
        return response

    def load(self, url):
        content = super().load(url)
        self.session.close()
        return content


@pytest.fixture
def zeep_for(live_server) -> Iterator[Callable[[str], Client]]:
    def load(service: str) -> Client:
        session = requests.Session()
        session.trust_env = False  # never a proxy from the environment for a local server
        transport = _ClosingTransport(session=session, timeout=30, operation_timeout=60)
        return Client(f"{live_server.url}/{service}.svc?singlewsdl", transport=transport)

    yield load
    _wait_for_server_connections_to_close()


def _wait_for_server_connections_to_close(seconds: float = 10) -> None:
    """The server's request threads close their database connections after answering,
    in their own time: wait for them, so that PostgreSQL can drop the test database."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            (others,) = cursor.fetchone()
        if not others:
            return
        time.sleep(0.05)


@pytest.fixture
def zeep_client(zeep_for) -> Client:
    return zeep_for("LearnerService")


def credentials(account: SoapAccount) -> dict[str, str]:
    return {
        "UKPRN": account.organisation.ukprn,
        "OrgPassword": account.password,
        "UserName": account.user.username,
    }


def account_of(organisation_type: OrganisationType, role: Role) -> SoapAccount:
    organisation = make_organisation(organisation_type)
    super_user = make_user(organisation, Role.SUPER_USER)
    user = make_user(organisation, role)
    _, password = ws_credential_create(actor=super_user, organisation=organisation)
    return SoapAccount(organisation, super_user, user, password)


def test_zeep_calls_the_six_learner_operations(zeep_client, live_server):
    account = make_account()
    service = zeep_client.service
    creds = {
        "UKPRN": account.organisation.ukprn,
        "OrgPassword": account.password,
        "UserName": account.user.username,
    }
    assert (
        zeep_client.wsdl.services["LearnerServiceProxy"]
        .ports["BasicHttpBinding_LearnerPortType"]
        .binding_options["address"]
        == f"{live_server.url}/LearnerService.svc"
    )

    registered = service.registerSingleLearner(
        **creds,
        Learner={
            "GivenName": "Ann",
            "FamilyName": "Example",
            "LastKnownPostCode": "CV49EE",
            "DateOfBirth": "2001-04-03",
            "Gender": "2",
            "VerificationType": "1",
            "AbilityToShare": "1",
        },
    )
    assert registered.ResponseCode == "WSRC0005"
    uln = registered.ULN
    assert Learner.objects.filter(uln=uln).exists()

    found = service.learnerByDemographics(
        FindType="FUL",
        **creds,
        FamilyName="Example",
        GivenName="Ann",
        DateOfBirth="2001-04-03",
        Gender="2",
        LastKnownPostCode="CV49EE",
    )
    assert found.ResponseCode == "WSRC0004"
    [learner] = found.Learner
    assert uln == learner.ULN
    assert learner.LastKnownPostCode == "CV4 9EE"
    assert learner.VersionNumber == 1

    by_uln = service.learnerByULN(
        FindType="FUL", **creds, ULN=uln, FamilyName="Example", GivenName="Ann"
    )
    assert by_uln.ResponseCode == "WSRC0004"
    assert uln == by_uln.Learner[0].ULN

    updated = service.updateSingleLearner(
        **creds,
        Learner={
            "Title": "Ms",
            "GivenName": "Ann",
            "FamilyName": "Example",
            "LastKnownPostCode": "CV49EE",
            "DateOfBirth": "2001-04-03",
            "Gender": "2",
            "VerificationType": "1",
            "AbilityToShare": "1",
            "ULN": uln,
            "VersionNumber": 1,
        },
    )
    assert updated == "WSRC0006"

    verified = service.verifyLearner(
        **creds,
        LearnerToVerify={
            "ULN": uln,
            "FamilyName": "Example",
            "GivenName": "Ann",
            "DateOfBirth": "2001-04-03",
            "Gender": "2",
        },
    )
    assert verified.ResponseCode == "WSVRC001"
    assert uln == verified.ULN

    retrieved = service.retrieveULNs(**creds, ULNsToRetrieve={"ULN": [uln, "9276308686"]})
    first, second = retrieved
    assert (first.ULN, first.MasterULN, first.ResponseCode) == (uln, uln, "WSRC0004")
    assert (second.ULN, second.ResponseCode) == ("9276308686", "WSRC0001")


def test_zeep_sees_a_fault_with_the_wsec_code(zeep_client):
    account = make_account()
    register(account.user)
    with pytest.raises(Fault) as raised:
        zeep_client.service.learnerByULN(
            FindType="FUL",
            UKPRN=account.organisation.ukprn,
            OrgPassword="Wrong-password-1",
            UserName=account.user.username,
            ULN="9276308686",
            FamilyName="Example",
            GivenName="Ann",
        )
    assert raised.value.message == "uk.gov.miap.lrs.api.exceptions.MIAPAPIException"
    detail = raised.value.detail
    assert detail is not None
    assert detail.findtext(".//ErrorCode") == "WSEC0005"


# --- Batches ------------------------------------------------------------------------------

ANN = {
    "GivenName": "Ann",
    "FamilyName": "Example",
    "LastKnownPostCode": "CV4 9EE",
    "DateOfBirth": "2001-04-03",
    "Gender": "2",
    "AbilityToShare": "1",
    "VerificationType": "2",
}


def test_zeep_submits_a_batch_and_reads_its_output(zeep_client):
    account = make_account(Role.BATCH_USER)
    creds = credentials(account)
    service = zeep_client.service

    submitted = service.submitBatchRegistration(
        **creds,
        JobType="1",
        LearnerRecordCount=3,
        Learner=[
            {"MISIdentifier": "S001", **ANN},
            {"MISIdentifier": "S002", **ANN},  # the same person again
            {"MISIdentifier": "S003", "GivenName": "Bo"},  # insufficient
        ],
    )
    assert submitted.ResponseCode == "WSRC0007"
    job_id = submitted.JobID
    assert isinstance(job_id, int)
    batch = Batch.objects.get(pk=job_id)
    assert (batch.kind, batch.organisation) == (BatchKind.REGISTRATION, account.organisation)

    waiting = service.getBatchRegistrationOutput(**creds, JobID=job_id)
    assert (waiting.ResponseCode, waiting.JobStatus) == ("WSRC0008", "Waiting")
    assert waiting.Learner == []

    process(job_id)
    done = service.getBatchRegistrationOutput(**creds, JobID=job_id)
    assert (done.ResponseCode, done.JobStatus) == ("WSRC0009", "Successful")
    counts = (
        done.NewLearnersCount,
        done.ExistsUpdatedLearnersCount,
        done.PossibleMatchLearnersCount,
        done.LearnersNotFoundCount,
        done.RejectedLearnersCount,
    )
    assert counts == (1, 1, 0, 0, 1)
    assert done.JobStartedDateTime <= done.JobFinishedDateTime
    first, again, rejected = done.Learner
    assert [lr.MISIdentifier for lr in done.Learner] == ["S001", "S002", "S003"]
    assert (first.ReturnCode, again.ReturnCode) == (RC.RC001, RC.RC012)
    assert rejected.ReturnCode in (RC.RC006, RC.RC011)
    assert first.ULN is not None
    assert len(first.ULN) == 10
    assert again.ULN == first.ULN
    assert rejected.ULN is None
    assert (first.FamilyName, first.GivenName, first.DateOfBirth) == (
        "Example",
        "Ann",
        "2001-04-03",
    )
    assert Learner.objects.filter(uln=first.ULN).exists()

    # Another organisation's job answers as unknown.
    other = make_account(Role.BATCH_USER)
    unknown = service.getBatchRegistrationOutput(**credentials(other), JobID=job_id)
    assert unknown.ResponseCode == "WSRC0018"
    assert unknown.JobStatus is None


def test_zeep_submits_a_verify_batch_and_reads_its_output(zeep_client):
    provider = make_account()
    uln = register(provider.user, last_known_postcode="CV4 9EE", verification_type="2")
    account = account_of(OrganisationType.AWARDING_ORGANISATION, Role.AWARDING_ORGANISATION_USER)
    creds = credentials(account)
    service = zeep_client.service

    submitted = service.submitVerifyBatch(
        **creds,
        LearnerRecordCount=2,
        OrgEmail="ops@example.org",
        Learner=[
            {
                "MISIdentifier": "C1",
                "ULN": uln,
                "FamilyName": "Example",
                "GivenName": "Ann",
                "DateOfBirth": "2001-04-03",
                "Gender": "2",
            },
            {
                "MISIdentifier": "C2",
                "ULN": uln,
                "FamilyName": "Other",
                "GivenName": "Zed",
                "DateOfBirth": "2001-04-03",
                "Gender": "2",
            },
        ],
    )
    assert submitted.ResponseCode == "WSRC0007"
    job_id = submitted.JobID
    assert Batch.objects.get(pk=job_id).kind == BatchKind.VERIFY

    waiting = service.getVerifyBatchOutput(**creds, JobID=job_id)
    assert (waiting.ResponseCode, waiting.JobStatus) == ("WSRC0008", "Waiting")

    process(job_id)
    done = service.getVerifyBatchOutput(**creds, JobID=job_id)
    assert (done.ResponseCode, done.JobStatus) == ("WSRC0009", "Successful")
    assert done.JobStartedDateTime <= done.JobFinishedDateTime
    first, second = done.VerifiedLearner
    assert (first.MISIdentifier, first.SearchedULN, first.SearchedFamilyName) == (
        "C1",
        uln,
        "Example",
    )
    assert (first.ResponseCode, first.ULN) == ("WSVRC001", uln)
    assert (second.MISIdentifier, second.ResponseCode) == ("C2", "WSVRC005")
    assert second.FailureFlag


# --- LearnerServiceR9 ---------------------------------------------------------------------


def test_zeep_calls_the_seven_r9_operations(zeep_for, live_server):
    client = zeep_for("LearnerServiceR9")
    service = client.service
    port = client.wsdl.services["LearnerServiceR9Proxy"].ports
    assert [p.binding_options["address"] for p in port.values()] == [
        f"{live_server.url}/LearnerServiceR9.svc"
    ]

    provider = account_of(OrganisationType.SCHOOL, Role.ONLINE_USER)
    uln = register(
        provider.user, given_name="Olivia", family_name="Thornbury", date_of_birth="2006-03-14"
    )
    awarding = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    gcse = Qualification.objects.create(
        reference="601/4702/5",
        kind="qualification",
        title="GCSE (9 to 1) in Mathematics",
        qualification_type="GCSE (9 to 1)",
        level="Level 1/2",
        awarding_organisation=awarding,
    )
    learner = Learner.objects.get(uln=uln)
    event = event_create(
        actor=make_user(awarding, Role.AWARDING_ORGANISATION_USER),
        learner=learner,
        values=EventValues(qualification=gcse, grade="7", award_date=dt.date(2022, 8, 25)),
    )
    learner_find(
        actor=provider.user,
        data=person(given_name="Olivia", family_name="Thornbury", date_of_birth="2006-03-14"),
    )
    organisation = {
        "Password": provider.password,
        "Ukprn": provider.organisation.ukprn,
        "Username": provider.user.username,
    }
    common = {
        "invokingOrganisation": organisation,
        "userType": "ORG",
        "vendorId": 0,
        "language": "ENG",
    }
    names = {"givenName": "Olivia", "familyName": "Thornbury"}

    # GetLearnerLearningEvents, FULL and BRIEF (vendorID, not vendorId, as live).
    events_common = {**common, "vendorID": 0}
    del events_common["vendorId"]
    full = service.GetLearnerLearningEvents(**events_common, uln=uln, **names, getType="FULL")
    assert (full.ResponseCode, full.FoundULN, full.IncomingULN) == (codes.EXACT, uln, uln)
    (item,) = full.LearnerRecord.LearningEvent
    assert event.pk == item.ID
    assert (item.SubjectCode, item.Grade) == ("601/4702/5", "7")
    assert item.AchievementAwardDate == "2022-08-25"
    assert item.AwardingOrganisationName == "Meridian Awards"
    assert item.UnderDataChallenge == "N"
    assert item.Credits is None
    assert (item.Level, item.QualificationType) == ("Level 1/2", "GCSE (9 to 1)")
    assert (item.Subject, item.Source) == ("GCSE (9 to 1) in Mathematics", "AO")
    assert item.AwardingOrganisationUkprn == awarding.ukprn
    assert item.DateLoaded is not None

    brief = service.GetLearnerLearningEvents(**events_common, uln=uln, **names, getType="BRIEF")
    assert brief.ResponseCode == codes.EXACT
    (short,) = brief.LearnerRecord.LearningEvent
    assert (short.ID, short.SubjectCode, short.Grade) == (event.pk, "601/4702/5", "7")
    assert (short.Level, short.Subject, short.Status) == (item.Level, item.Subject, item.Status)
    # FULL members only.
    assert (short.AwardingOrganisationName, short.DateLoaded, short.UnderDataChallenge) == (
        None,
        None,
        None,
    )

    # LearnerByUln
    found = service.LearnerByUln(**common, uln=uln, **names, findType="FUL")
    assert found.ResponseCode == codes.EXACT
    assert (found.Uln, found.GivenName, found.FamilyName) == (uln, "Olivia", "Thornbury")
    assert found.Learner.Uln == uln
    assert found.Learner.DateOfBirth == dt.datetime(2006, 3, 14)
    # xs:int members, as live.
    assert (found.Learner.Gender, found.Learner.VersionNumber) == (2, 1)
    assert (found.Learner.AbilityToShare, found.Learner.RecordStatus) == (1, 0)
    assert found.Learner.LastKnownPostCode == "CV4 9EE"
    assert isinstance(found.Learner.CreatedDate, dt.datetime)
    missing = service.LearnerByUln(
        **common, uln=uln, givenName="Someone", familyName="Else", findType="FUL"
    )
    assert missing.ResponseCode == codes.NO_MATCH
    assert missing.Learner is None

    # UpdateLearnerSubsetFields
    updated = service.UpdateLearnerSubsetFields(
        **common, uln=uln, versionNumber=1, emailAddress="olivia@example.org"
    )
    assert updated == codes.UPDATED
    learner.refresh_from_db()
    assert (learner.email_address, learner.version_number) == ("olivia@example.org", 2)
    stale = service.UpdateLearnerSubsetFields(
        **common, uln=uln, versionNumber=1, emailAddress="x@example.org"
    )
    assert stale == codes.STALE_VERSION
    refused = service.UpdateLearnerSubsetFields(
        **common, uln=uln, versionNumber=2, abilityToShare="FPNNotSeen"
    )
    assert refused == codes.INVALID_SHARE_CHANGE

    # ViewAudit: the two GetLearnerLearningEvents calls viewed the PLR.
    audit = service.ViewAudit(
        **common, learnerUln=uln, learnerGivenName="Olivia", learnerFamilyName="Thornbury", page=1
    )
    entries = audit.List.PlrAccessEntryResponse
    assert len(entries) == audit.TotalItems >= 2
    assert {entry.Action for entry in entries} == {"plr.view"}
    assert {entry.Organisation for entry in entries} == {provider.organisation.name}
    assert {entry.User for entry in entries} == {provider.user.username}
    assert all(isinstance(entry.DateTime, dt.datetime) for entry in entries)
    assert (audit.PageIndex, audit.PageCount) == (1, 1)

    # CreateDataChallenge, ListDataChallenge, DeleteDataChallenge
    created = service.CreateDataChallenge(
        **common,
        challengeType="incorrect_details",
        learningEvent1Id=event.pk,
        contactName="Priya Shah",
        emailAddress="exams@college.example",
        telephone="01234 567890",
        additionalInformation="The certificate shows grade 8.",
        suppliedAchievedGrade="8",
    )
    assert created.ResponseCode == CHALLENGE_OK
    reference = created.DataChallengeReference
    challenge = Challenge.objects.get(reference=reference)
    assert (challenge.event_id, challenge.supplied_values) == (event.pk, {"grade": "8"})
    assert challenge.contact_telephone == "01234 567890"

    listed = service.ListDataChallenge(
        **common, uln=uln, dateCreatedStart=dt.datetime(2000, 1, 1), dateCreatedEnd=None
    )
    (item,) = listed.DataChallenges.ListDataChallengeItem
    assert (item.ReferenceNo, item.Status) == (reference, Status.SUBMITTED)
    assert isinstance(item.CreatedDate, dt.datetime)
    assert item.ResolvedDate is None
    elsewhere = service.ListDataChallenge(**common, uln="9276308686")
    assert elsewhere.ResponseCode == listed.ResponseCode
    # An empty <a:DataChallenges/>: zeep reads an empty complex element as None.
    assert elsewhere.DataChallenges is None

    deleted = service.DeleteDataChallenge(**common, uln=uln, referenceNumber=reference)
    # zeep unwraps a result of one member: DeleteDataChallengeResult is its ResponseCode.
    assert deleted == CHALLENGE_OK
    challenge.refresh_from_db()
    assert challenge.status == Status.WITHDRAWN
    with pytest.raises(Fault) as raised:
        service.DeleteDataChallenge(**common, uln=uln, referenceNumber=reference)
    assert raised.value.detail.findtext(".//ErrorCode") == "WSEC0001"
