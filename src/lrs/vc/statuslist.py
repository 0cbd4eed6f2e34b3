"""Bitstring Status List v1.0: the revocation bits of many credentials in one credential.

The list is a bitstring, bit 0 the most significant bit of the first byte, GZIP-compressed
and encoded as multibase base64url without padding (``u``…). The specification's minimum
length, 131,072 bits (16 KiB), gives herd privacy: a verifier fetching the list learns
nothing about which credential it is checking.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
from collections.abc import Iterable
from typing import Any

from lrs.vc.contexts import VC_V2
from lrs.vc.proof import xml_datetime

MIN_BITS = 131_072
REVOCATION = "revocation"
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_TYPE = "BitstringStatusList"
CREDENTIAL_TYPE = "BitstringStatusListCredential"


class StatusListError(ValueError):
    pass


def encode(set_bits: Iterable[int], length: int = MIN_BITS) -> str:
    if length % 8 or length < MIN_BITS:
        raise StatusListError(f"A status list has a multiple of 8 bits, at least {MIN_BITS}")
    bits = bytearray(length // 8)
    for index in set_bits:
        if not 0 <= index < length:
            raise StatusListError(f"Index {index} is outside the list of {length}")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits always encode to the same text.
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise StatusListError("The encoded list is not multibase base64url (it must start with u)")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return gzip.decompress(compressed)
    except (ValueError, OSError, EOFError):
        raise StatusListError("The encoded list is not GZIP-compressed base64url") from None


def bit(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"Index {index} is outside the list of {len(bits) * 8} entries")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def entry(*, list_url: str, index: int, purpose: str = REVOCATION) -> dict[str, Any]:
    """The ``credentialStatus`` of a credential whose bit is ``index`` in the list."""
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def list_credential(
    *,
    list_url: str,
    issuer: str,
    set_bits: Iterable[int],
    length: int = MIN_BITS,
    valid_from: dt.datetime,
    purpose: str = REVOCATION,
) -> dict[str, Any]:
    """The (unsigned) BitstringStatusListCredential publishing these bits."""
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": xml_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": LIST_TYPE,
            "statusPurpose": purpose,
            "encodedList": encode(set_bits, length),
        },
    }
