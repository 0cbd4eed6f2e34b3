"""Normalisation of names and UK postcodes for matching.

Everything here is deterministic and cheap, and the results are cached where the same
inputs recur (names are heavily repeated across a register), because normalised forms are
computed for every record loaded and every query.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from nicknames import NickNamer

__all__ = [
    "InvalidPostcodeError",
    "PostcodeParts",
    "fold",
    "is_pseudo_postcode",
    "name_compact",
    "name_parts",
    "normalise_postcode",
    "phonetic",
    "postcode_parts",
    "related_given_names",
    "try_normalise_postcode",
]

# Letters that NFKD does not decompose into a base letter plus a combining mark.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ß": "SS",
        "ẞ": "SS",
        "Æ": "AE",
        "æ": "AE",
        "Œ": "OE",
        "œ": "OE",
        "Ø": "O",
        "ø": "O",
        "Ł": "L",
        "ł": "L",
        "Đ": "D",
        "đ": "D",
        "Ð": "D",
        "ð": "D",
        "Þ": "TH",
        "þ": "TH",
        "\u0131": "I",  # dotless i
    }
)
# Apostrophes vanish (O'Brien is written OBrien as often as O Brien); every other
# non-letter separates parts of a name.
_APOSTROPHES = re.compile("['`\u00b4\u02bc\u2019\u2018]")
_NON_LETTERS = re.compile(r"[^A-Z]+")
# A register holds hundreds of thousands of distinct names at most; a bounded cache keeps
# normalisation from dominating load time without growing without limit.
_CACHE_SIZE = 1 << 18


@lru_cache(maxsize=_CACHE_SIZE)
def fold(text: str) -> str:
    """Fold text to upper-case ASCII letters separated by single spaces.

    >>> fold("  Zoë  O'Brien-Smith ")
    'ZOE OBRIEN SMITH'
    """
    text = _APOSTROPHES.sub("", text.translate(_SPECIAL_LETTERS))
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_LETTERS.sub(" ", stripped.upper()).strip()


# A lone "O", "MC" or "MAC" written as a separate word belongs to the following word:
# "O Brien" is "OBrien", "Mac Donald" is "MacDonald".
_JOINING_PREFIXES = frozenset({"O", "MC", "MAC"})


@lru_cache(maxsize=_CACHE_SIZE)
def name_parts(name: str) -> tuple[str, ...]:
    """Split a name into its normalised parts (double-barrelled and multi-part names).

    "Mc" is rewritten "MAC" so that McDonald and MacDonald compare equal, and "St" as
    "SAINT" so that St John and Saint John do.

    >>> name_parts("Smith-Jones")
    ('SMITH', 'JONES')
    >>> name_parts("Mc Donald")
    ('MACDONALD',)
    """
    words = fold(name).split()
    parts: list[str] = []
    pending = ""
    for word in words:
        if word in _JOINING_PREFIXES:
            pending += word
            continue
        word = pending + word
        pending = ""
        if word.startswith("MC") and len(word) > 3:
            word = "MAC" + word[2:]
        elif word == "ST":
            word = "SAINT"
        parts.append(word)
    if pending:
        parts.append(pending)
    return tuple(parts)


@lru_cache(maxsize=_CACHE_SIZE)
def name_compact(name: str) -> str:
    """The name as one run of letters: the form compared for exact agreement.

    >>> name_compact("de la Cruz")
    'DELACRUZ'
    """
    return "".join(name_parts(name))


# Metaphone codes grow with the name; ten characters distinguish names well enough and
# keep the blocking-key columns short.
PHONETIC_MAX = 10


@lru_cache(maxsize=_CACHE_SIZE)
def phonetic(compact: str) -> str:
    """Metaphone code of an already compacted name, truncated to PHONETIC_MAX."""
    if not compact:
        return ""
    # Metaphone gives nothing for some all-vowel names ("Ee", "Aa"); the letters
    # themselves then stand for the sound, so such names still get blocking keys.
    code = jellyfish.metaphone(compact).upper() or compact
    return code[:PHONETIC_MAX]


_NICKNAMER: NickNamer | None = None


def _nicknamer() -> NickNamer:
    # Loading the nickname table takes ~30 ms; only do it when a name is first expanded.
    global _NICKNAMER
    if _NICKNAMER is None:
        _NICKNAMER = NickNamer()
    return _NICKNAMER


@lru_cache(maxsize=_CACHE_SIZE)
def related_given_names(first_given: str) -> frozenset[str]:
    """The name itself plus its nicknames, formal forms, and the other nicknames of those.

    Going through the formal form makes siblings equivalent: Bill and Will are both
    diminutives of William.

    >>> {"WILLIAM", "BILL", "WILL"} <= related_given_names("BILL")
    True
    """
    if not first_given:
        return frozenset()
    nn = _nicknamer()
    lower = first_given.lower()
    related = {lower}
    canonicals = nn.canonicals_of(lower)
    related |= canonicals
    related |= nn.nicknames_of(lower)
    for canonical in canonicals:
        related |= nn.nicknames_of(canonical)
    return frozenset(name_compact(n) for n in related if n)


class InvalidPostcodeError(ValueError):
    """The text is neither a UK postcode nor a BFPO number."""


@dataclass(frozen=True, slots=True)
class PostcodeParts:
    """The nested geography of a postcode, e.g. CV, CV4, CV4 9, CV4 9EE."""

    area: str
    district: str
    sector: str
    unit: str


# Outward code: area (1-2 letters) then district (digit, optional digit or letter).
# Inward code: sector digit then two unit letters; C, I, K, M, O and V are never used there.
_POSTCODE = re.compile(r"^([A-Z]{1,2})([0-9][0-9A-Z]?)([0-9])([ABD-HJLNP-UW-Z]{2})$")
_BFPO = re.compile(r"^BFPO(?:CO)?([0-9]{1,4})$")


@lru_cache(maxsize=_CACHE_SIZE)
def normalise_postcode(text: str) -> str:
    """Return the postcode in its standard form, or raise InvalidPostcodeError.

    >>> normalise_postcode("cv49ee")
    'CV4 9EE'
    >>> normalise_postcode("bfpo  123")
    'BFPO 123'
    """
    squashed = re.sub(r"[^A-Z0-9]", "", text.upper())
    if not squashed:
        raise InvalidPostcodeError("Postcode is empty.")
    bfpo = _BFPO.match(squashed)
    if bfpo:
        return f"BFPO {int(bfpo.group(1))}"
    if squashed == "GIR0AA":
        return "GIR 0AA"
    match = _POSTCODE.match(squashed)
    if not match or len(squashed) > 7:
        raise InvalidPostcodeError(
            f"{text.strip()!r} is not a UK postcode (for example CV4 9EE) or a BFPO number "
            "(for example BFPO 123)."
        )
    area, district, sector, unit = match.groups()
    return f"{area}{district} {sector}{unit}"


def try_normalise_postcode(text: str | None) -> str | None:
    """normalise_postcode, but None instead of an error for missing or invalid input."""
    if not text:
        return None
    try:
        return normalise_postcode(text)
    except InvalidPostcodeError:
        return None


def is_pseudo_postcode(postcode: str) -> bool:
    """True for the ZZ99 pseudo-postcodes that data returns use for "unknown" or "abroad".

    They carry no location, and thousands of people share each, so they must neither be
    blocked on nor count as agreement.
    """
    return postcode.startswith("ZZ99")


@lru_cache(maxsize=_CACHE_SIZE)
def postcode_parts(postcode: str) -> PostcodeParts:
    """Split a normalised postcode into area, district, sector and unit.

    >>> postcode_parts("CV4 9EE")
    PostcodeParts(area='CV', district='CV4', sector='CV4 9', unit='CV4 9EE')
    """
    if postcode.startswith("BFPO"):
        # A BFPO number is one delivery point with no finer or coarser geography.
        return PostcodeParts(area="BFPO", district=postcode, sector=postcode, unit=postcode)
    outward, inward = postcode.split(" ")
    area = "".join(ch for ch in outward[:2] if ch.isalpha())
    return PostcodeParts(
        area=area, district=outward, sector=f"{outward} {inward[0]}", unit=postcode
    )
