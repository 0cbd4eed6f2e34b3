"""Ed25519 keys in the Multikey encoding (multicodec header, then multibase base58btc).

A public key is ``z`` + base58btc(0xed 0x01 + 32 bytes): the ``publicKeyMultibase`` of a
DID document and, after ``did:key:``, a did:key. A secret key is ``z`` +
base58btc(0x80 0x26 + 32-byte seed), the ``secretKeyMultibase`` Digital Bazaar's
ed25519-multikey exports; LRS keeps its signing key in settings in this form.
"""

from __future__ import annotations

from dataclasses import dataclass

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PUBLIC_HEADER = b"\xed\x01"
SECRET_HEADER = b"\x80\x26"


class KeyError_(ValueError):
    """A key in the wrong form: says what form was expected."""


def _decode(value: str, header: bytes, what: str) -> bytes:
    value = (value or "").strip()
    if not value.startswith("z"):
        raise KeyError_(f"{what} must be multibase base58btc (start with 'z')")
    try:
        raw = base58.b58decode(value[1:])
    except ValueError:
        raise KeyError_(f"{what} is not valid base58btc") from None
    if not raw.startswith(header):
        raise KeyError_(
            f"{what} is not an Ed25519 {what.split()[0].lower()} key (wrong multicodec)"
        )
    return raw[len(header) :]


def encode_public(raw: bytes) -> str:
    return "z" + base58.b58encode(PUBLIC_HEADER + raw).decode("ascii")


def decode_public(value: str) -> bytes:
    raw = _decode(value, PUBLIC_HEADER, "Public key")
    if len(raw) != 32:
        raise KeyError_("An Ed25519 public key has 32 bytes")
    return raw


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 private key and its public Multikey."""

    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_multibase(cls, value: str) -> SigningKey:
        raw = _decode(value, SECRET_HEADER, "Secret key")
        # 32 bytes is the seed; some tools export seed + public key (64 bytes).
        if len(raw) not in (32, 64):
            raise KeyError_("An Ed25519 secret key has 32 bytes (or 64 with its public key)")
        key = cls(Ed25519PrivateKey.from_private_bytes(raw[:32]))
        if len(raw) == 64 and raw[32:] != key.public_raw:
            raise KeyError_("The secret key's public half does not match its seed")
        return key

    @property
    def secret_multibase(self) -> str:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        seed = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return "z" + base58.b58encode(SECRET_HEADER + seed).decode("ascii")

    @property
    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def public_multibase(self) -> str:
        return encode_public(self.public_raw)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


def verify_signature(public_raw: bytes, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True
