"""The shape of API tokens: ``lrs_<key id>_<secret>``; only a digest is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

_TOKEN = re.compile(r"lrs_([a-z0-9]{12})_([A-Za-z0-9_-]{43})")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class NewToken:
    key_id: str
    secret: str

    @property
    def plaintext(self) -> str:
        return f"lrs_{self.key_id}_{self.secret}"


def generate() -> NewToken:
    key_id = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return NewToken(key_id=key_id, secret=secrets.token_urlsafe(32))


def digest(plaintext: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is safe: nothing to brute-force.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def parse(plaintext: str) -> str | None:
    """The key id of a well-formed token, or None."""
    match = _TOKEN.fullmatch(plaintext.strip())
    return match.group(1) if match else None


def matches(plaintext: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(plaintext.strip()), stored_digest)
