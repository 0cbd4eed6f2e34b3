"""Interoperability, tested: Digital Bazaar's implementation (@digitalbazaar/vc with the
eddsa-rdfc-2022 cryptosuite and vc-bitstring-status-list, under Node) verifies what LRS
signs, and LRS verifies what it signs."""

import copy

from lrs.vc.did import Resolver
from lrs.vc.verify import verify_credential
from tests.vc.conftest import NOW, achievement, clr
from tests.vc.interop import db_sign, db_verify


def test_the_independent_verifier_accepts_an_lrs_achievement_credential(issuer, tmp_path):
    result = db_verify(
        tmp_path,
        achievement(issuer, index=7),
        did_documents=[issuer.document()],
        status_lists=[issuer.status_list(revoked=[])],
    )
    assert result == {"verified": True, "revoked": False, "error": ""}


def test_the_independent_verifier_accepts_a_clr_and_each_credential_in_it(issuer, tmp_path):
    parts = [achievement(issuer, index=7), achievement(issuer, index=8, grade="B", is_unit=True)]
    result = db_verify(
        tmp_path,
        clr(issuer, parts, index=9),
        did_documents=[issuer.document()],
        status_lists=[issuer.status_list(revoked=[])],
    )
    assert (result["verified"], result["revoked"]) == (True, False), result
    assert [(p["verified"], p["revoked"]) for p in result["inner"]] == [(True, False)] * 2


def test_the_independent_verifier_reports_a_revoked_lrs_credential_revoked(issuer, tmp_path):
    result = db_verify(
        tmp_path,
        achievement(issuer, index=7),
        did_documents=[issuer.document()],
        status_lists=[issuer.status_list(revoked=[7])],
    )
    assert result["revoked"] is True


def test_the_independent_verifier_refuses_a_tampered_lrs_credential(issuer, tmp_path):
    credential = achievement(issuer, index=7)
    credential["credentialSubject"]["result"][0]["value"] = "9"
    result = db_verify(
        tmp_path,
        credential,
        did_documents=[issuer.document()],
        status_lists=[issuer.status_list(revoked=[])],
    )
    assert result["verified"] is False
    assert result["error"]


def test_the_independent_verifier_refuses_a_credential_signed_with_a_revoked_key(issuer, tmp_path):
    result = db_verify(
        tmp_path,
        achievement(issuer, index=7),
        did_documents=[issuer.document(revoked="2026-03-05T00:00:00Z")],
        status_lists=[issuer.status_list(revoked=[])],
    )
    assert result["verified"] is False


def test_lrs_verifies_a_credential_signed_by_the_independent_implementation(issuer, tmp_path):
    unsigned = copy.deepcopy(achievement(issuer))
    del unsigned["proof"], unsigned["credentialStatus"]
    signed = db_sign(tmp_path, unsigned)["credential"]
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert signed["issuer"]["id"].startswith("did:key:z6Mk")
    report = verify_credential(signed, resolve=Resolver(), status_lists=lambda u: None, now=NOW)
    assert report.verified, report.findings
    assert report.findings[0].text.startswith("Signed by Learning Records Service on ")

    signed["credentialSubject"]["achievement"]["name"] = "GCSE in Further Mathematics"
    tampered = verify_credential(signed, resolve=Resolver(), status_lists=lambda u: None, now=NOW)
    assert not tampered.verified
    assert "has been changed since it was signed" in tampered.findings[0].text
