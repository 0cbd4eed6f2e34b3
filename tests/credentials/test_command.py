"""`lrs credential keys|revoke-key|did-document`, and the offline sub-commands' routing."""

import json

import pytest
from django.core.management import CommandError, call_command

from lrs.cli import main
from lrs.credentials.models import IssuerKey, KeyState
from lrs.vc.multikey import SigningKey

pytestmark = pytest.mark.django_db


def test_keys_records_the_configured_key_and_retires_the_one_it_replaces(settings, capsys):
    call_command("credential", "keys")
    first = IssuerKey.objects.get()
    assert first.state == KeyState.ACTIVE
    settings.LRS_ISSUER_KEY = SigningKey.generate().secret_multibase
    call_command("credential", "keys")
    out = capsys.readouterr().out
    first.refresh_from_db()
    assert first.state == KeyState.RETIRED
    assert f"{first.public_key_multibase}  retired" in out

    call_command("credential", "revoke-key", first.public_key_multibase, "--reason", "Leaked")
    first.refresh_from_db()
    assert first.state == KeyState.REVOKED
    with pytest.raises(CommandError, match="already revoked"):
        call_command("credential", "revoke-key", first.public_key_multibase, "--reason", "Again")

    capsys.readouterr()
    call_command("credential", "did-document")
    document = json.loads(capsys.readouterr().out)
    assert len(document["verificationMethod"]) == 2
    assert len(document["assertionMethod"]) == 1


def test_verify_and_new_key_run_without_django(capsys):
    with pytest.raises(SystemExit) as done:
        main(["lrs", "credential", "new-key"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("LRS_ISSUER_KEY=z")
