import pytest

from lrs.vc import did, multikey


def test_a_secret_key_round_trips_through_its_multibase_form():
    key = multikey.SigningKey.generate()
    again = multikey.SigningKey.from_multibase(key.secret_multibase)
    assert again.public_multibase == key.public_multibase
    assert key.public_multibase.startswith("z6Mk")
    assert key.secret_multibase.startswith("z3u2")
    assert multikey.decode_public(key.public_multibase) == key.public_raw


def test_a_secret_key_with_its_public_half_appended_is_accepted_if_they_match():
    import base58

    key = multikey.SigningKey.generate()
    seed = base58.b58decode(key.secret_multibase[1:])[2:]
    long_form = "z" + base58.b58encode(b"\x80\x26" + seed + key.public_raw).decode()
    assert multikey.SigningKey.from_multibase(long_form).public_multibase == key.public_multibase
    other = multikey.SigningKey.generate().public_raw
    wrong = "z" + base58.b58encode(b"\x80\x26" + seed + other).decode()
    with pytest.raises(multikey.KeyError_, match="does not match"):
        multikey.SigningKey.from_multibase(wrong)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "start with 'z'"),
        ("uABC", "start with 'z'"),
        ("z0OIl", "not valid base58btc"),
        ("z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "wrong multicodec"),
    ],
)
def test_a_malformed_secret_key_is_refused_saying_what_is_wrong(value, problem):
    with pytest.raises(multikey.KeyError_, match=problem):
        multikey.SigningKey.from_multibase(value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://lrs.example.org", "did:web:lrs.example.org"),
        ("https://lrs.example.org/", "did:web:lrs.example.org"),
        ("http://127.0.0.1:8000", "did:web:127.0.0.1%3A8000"),
        ("https://example.org/lrs/prod", "did:web:example.org:lrs:prod"),
    ],
)
def test_a_public_address_becomes_its_did_web(url, expected):
    assert did.did_web(url) == expected


def test_a_did_web_documents_address_follows_the_did_web_method():
    assert did.did_web_document_url("did:web:lrs.example.org") == (
        "https://lrs.example.org/.well-known/did.json"
    )
    assert did.did_web_document_url("did:web:example.org:lrs") == "https://example.org/lrs/did.json"
    with pytest.raises(did.DidError):
        did.did_web("ftp://example.org")


def test_a_did_document_lists_retired_keys_for_assertions_and_marks_revoked_ones():
    current, retired, revoked = (multikey.SigningKey.generate() for _ in range(3))
    document = did.did_document(
        "did:web:lrs.test",
        [
            did.PublishedKey(retired.public_multibase),
            did.PublishedKey(revoked.public_multibase, revoked="2026-01-01T00:00:00Z"),
            did.PublishedKey(current.public_multibase),
        ],
    )
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert len(document["verificationMethod"]) == 3
    assert document["assertionMethod"] == [
        f"did:web:lrs.test#{retired.public_multibase}",
        f"did:web:lrs.test#{current.public_multibase}",
    ]
    resolver = did.Resolver([document])
    found = resolver(f"did:web:lrs.test#{revoked.public_multibase}")
    assert (found.revoked, found.for_assertion) == ("2026-01-01T00:00:00Z", False)
    assert resolver(f"did:web:lrs.test#{retired.public_multibase}").for_assertion
    with pytest.raises(did.DidError, match="does not list"):
        resolver("did:web:lrs.test#z6Mkunknown")
    with pytest.raises(did.DidError, match="give its DID document"):
        resolver("did:web:elsewhere.example#key-1")


def test_a_did_key_resolves_to_the_key_it_names():
    key = multikey.SigningKey.generate()
    method = f"did:key:{key.public_multibase}#{key.public_multibase}"
    found = did.Resolver()(method)
    assert found.public_key == key.public_raw
    assert found.controller == f"did:key:{key.public_multibase}"
