"""`lrs credential verify FILE` offline, with the issuer's DID document."""

import json

from lrs.vc.cli import main
from tests.vc.conftest import achievement


def _files(tmp_path, **documents):
    paths = {}
    for name, document in documents.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document))
        paths[name] = str(path)
    return paths


def test_a_credential_verifies_offline_with_the_did_document_and_status_list(
    issuer, tmp_path, capsys
):
    paths = _files(
        tmp_path,
        credential=achievement(issuer, index=7),
        did=issuer.document(),
        status=issuer.status_list(revoked=[]),
    )
    code = main(
        [
            "verify",
            paths["credential"],
            "--did-document",
            paths["did"],
            "--status-list",
            paths["status"],
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Learner: Olivia Thornbury, ULN 9990001234" in out
    assert out.strip().endswith("VERIFIED")


def test_without_the_status_list_it_says_the_status_was_not_checked(issuer, tmp_path, capsys):
    paths = _files(tmp_path, credential=achievement(issuer), did=issuer.document())
    assert main(["verify", paths["credential"], "--did-document", paths["did"]]) == 3
    assert "NOT FULLY CHECKED" in capsys.readouterr().out


def test_a_revoked_credential_fails_and_json_output_says_why(issuer, tmp_path, capsys):
    paths = _files(
        tmp_path,
        credential=achievement(issuer, index=7),
        did=issuer.document(),
        status=issuer.status_list(revoked=[7]),
    )
    argv = [
        "verify",
        paths["credential"],
        "--did-document",
        paths["did"],
        "--status-list",
        paths["status"],
        "--json",
    ]
    assert main(argv) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["verified"], report["revoked"]) == (False, True)


def test_without_the_issuers_keys_the_signature_cannot_be_checked(issuer, tmp_path, capsys):
    paths = _files(tmp_path, credential=achievement(issuer))
    assert main(["verify", paths["credential"]]) == 1
    assert "give its DID document" in capsys.readouterr().out


def test_new_key_prints_a_setting_line(capsys):
    assert main(["new-key"]) == 0
    assert capsys.readouterr().out.startswith("LRS_ISSUER_KEY=z3u2")
