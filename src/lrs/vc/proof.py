"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C VC-DI-EdDSA 1.0).

Creating a proof: canonicalize the document without its proof, and the proof options
(type, cryptosuite, created, verificationMethod, proofPurpose) under the document's
``@context``, both with RDFC-1.0; hash each with SHA-256; sign the proof options' hash
followed by the document's hash with Ed25519; ``proofValue`` is the signature in multibase
base58btc (``z``…). Verifying repeats the same steps with the proof's own options.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import base58

from lrs.vc.canon import CanonicalizationError, canonicalize, sha256
from lrs.vc.contexts import UnknownContext
from lrs.vc.multikey import SigningKey, verify_signature

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ASSERTION = "assertionMethod"


class ProofError(ValueError):
    """Why a proof could not be checked (not merely "does not match")."""


def xml_datetime(moment: dt.datetime) -> str:
    """An XML Schema dateTime in UTC to the second, as VC documents use."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _hash_data(unsecured: dict[str, Any], options: dict[str, Any]) -> bytes:
    config = {"@context": unsecured["@context"], **options}
    return sha256(canonicalize(config)) + sha256(canonicalize(unsecured))


def add_proof(
    document: dict[str, Any],
    *,
    key: SigningKey,
    verification_method: str,
    created: dt.datetime,
    proof_purpose: str = ASSERTION,
) -> dict[str, Any]:
    """The document with an eddsa-rdfc-2022 proof by ``key`` (any earlier proof replaced)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xml_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    signature = key.sign(_hash_data(unsecured, options))
    proof = {**options, "proofValue": "z" + base58.b58encode(signature).decode("ascii")}
    return {**unsecured, "proof": proof}


@dataclass(frozen=True)
class ResolvedKey:
    """A verification method as its controller publishes it."""

    id: str
    controller: str
    public_key: bytes
    # Whether the controller lists it for assertions (issuing) now.
    for_assertion: bool = True
    revoked: str = ""


KeyResolver = Callable[[str], ResolvedKey]


@dataclass(frozen=True)
class ProofCheck:
    valid: bool
    proof: dict[str, Any]
    key: ResolvedKey | None
    problem: str = ""

    @property
    def created(self) -> str:
        return str(self.proof.get("created", ""))


def eddsa_proofs(document: dict[str, Any]) -> list[dict[str, Any]]:
    proofs = document.get("proof")
    if proofs is None:
        return []
    listed = proofs if isinstance(proofs, list) else [proofs]
    return [p for p in listed if isinstance(p, dict)]


def verify_proof(document: dict[str, Any], *, resolve: KeyResolver) -> ProofCheck:
    """Check the document's (single) eddsa-rdfc-2022 proof. Never raises for bad input."""
    proofs = eddsa_proofs(document)
    if not proofs:
        return ProofCheck(False, {}, None, "It has no proof: nothing says who issued it")
    proof = proofs[0]
    if len(proofs) > 1:
        return ProofCheck(False, proof, None, "It has more than one proof; LRS checks one")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofCheck(
            False,
            proof,
            None,
            f"Its proof is of a kind LRS does not check ({proof.get('type')} "
            f"{proof.get('cryptosuite', '')}); LRS checks {PROOF_TYPE} {CRYPTOSUITE}",
        )
    if proof.get("proofPurpose") != ASSERTION:
        return ProofCheck(False, proof, None, "Its proof is not for an assertion (issuing)")
    value = str(proof.get("proofValue", ""))
    try:
        signature = base58.b58decode(value[1:]) if value.startswith("z") else b""
    except ValueError:
        signature = b""
    if len(signature) != 64:
        return ProofCheck(False, proof, None, "Its proof value is not an Ed25519 signature")
    created = str(proof.get("created", ""))
    try:
        dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return ProofCheck(False, proof, None, "Its proof has no valid creation time")
    method = str(proof.get("verificationMethod", ""))
    try:
        key = resolve(method)
    except (LookupError, ValueError) as exc:
        return ProofCheck(False, proof, None, str(exc))
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if "@context" not in unsecured:
        return ProofCheck(False, proof, key, "It has no @context")
    try:
        data = _hash_data(unsecured, options)
    except (CanonicalizationError, UnknownContext) as exc:
        return ProofCheck(False, proof, key, str(exc))
    if not verify_signature(key.public_key, signature, data):
        return ProofCheck(
            False,
            proof,
            key,
            "The signature does not match: the credential has been changed since it was "
            "signed, or was not signed with this key",
        )
    return ProofCheck(True, proof, key)
