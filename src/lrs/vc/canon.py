"""RDF Dataset Canonicalization (RDFC-1.0, which pyld calls URDNA2015) of JSON-LD documents.

Every context comes from the shipped set (lrs.vc.contexts). A term no context defines would
be dropped silently by JSON-LD expansion, so it would be outside the signature while still
on show in the JSON; like Digital Bazaar's "safe mode", such a document is refused.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pyld import jsonld

from lrs.vc.contexts import UnknownContext, document_loader

# Appended to a copy of the document's contexts: a term nothing else defines then expands
# under this prefix instead of vanishing, and can be named.
_UNDEFINED = "urn:lrs:undefined-term:"


class CanonicalizationError(ValueError):
    """The document is not JSON-LD LRS can canonicalize; the message says why."""


def _options() -> dict[str, Any]:
    return {"documentLoader": document_loader}


def _undefined_terms(node: Any, found: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _undefined_terms(item, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key.startswith(_UNDEFINED):
                found.add(key.removeprefix(_UNDEFINED))
            if key == "@type":
                for type_ in value if isinstance(value, list) else [value]:
                    if isinstance(type_, str) and type_.startswith(_UNDEFINED):
                        found.add(type_.removeprefix(_UNDEFINED))
            _undefined_terms(value, found)


def _expand_checked(document: dict[str, Any]) -> Any:
    """The document expanded with the sentinel vocabulary; refuses undefined terms."""
    contexts = document.get("@context")
    if contexts is None:
        raise CanonicalizationError("The document has no @context")
    probe = dict(document)
    probe["@context"] = [*(contexts if isinstance(contexts, list) else [contexts])]
    probe["@context"].append({"@vocab": _UNDEFINED})
    try:
        expanded = jsonld.expand(probe, _options())
    except jsonld.JsonLdError as exc:
        raise CanonicalizationError(_reason(exc)) from None
    found: set[str] = set()
    _undefined_terms(expanded, found)
    if found:
        raise CanonicalizationError(
            "The document uses terms its contexts do not define, which a signature would "
            f"not cover: {', '.join(sorted(found))}"
        )
    return expanded


def check_terms(document: dict[str, Any]) -> None:
    """Refuse a document that uses a term or type its contexts do not define."""
    _expand_checked(document)


def _reason(exc: jsonld.JsonLdError) -> str:
    cause = exc
    while isinstance(getattr(cause, "cause", None), jsonld.JsonLdError):
        cause = cause.cause
    if isinstance(getattr(cause, "cause", None), UnknownContext):
        raise cause.cause
    return f"The document is not valid JSON-LD: {cause.msg if hasattr(cause, 'msg') else cause}"


def canonicalize(document: dict[str, Any]) -> str:
    """The document's canonical N-Quads (RDFC-1.0)."""
    expanded = _expand_checked(document)
    # The sentinel can still appear as a value (a vocabulary-typed value that is no term,
    # e.g. an unknown proofPurpose); only then does the expansion differ from the plain
    # one, so canonicalize the document itself. Otherwise reuse the expansion: processing
    # the contexts is most of the cost.
    source = document if _UNDEFINED in json.dumps(expanded) else expanded
    try:
        nquads: str = jsonld.normalize(
            source,
            {**_options(), "algorithm": "URDNA2015", "format": "application/n-quads"},
        )
    except jsonld.JsonLdError as exc:
        raise CanonicalizationError(_reason(exc)) from None
    return nquads


def sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()
