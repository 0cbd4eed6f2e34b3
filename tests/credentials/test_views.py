"""The credential pages: the public DID document, status lists and verify page; issuing
from the PLR page and downloading."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.credentials.models import IssuedCredential
from lrs.credentials.services import credentials_issue
from lrs.records.services import event_withdraw
from tests.credentials.conftest import ids
from tests.factories import make_organisation, make_user
from tests.portal.helpers import error_summary_links, sign_in_as, text_of
from tests.records.helpers import plr_post

pytestmark = pytest.mark.django_db


def test_the_did_document_is_public_and_lists_the_configured_key(client):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+ld+json"
    document = response.json()
    assert document["id"] == "did:web:lrs.test"
    [method] = document["verificationMethod"]
    assert method["type"] == "Multikey"
    assert document["assertionMethod"] == [method["id"]]


def test_without_an_issuer_address_there_is_no_did_document(client, settings):
    settings.LRS_ISSUER_URL = ""
    assert client.get("/.well-known/did.json").status_code == 404


def test_a_status_list_is_public_signed_and_short_lived_in_caches(
    client, provider_user, learner, events
):
    credentials_issue(actor=provider_user, learner=learner, event_ids=ids(events), kind="clr")
    response = client.get("/credentials/status/1")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=60"
    listing = response.json()
    assert listing["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listing["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert client.get("/credentials/status/2").status_code == 404


def test_the_plr_page_offers_to_issue_credentials_of_its_events(
    client, provider_user, learner, events
):
    sign_in_as(client, provider_user)
    response = client.post("/plr/", plr_post(learner))
    page = text_of(response)
    assert "Verifiable credentials" in page
    assert 'name="events"' in response.content.decode()
    assert "Issued so far" not in page


def test_issuing_from_the_plr_page_gives_download_links_and_the_plr_lists_them(
    client, provider_user, learner, events
):
    sign_in_as(client, provider_user)
    response = client.post(
        "/credentials/issue/", {"uln": learner.uln, "events": ids(events), "kind": "clr"}
    )
    assert response.status_code == 200
    clr = IssuedCredential.objects.get(kind="clr")
    assert f"/credentials/{clr.public_id}/download" in response.content.decode()
    assert "Credential issued" in text_of(response)

    download = client.get(f"/credentials/{clr.public_id}/download")
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        f'attachment; filename="clr-credential-{clr.public_id}.json"'
    )
    assert json.loads(download.content)["id"] == f"urn:uuid:{clr.public_id}"
    assert AuditEntry.objects.filter(action="credential.download", object_id=learner.uln).exists()

    page = text_of(client.post("/plr/", plr_post(learner)))
    assert "Issued so far" in page
    assert "Valid Comprehensive Learner Record" in page


def test_issuing_nothing_explains_why_and_issues_nothing(client, provider_user, learner, events):
    sign_in_as(client, provider_user)
    response = client.post("/credentials/issue/", {"uln": learner.uln, "kind": "clr"})
    assert response.status_code == 422
    assert ("#events", "Choose at least one achievement") in error_summary_links(response)
    assert not IssuedCredential.objects.exists()


def test_an_organisation_that_has_not_seen_the_learner_gets_not_found(client, learner, events):
    stranger = make_user(make_organisation(OrganisationType.SCHOOL), Role.ONLINE_USER)
    sign_in_as(client, stranger)
    response = client.post(
        "/credentials/issue/", {"uln": learner.uln, "events": ids(events), "kind": "clr"}
    )
    assert response.status_code == 404


def test_downloads_need_sign_in_and_the_right_to_see_the_plr(
    client, provider_user, learner, events
):
    [clr] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events), kind="clr"
    )
    url = f"/credentials/{clr.public_id}/download"
    assert client.get(url).status_code == 302
    sign_in_as(client, make_user(make_organisation(OrganisationType.SCHOOL), Role.ONLINE_USER))
    assert client.get(url).status_code == 404
    part = clr.parts.first()
    sign_in_as(client, provider_user)
    assert client.get(f"/credentials/{part.public_id}/download").status_code == 404


def test_the_verify_page_is_public_and_explains_a_valid_credential(
    client, provider_user, learner, events
):
    [clr] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events), kind="clr"
    )
    page = client.get("/verify")
    assert page.status_code == 200
    assert "Check a learning record credential" in text_of(page)
    response = client.post("/verify", {"credential": json.dumps(clr.document)})
    text = text_of(response)
    assert "Verified" in text
    assert "This credential is genuine, unchanged and valid" in text
    assert "Signed by Learning Records Service on" in text
    assert "BTEC Level 3 National Extended Certificate in Business" in text
    assert f"ULN {learner.uln}" in text


def test_the_verify_page_takes_an_uploaded_file_and_explains_a_withdrawal(
    client, ao_user, provider_user, learner, events
):
    [credential] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events[:1]), kind="achievement"
    )
    event_withdraw(actor=ao_user, event=events[0], reason="Awarded in error")
    upload = SimpleUploadedFile(
        "gcse.json", json.dumps(credential.document).encode(), "application/json"
    )
    text = text_of(client.post("/verify", {"file": upload}))
    assert "Not verified" in text
    assert "The issuer has revoked this credential" in text
    assert "Revoked: the awarding organisation withdrew this achievement on" in text


def test_the_verify_page_says_when_a_credential_was_tampered_with(
    client, provider_user, learner, events
):
    [credential] = credentials_issue(
        actor=provider_user, learner=learner, event_ids=ids(events[:1]), kind="achievement"
    )
    document = credential.document
    document["credentialSubject"]["result"][0]["value"] = "9"
    text = text_of(client.post("/verify", {"credential": json.dumps(document)}))
    assert "Not verified" in text
    assert "has been changed since it was signed" in text


@pytest.mark.parametrize(
    ("data", "message", "field"),
    [
        ({}, "Paste a credential or choose a credential file", "#credential"),
        ({"credential": "{not json"}, "That is not JSON (at line 1)", "#credential"),
    ],
)
def test_the_verify_page_says_what_is_wrong_with_the_input(client, data, message, field):
    response = client.post("/verify", data)
    assert (field, message) in error_summary_links(response)


def test_the_plr_page_lists_events_that_cannot_be_issued_yet_and_why(
    client, provider_user, learner, events, provisional
):
    sign_in_as(client, provider_user)
    response = client.post("/plr/", plr_post(learner))
    html = response.content.decode()
    assert f'value="{provisional.public_id}"' not in html
    assert f'value="{events[0].public_id}"' in html
    assert "provisional: can be issued once final" in text_of(response)
