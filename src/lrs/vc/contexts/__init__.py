"""The JSON-LD contexts LRS ships, and a document loader that serves only them.

Canonicalization resolves every ``@context`` a credential names. Fetching one from the
network while signing or verifying would let whoever serves it change what a signature
covers (and would make LRS call out to arbitrary addresses), so nothing is ever fetched:
a context not listed here is refused. README.md beside this file says where each came from.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_V2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"

FILES: dict[str, str] = {
    VC_V2: "credentials-v2.json",
    DATA_INTEGRITY_V2: "data-integrity-v2.json",
    MULTIKEY_V1: "multikey-v1.json",
    DID_V1: "did-v1.json",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    CLR_V2: "clr-v2p0-context-2.0.1.json",
}


class UnknownContext(ValueError):
    """A document names a context LRS does not ship; it is never fetched."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"The context {url} is not one LRS knows; LRS never fetches contexts from the "
            "network, so it cannot check a document that uses it"
        )
        self.url = url


@cache
def context(url: str) -> dict[str, Any]:
    name = FILES.get(url)
    if name is None:
        raise UnknownContext(url)
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """A pyld documentLoader that serves the shipped contexts and refuses anything else."""
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": context(url),
        # pyld keeps a resolved context in its shared cache only when the loader tags it
        # "static" (it never changes): without this every expansion re-processes them.
        "tag": "static",
    }
