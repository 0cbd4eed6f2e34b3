"""A hardened, streaming XML parser for batch files (defusedxml over expat).

No DTD, no entity declarations, no external references and nothing fetched from the
network. Each refusal says which of these the file tried, because "not allowed" alone
does not tell an honest sender what to remove.
"""

from __future__ import annotations

from typing import Any

from defusedxml.ElementTree import DefusedXMLParser

XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"


class XmlSecurityError(Exception):
    """The document tried something a batch file must never do."""


_REMOVE = "Remove the <!DOCTYPE …> declaration: batch files need none."


class HardenedXMLParser(DefusedXMLParser):
    """An ElementTree parser feeding ``target`` that refuses DTDs and entities.

    Entity declarations are refused as they are declared, before the end of the DTD,
    so an external entity (XXE) and an entity-expansion bomb ("billion laughs") each get
    their own message; any other DTD is refused at its end.
    """

    def __init__(self, target: Any) -> None:
        super().__init__(
            target=target, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
        expat = self.parser
        expat.StartDoctypeDeclHandler = self._start_doctype
        expat.EndDoctypeDeclHandler = self._end_doctype
        expat.EntityDeclHandler = self._entity_decl
        expat.UnparsedEntityDeclHandler = self._unparsed_entity_decl
        expat.ExternalEntityRefHandler = self._external_ref
        self._doctype_system_id: str | None = None

    @property
    def line(self) -> int:
        return int(self.parser.CurrentLineNumber)

    def _start_doctype(
        self, name: str, system_id: str | None, public_id: str | None, has_internal: int
    ) -> None:
        self._doctype_system_id = system_id or public_id

    def _end_doctype(self) -> None:
        if self._doctype_system_id:
            raise XmlSecurityError(
                f"The file refers to an external DTD ({self._doctype_system_id!r}) at line "
                f"{self.line}. External documents are never fetched. {_REMOVE}"
            )
        raise XmlSecurityError(
            f"The file contains a document type declaration (DTD) at line {self.line}. "
            f"DTDs are not allowed in batch files. {_REMOVE}"
        )

    def _entity_decl(
        self,
        name: str,
        is_parameter_entity: bool,
        value: str | None,
        base: str | None,
        system_id: str | None,
        public_id: str | None,
        notation_name: str | None,
    ) -> None:
        if system_id or public_id:
            raise XmlSecurityError(
                f"The file declares an external entity {name!r} ({system_id or public_id!r}) "
                f"at line {self.line}: external entities (XXE) could read files or reach the "
                f"network, so they are refused. {_REMOVE}"
            )
        raise XmlSecurityError(
            f"The file declares the entity {name!r} at line {self.line}: entity declarations "
            "are refused because they allow entity expansion attacks ('billion laughs'). "
            f"{_REMOVE}"
        )

    def _unparsed_entity_decl(
        self,
        name: str,
        base: str | None,
        system_id: str | None,
        public_id: str | None,
        notation_name: str | None,
    ) -> None:
        raise XmlSecurityError(
            f"The file declares an external (unparsed) entity {name!r} at line {self.line}: "
            f"external entities (XXE) are refused. {_REMOVE}"
        )

    def _external_ref(
        self, context: str | None, base: str | None, system_id: str | None, public_id: str | None
    ) -> int:
        raise XmlSecurityError(
            f"The file refers to an external entity ({system_id or public_id!r}) at line "
            f"{self.line}: external entities (XXE) are refused. {_REMOVE}"
        )
