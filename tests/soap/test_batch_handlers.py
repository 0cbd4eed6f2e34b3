"""The batch handlers, called directly with requests parsed from raw envelopes."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from lrs.access import OrganisationType, Role
from lrs.batches.models import Batch, BatchKind, BatchStatus
from lrs.batches.processing import process
from lrs.batchfiles.return_codes import ReturnCode as RC
from lrs.core.errors import NotPermitted
from lrs.learners.services import learner_register
from lrs.soap.handlers import batches
from lrs.soapwire import learner_service as wire
from lrs.soapwire import parse_request
from lrs.soapwire.faults import SoapFault
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db

ENV = "http://schemas.xmlsoap.org/soap/envelope/"
CREDS = "<UKPRN>10099999</UKPRN><OrgPassword>Pa55word-16chars</OrgPassword><UserName>u</UserName>"
ANN = (
    "<GivenName>Ann</GivenName><FamilyName>Example</FamilyName>"
    "<LastKnownPostCode>CV4 9EE</LastKnownPostCode><DateOfBirth>2001-04-03</DateOfBirth>"
    "<Gender>2</Gender><AbilityToShare>1</AbilityToShare><VerificationType>2</VerificationType>"
)
PRIYA = (
    "<GivenName>Priya</GivenName><FamilyName>Raman</FamilyName>"
    "<LastKnownPostCode>B1 1AA</LastKnownPostCode><DateOfBirth>2005-06-01</DateOfBirth>"
    "<Gender>2</Gender><AbilityToShare>1</AbilityToShare><VerificationType>2</VerificationType>"
)


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"
    settings.LRS_BATCH_CHUNK_SIZE = 3


@pytest.fixture
def batch_user():
    return make_user(make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE), Role.BATCH_USER)


@pytest.fixture
def ao_user():
    return make_user(
        make_organisation(OrganisationType.AWARDING_ORGANISATION), Role.AWARDING_ORGANISATION_USER
    )


def read(ns: str, body: str):
    envelope = (
        f'<soapenv:Envelope xmlns:soapenv="{ENV}" xmlns:m="{ns}"><soapenv:Header/>'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )
    return wire.read_request(parse_request(envelope.encode(), content_type="text/xml"))


def call(user, ns: str, body: str) -> etree._Element:
    request = read(ns, body)
    name = type(request).__name__
    op = {
        "SubmitBatchRequest": "SubmitBatch",
        "GetSubmitBatchOutputRequest": "GetSubmitBatchOutput",
        "SubmitVerifyBatchRequest": "SubmitVerifyBatch",
        "GetVerifyBatchOutputRequest": "GetVerifyBatchOutput",
    }[name]
    answer = batches.HANDLERS[op](request, user)
    root = etree.fromstring(answer)
    assert root.tag == f"{{{ENV}}}Envelope"
    (wrapper,) = root[0]
    assert wrapper.tag == f"{{{ns}}}{op}Response"
    # Only the wrapper is qualified.
    assert all(
        etree.QName(child).namespace is None for child in wrapper.iter() if child is not wrapper
    )
    return wrapper


def names(element) -> list[str]:
    return [child.tag for child in element]


def submit(user, learners: list[str], count: int | None = None) -> etree._Element:
    body = "".join(f"<Learner>{learner}</Learner>" for learner in learners)
    declared = len(learners) if count is None else count
    return call(
        user,
        wire.BATCHMSG_NS,
        f"<m:SubmitBatch>{CREDS}<JobType>1</JobType>"
        f"<LearnerRecordCount>{declared}</LearnerRecordCount>{body}</m:SubmitBatch>",
    )


def output(user, job_id) -> etree._Element:
    return call(
        user,
        wire.BATCHMSG_NS,
        f"<m:GetSubmitBatchOutput>{CREDS}<JobID>{job_id}</JobID></m:GetSubmitBatchOutput>",
    )


def test_submit_then_output_shows_counts_ulns_and_return_codes(batch_user):
    answer = submit(
        batch_user,
        [
            f"<MISIdentifier>S001</MISIdentifier>{ANN}",
            f"<MISIdentifier>S002</MISIdentifier>{PRIYA}",
            f"<MISIdentifier>S003</MISIdentifier>{ANN}",  # the same person again
            "<MISIdentifier>S004</MISIdentifier><GivenName>Bo</GivenName>",  # insufficient
        ],
    )
    assert names(answer) == ["ResponseCode", "JobID"]
    assert answer.findtext("ResponseCode") == "WSRC0007"
    job_id = int(answer.findtext("JobID"))
    batch = Batch.objects.get(pk=job_id)
    assert batch.kind == BatchKind.REGISTRATION
    assert batch.organisation == batch_user.organisation
    assert batch.file_name.startswith(f"LRB_{batch_user.organisation.ukprn}_")

    waiting = output(batch_user, job_id)
    assert waiting.findtext("ResponseCode") == "WSRC0008"
    assert waiting.findtext("JobStatus") == "Waiting"
    assert waiting.findall("Learner") == []

    process(job_id)
    done = output(batch_user, job_id)
    assert names(done) == [
        "ResponseCode",
        "JobStatus",
        *wire.BATCH_OUTPUT_COUNTS,
        "JobStartedDateTime",
        "JobFinishedDateTime",
        "Learner",
        "Learner",
        "Learner",
        "Learner",
    ]
    assert done.findtext("ResponseCode") == "WSRC0009"
    assert done.findtext("JobStatus") == "Successful"
    counts = [int(done.findtext(name)) for name in wire.BATCH_OUTPUT_COUNTS]
    assert counts == [2, 1, 0, 0, 1]
    learners = done.findall("Learner")
    assert [lr.findtext("MISIdentifier") for lr in learners] == ["S001", "S002", "S003", "S004"]
    codes = [lr.findtext("ReturnCode") for lr in learners]
    assert codes[:3] == [RC.RC001, RC.RC001, RC.RC012]
    assert codes[3] in (RC.RC006, RC.RC011)
    ulns = [lr.findtext("ULN") for lr in learners]
    assert len(ulns[0]) == 10
    assert ulns[2] == ulns[0]
    assert ulns[3] is None
    # OutputBatchLearner order: ULN first, ReturnCode last.
    assert learners[0][0].tag == "ULN"
    assert learners[0][-1].tag == "ReturnCode"
    order = list(wire.OUTPUT_BATCH_LEARNER)
    assert [order.index(t) for t in names(learners[0])] == sorted(
        order.index(t) for t in names(learners[0])
    )
    assert learners[0].findtext("FamilyName") == "Example"
    assert done.findtext("JobStartedDateTime") <= done.findtext("JobFinishedDateTime")


def test_a_supplied_uln_is_verified_rc003(batch_user):
    registered = learner_register(
        actor=batch_user,
        data={
            "given_name": "Ann",
            "family_name": "Example",
            "date_of_birth": "2001-04-03",
            "gender": "2",
            "last_known_postcode": "CV4 9EE",
            "verification_type": "2",
            "ability_to_share": "1",
        },
    ).learner
    answer = submit(
        batch_user, [f"<ULN>{registered.uln}</ULN><MISIdentifier>S1</MISIdentifier>{ANN}"]
    )
    job_id = answer.findtext("JobID")
    process(int(job_id))
    (learner,) = output(batch_user, job_id).findall("Learner")
    assert (learner.findtext("ULN"), learner.findtext("ReturnCode")) == (registered.uln, RC.RC003)


def test_wrong_record_count_is_wsrc0017_and_no_job(batch_user):
    answer = submit(batch_user, [ANN], count=2)
    assert answer.findtext("ResponseCode") == "WSRC0017"
    assert answer.findtext("JobID") == "0"
    assert not Batch.objects.exists()


@pytest.mark.parametrize("count", ["", "two"])
def test_missing_or_bad_record_count_is_a_wsec0001_fault(batch_user, count):
    with pytest.raises(SoapFault) as caught:
        call(
            batch_user,
            wire.BATCHMSG_NS,
            f"<m:SubmitBatch>{CREDS}<LearnerRecordCount>{count}</LearnerRecordCount>"
            f"<Learner>{ANN}</Learner></m:SubmitBatch>",
        )
    assert caught.value.code == "WSEC0001"
    assert "SubmitBatch/LearnerRecordCount" in caught.value.further_details


def test_the_same_learners_twice_make_two_jobs(batch_user):
    first = submit(batch_user, [ANN]).findtext("JobID")
    second = submit(batch_user, [ANN]).findtext("JobID")
    assert first != second
    assert Batch.objects.count() == 2


def test_another_organisations_job_answers_as_unknown_wsrc0018(batch_user):
    job_id = submit(batch_user, [ANN]).findtext("JobID")
    process(int(job_id))
    other = make_user(make_organisation(OrganisationType.SCHOOL), Role.BATCH_USER)
    for who, wanted in ((other, job_id), (batch_user, "999999")):
        answer = output(who, wanted)
        assert names(answer) == ["ResponseCode"]
        assert answer.findtext("ResponseCode") == "WSRC0018"


def test_bad_job_id_is_a_wsec0001_fault(batch_user):
    with pytest.raises(SoapFault) as caught:
        output(batch_user, "abc")
    assert caught.value.code == "WSEC0001"


def test_a_role_without_batches_is_refused_by_the_service(batch_user):
    viewer = make_user(batch_user.organisation, Role.VIEW_LEARNER_ONLY)
    with pytest.raises(NotPermitted):
        submit(viewer, [ANN])
    with pytest.raises(NotPermitted):
        output(viewer, "1")


def test_failed_job_is_wsrc0010(batch_user):
    job_id = int(submit(batch_user, [ANN]).findtext("JobID"))
    # The stored file is replaced, as if it had been damaged on disk.
    batch = Batch.objects.get(pk=job_id)
    from lrs.core.filejobs import file_storage

    Path(file_storage().path(batch.stored_name)).write_bytes(b"not a batch file")
    process(job_id)
    assert Batch.objects.get(pk=job_id).status == BatchStatus.FAILED
    answer = output(batch_user, job_id)
    assert answer.findtext("ResponseCode") == "WSRC0010"
    assert answer.findtext("JobStatus") == "Failed"
    assert answer.findall("Learner") == []


def test_verify_batch_round_trip(ao_user, batch_user):
    registered = learner_register(
        actor=batch_user,
        data={
            "given_name": "Ann",
            "family_name": "Example",
            "date_of_birth": "2001-04-03",
            "gender": "2",
            "last_known_postcode": "CV4 9EE",
            "verification_type": "2",
            "ability_to_share": "1",
        },
    ).learner
    learners = (
        f"<Learner><MISIdentifier>C1</MISIdentifier><ULN>{registered.uln}</ULN>"
        "<FamilyName>Example</FamilyName><GivenName>Ann</GivenName>"
        "<DateOfBirth>2001-04-03</DateOfBirth><Gender>2</Gender></Learner>"
        f"<Learner><MISIdentifier>C2</MISIdentifier><ULN>{registered.uln}</ULN>"
        "<FamilyName>Other</FamilyName><GivenName>Zed</GivenName>"
        "<DateOfBirth>2001-04-03</DateOfBirth><Gender>2</Gender></Learner>"
    )
    answer = call(
        ao_user,
        wire.VLDMSG_NS,
        f"<m:SubmitVerifyBatch>{CREDS}<LearnerRecordCount>2</LearnerRecordCount>"
        f"<OrgEmail>ops@example.org</OrgEmail>{learners}</m:SubmitVerifyBatch>",
    )
    assert answer.findtext("ResponseCode") == "WSRC0007"
    job_id = answer.findtext("JobID")
    assert Batch.objects.get(pk=job_id).kind == BatchKind.VERIFY
    # A verify job is unknown to the registration output, and the reverse.
    assert output(ao_user, job_id).findtext("ResponseCode") == "WSRC0018"
    process(int(job_id))
    done = call(
        ao_user,
        wire.VLDMSG_NS,
        f"<m:GetVerifyBatchOutput>{CREDS}<JobID>{job_id}</JobID></m:GetVerifyBatchOutput>",
    )
    assert names(done) == [
        "ResponseCode",
        "JobStatus",
        "JobStartedDateTime",
        "JobFinishedDateTime",
        "VerifiedLearner",
        "VerifiedLearner",
    ]
    assert done.findtext("ResponseCode") == "WSRC0009"
    first, second = done.findall("VerifiedLearner")
    assert names(first) == [
        "MISIdentifier",
        "SearchedULN",
        "SearchedFamilyName",
        "SearchedGivenName",
        "SearchedDateOfBirth",
        "SearchedGender",
        "ResponseCode",
        "ULN",
    ]
    assert (first.findtext("ResponseCode"), first.findtext("ULN")) == ("WSVRC001", registered.uln)
    assert second.findtext("ResponseCode") == "WSVRC005"
    assert [f.text for f in second.findall("FailureFlag")]
    assert second[-1].tag == "FailureFlag"


def test_through_the_endpoint_only_the_submitter_reads_the_job(client):
    from tests.soap.conftest import body_of, frame, make_account, post

    mine, theirs = make_account(Role.BATCH_USER), make_account(Role.BATCH_USER)
    submitted = post(
        client,
        frame(
            f'<m:SubmitBatch xmlns:m="{wire.BATCHMSG_NS}">{mine.creds()}'
            f"<LearnerRecordCount>1</LearnerRecordCount><Learner>{ANN}</Learner></m:SubmitBatch>"
        ),
    )
    assert submitted.status_code == 200
    job_id = body_of(submitted).findtext("JobID")
    process(int(job_id))
    for account, code in ((mine, "WSRC0009"), (theirs, "WSRC0018")):
        answer = post(
            client,
            frame(
                f'<m:GetSubmitBatchOutput xmlns:m="{wire.BATCHMSG_NS}">{account.creds()}'
                f"<JobID>{job_id}</JobID></m:GetSubmitBatchOutput>"
            ),
        )
        assert answer.status_code == 200
        assert body_of(answer).findtext("ResponseCode") == code


def test_the_wire_records_and_the_batch_layouts_name_the_same_fields():
    from lrs.batchfiles import LRB_LAYOUT, VERIFY_LAYOUT

    assert [c.element for c in LRB_LAYOUT.columns] == list(wire.BATCH_LEARNER)
    assert [c.element for c in VERIFY_LAYOUT.columns] == [
        "MISIdentifier",
        *wire.LEARNER_TO_VERIFY,
    ]


def test_awkward_values_survive_the_batch_file(batch_user):
    notes = '+44 01234, "quoted"\nsecond line'
    sent = f"<MISIdentifier>=S1</MISIdentifier>{ANN}<Notes>{notes}</Notes>"
    job_id = int(submit(batch_user, [sent]).findtext("JobID"))
    process(job_id)
    (learner,) = output(batch_user, job_id).findall("Learner")
    assert learner.findtext("MISIdentifier") == "=S1"
    assert learner.findtext("Notes") == notes
    assert learner.findtext("ReturnCode") == RC.RC001


def test_a_job_id_beyond_xs_long_is_a_fault(batch_user):
    with pytest.raises(SoapFault):
        output(batch_user, "99999999999999999999")


@pytest.mark.parametrize("job_id", ["-1", "0"])
def test_no_job_has_a_job_id_below_one(batch_user, job_id):
    assert output(batch_user, job_id).findtext("ResponseCode") == "WSRC0018"
