"""Byte-exact XML output for the wire layer.

Responses are written as text, not through a tree serialiser, because the clients fix
more than the infoset: the HMPPS client regex-matches the ``ns10`` prefix, the live
service declares ``xmlns=""`` on the ``ULN`` children of ``LinkedULNs``, and WCF-style
responses declare ``a:`` and ``i:`` on the result element. Every value goes through
:func:`text` or :func:`attr`, so nothing a caller passes can add markup.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

# Characters XML 1.0 cannot carry even as character references. Values that hold one
# (only possible from stored data, never from a parsed request) get U+FFFD instead, so a
# response is always well-formed.
_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Value = str | int | Decimal | dt.date | None


def clean(value: str) -> str:
    """``value`` with the characters XML 1.0 cannot hold replaced by U+FFFD."""
    return _ILLEGAL.sub("\ufffd", value)


def text(value: str) -> str:
    """Escape character data. ``\\r`` becomes ``&#13;`` so that it survives parsing."""
    return (
        clean(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", "&#13;")
    )


def attr(value: str) -> str:
    """Escape an attribute value written between double quotes."""
    return text(value).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")


def lexical(value: Value, *, date_time: bool = False) -> str | None:
    """The wire form of a plain Python value; ``None`` stays ``None``.

    Dates are ``YYYY-MM-DD``; with ``date_time`` (an ``xs:dateTime`` element) a date
    becomes midnight, ``YYYY-MM-DDT00:00:00``. Date-times drop microseconds. A string is
    taken as already in wire form, which is how a caller fixes a format exactly.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        # bool is an int: refuse it rather than write "True" where "1" was meant.
        raise TypeError("a bool is not a wire value: pass '1'/'0' or 'Y'/'N' explicitly")
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00" if date_time else value.isoformat()
    raise TypeError(f"cannot write a {type(value).__name__} as an XML value")


class Writer:
    """Appends markup; tags and attribute text are the caller's literals."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def open(self, tag: str, attrs: str = "") -> None:
        self._parts.append(f"<{tag}{attrs}>")

    def close(self, tag: str) -> None:
        self._parts.append(f"</{tag}>")

    def empty(self, tag: str, attrs: str = "") -> None:
        self._parts.append(f"<{tag}{attrs}/>")

    def leaf(self, tag: str, value: str, attrs: str = "") -> None:
        """``<tag>value</tag>``, or ``<tag/>`` for an empty string."""
        if value == "":
            self.empty(tag, attrs)
        else:
            self._parts.append(f"<{tag}{attrs}>{text(value)}</{tag}>")

    def raw(self, markup: str) -> None:
        self._parts.append(markup)

    def bytes(self) -> bytes:
        return "".join(self._parts).encode("utf-8")
