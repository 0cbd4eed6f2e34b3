"""Signing and verifying with eddsa-rdfc-2022 in LRS's own implementation."""

import copy
import datetime as dt

import pytest

from lrs.vc.canon import CanonicalizationError, canonicalize
from lrs.vc.contexts import UnknownContext, document_loader
from lrs.vc.did import Resolver
from lrs.vc.proof import verify_proof
from lrs.vc.verify import verify_credential
from tests.vc.conftest import LIST_URL, NOW, achievement, clr


def test_a_signed_achievement_credential_has_an_eddsa_rdfc_2022_proof_that_verifies(issuer):
    credential = achievement(issuer)
    proof = credential["proof"]
    assert {k: proof[k] for k in ("type", "cryptosuite", "proofPurpose")} == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
    }
    assert proof["proofValue"].startswith("z")
    assert proof["created"] == "2026-03-02T10:30:00Z"
    assert verify_proof(credential, resolve=Resolver([issuer.document()])).valid


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c["credentialSubject"]["result"][0].update(value="9"),
        lambda c: c["credentialSubject"]["identifier"][0].update(identityHash="9990009999"),
        lambda c: c.update(awardedDate="2021-08-25T00:00:00Z"),
        lambda c: c["proof"].update(created="2026-03-03T10:30:00Z"),
        lambda c: c["credentialStatus"].update(statusListIndex="8"),
    ],
)
def test_any_change_to_a_signed_credential_breaks_its_signature(issuer, tamper):
    credential = achievement(issuer)
    tamper(credential)
    check = verify_proof(credential, resolve=Resolver([issuer.document()]))
    assert not check.valid
    assert "has been changed since it was signed" in check.problem


def test_a_term_no_context_defines_is_refused_rather_than_silently_left_unsigned(issuer):
    credential = achievement(issuer)
    credential["credentialSubject"]["distinction"] = "with honours"
    check = verify_proof(credential, resolve=Resolver([issuer.document()]))
    assert not check.valid
    assert "do not define" in check.problem
    assert "distinction" in check.problem


def test_contexts_are_never_fetched_an_unknown_one_is_refused():
    with pytest.raises(UnknownContext, match="never fetches"):
        document_loader("https://example.org/context.json")
    with pytest.raises((UnknownContext, CanonicalizationError)):
        canonicalize({"@context": "https://example.org/context.json", "name": "x"})


def test_a_signature_by_a_key_the_issuer_does_not_publish_is_not_valid(issuer):
    from tests.vc.conftest import Issuer

    impostor = Issuer()
    credential = impostor.sign(copy.deepcopy(achievement(issuer)))
    report = verify_credential(
        credential, resolve=Resolver([issuer.document()]), status_lists=lambda url: None, now=NOW
    )
    assert not report.verified
    assert "does not list the key" in report.findings[0].text


def test_the_report_says_in_plain_english_what_was_checked(issuer):
    credential = achievement(issuer, index=7)
    listing = issuer.status_list(revoked=[])
    report = verify_credential(
        credential,
        resolve=Resolver([issuer.document()]),
        status_lists={LIST_URL: listing}.get,
        now=NOW + dt.timedelta(days=1),
    )
    assert report.verified, report.findings
    texts = [f.text for f in report.findings]
    assert texts == [
        "Signed by Learning Records Service on 2 March 2026; the credential has not been "
        "changed since.",
        "The key that signed it is one the issuer publishes.",
        "Valid from 2 March 2026, with no expiry date.",
        "Not revoked: checked against the issuer's status list (revocation).",
    ]
    assert (report.learner_name, report.learner_uln) == ("Olivia Thornbury", "9990001234")
    award = report.awards[0]
    assert (award.name, award.code, award.grade, award.awarded, award.awarded_by) == (
        "GCSE (9 to 1) in Mathematics",
        "601/4702/5",
        "7",
        "25 August 2022",
        "Meridian Awards",
    )


def test_a_revoked_credential_and_a_revoked_part_of_a_clr_are_reported(issuer):
    first, second = achievement(issuer, index=7), achievement(issuer, index=8, grade="B")
    record = clr(issuer, [first, second], index=9)
    listing = issuer.status_list(revoked=[8, 9])
    report = verify_credential(
        record, resolve=Resolver([issuer.document()]), status_lists={LIST_URL: listing}.get, now=NOW
    )
    assert not report.verified
    assert report.revoked is True
    assert [part.revoked for part in report.inner] == [False, True]
    assert report.inner[0].verified
    assert [a.grade for a in report.awards] == ["7", "B"]


def test_a_status_list_not_signed_by_the_issuer_is_not_trusted(issuer):
    from tests.vc.conftest import Issuer

    other = Issuer()
    forged = other.status_list(revoked=[])
    report = verify_credential(
        achievement(issuer),
        resolve=Resolver([issuer.document()]),
        status_lists={LIST_URL: forged}.get,
        now=NOW,
    )
    assert not report.verified
    assert "cannot be trusted" in report.findings[-1].text


def test_without_the_status_list_nothing_fails_but_the_credential_is_not_fully_checked(issuer):
    report = verify_credential(
        achievement(issuer),
        resolve=Resolver([issuer.document()]),
        status_lists=lambda u: None,
        now=NOW,
    )
    assert report.state == "unchecked"
    assert "could not be checked here" in report.findings[-1].text


def test_a_credential_signed_with_a_revoked_key_is_not_verified(issuer):
    report = verify_credential(
        achievement(issuer),
        resolve=Resolver([issuer.document(revoked="2026-03-05T00:00:00Z")]),
        status_lists=lambda u: issuer.status_list(revoked=[]),
        now=NOW,
    )
    assert not report.verified
    assert "revoked the key that signed it on 5 March 2026" in report.findings[1].text


def test_a_credential_not_yet_valid_is_reported(issuer):
    report = verify_credential(
        achievement(issuer),
        resolve=Resolver([issuer.document()]),
        status_lists=lambda u: issuer.status_list(revoked=[]),
        now=NOW - dt.timedelta(days=1),
    )
    assert "It is not valid yet: only from 2 March 2026." in [f.text for f in report.findings]


@pytest.mark.parametrize(
    ("document", "text"),
    [
        ([1, 2], "not a credential"),
        ({"type": "Thing"}, "not a verifiable credential"),
    ],
)
def test_something_that_is_not_a_credential_is_said_to_be_so(document, text):
    report = verify_credential(document, resolve=Resolver(), status_lists=lambda u: None)
    assert not report.verified
    assert text in report.findings[0].text


def test_a_document_far_larger_than_any_credential_is_refused_before_any_work(issuer):
    credential = achievement(issuer)
    credential["description"] = "x" * 1_000_001
    report = verify_credential(credential, resolve=Resolver(), status_lists=lambda u: None)
    assert not report.verified
    assert "too large to check here" in report.findings[0].text
