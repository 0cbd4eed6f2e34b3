"""Issuer identities: did:web for an LRS deployment, did:key for keys that name themselves.

did:web turns the deployment's public address into a DID (https://lrs.example.org is
did:web:lrs.example.org, whose document is https://lrs.example.org/.well-known/did.json).
Its document lists every key LRS has signed with: the current one and retired ones (still
valid for what they signed), each a Multikey in ``assertionMethod``; a revoked
(compromised) key stays listed with ``revoked`` set and leaves ``assertionMethod``, so
what it signed no longer verifies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from lrs.vc.contexts import DID_V1, MULTIKEY_V1
from lrs.vc.multikey import KeyError_, decode_public
from lrs.vc.proof import ResolvedKey


class DidError(LookupError):
    pass


def did_web(public_url: str) -> str:
    """The did:web of a public address (a port is percent-encoded; a path adds segments)."""
    parts = urlsplit(public_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DidError(f"{public_url!r} is not an http(s) address")
    host = parts.hostname + (f"%3A{parts.port}" if parts.port else "")
    segments = [quote(s, safe="") for s in parts.path.split("/") if s]
    return ":".join(["did:web", host, *segments])


def did_web_document_url(did: str) -> str:
    if not did.startswith("did:web:"):
        raise DidError(f"{did} is not a did:web")
    host, *path = did.removeprefix("did:web:").split(":")
    host = host.replace("%3A", ":").replace("%3a", ":")
    return f"https://{host}/" + ("/".join(path) + "/did.json" if path else ".well-known/did.json")


@dataclass(frozen=True)
class PublishedKey:
    public_multibase: str
    revoked: str = ""  # when, as an XML dateTime; empty while it may be trusted

    def id_in(self, did: str) -> str:
        return f"{did}#{self.public_multibase}"


def did_document(did: str, keys: Iterable[PublishedKey]) -> dict[str, Any]:
    methods: list[dict[str, Any]] = []
    assertion: list[str] = []
    for key in keys:
        method = {
            "id": key.id_in(did),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_multibase,
        }
        if key.revoked:
            method["revoked"] = key.revoked
        else:
            assertion.append(method["id"])
        methods.append(method)
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": assertion,
    }


def _ids(values: Any) -> set[str]:
    listed = values if isinstance(values, list) else [values] if values else []
    return {v if isinstance(v, str) else str(v.get("id", "")) for v in listed}


def resolve_in_document(document: Mapping[str, Any], method_id: str) -> ResolvedKey:
    """The verification method ``method_id`` as ``document`` (a DID document) publishes it."""
    did = str(document.get("id", ""))
    if method_id.split("#", 1)[0] != did:
        raise DidError(f"{method_id} does not belong to {did}")
    for method in document.get("verificationMethod", []) or []:
        if not isinstance(method, dict):
            continue
        full = method.get("id", "")
        full = f"{did}{full}" if str(full).startswith("#") else full
        if full != method_id:
            continue
        try:
            public = decode_public(str(method.get("publicKeyMultibase", "")))
        except KeyError_ as exc:
            raise DidError(f"The key {method_id} is unreadable: {exc}") from None
        assertion = _ids(document.get("assertionMethod"))
        return ResolvedKey(
            id=method_id,
            controller=str(method.get("controller", did)),
            public_key=public,
            for_assertion=method_id in assertion or method.get("id") in assertion,
            revoked=str(method.get("revoked", "")),
        )
    raise DidError(f"The issuer's DID document does not list the key {method_id}")


def resolve_did_key(method_id: str) -> ResolvedKey:
    """A did:key verification method: the public key is the DID itself."""
    did, _, fragment = method_id.partition("#")
    value = did.removeprefix("did:key:")
    if fragment and fragment != value:
        raise DidError(f"{method_id} is not a did:key verification method")
    try:
        public = decode_public(value)
    except KeyError_ as exc:
        raise DidError(f"{did} is not an Ed25519 did:key: {exc}") from None
    return ResolvedKey(id=method_id, controller=did, public_key=public)


def did_key_document(public_multibase: str) -> dict[str, Any]:
    did = f"did:key:{public_multibase}"
    return did_document(did, [PublishedKey(public_multibase)])


class Resolver:
    """Resolves verification methods from known DID documents, and any did:key.

    Nothing is fetched: a did:web is resolved only if its document was given.
    """

    def __init__(self, documents: Iterable[Mapping[str, Any]] = ()) -> None:
        self.documents = {str(d.get("id", "")): d for d in documents}

    def __call__(self, method_id: str) -> ResolvedKey:
        did = method_id.split("#", 1)[0]
        if did.startswith("did:key:"):
            return resolve_did_key(method_id)
        document = self.documents.get(did)
        if document is None:
            raise DidError(
                f"The issuer {did} is not one whose keys are known here: give its DID "
                "document to check its signature"
            )
        return resolve_in_document(document, method_id)
