"""Which strings are real given names, to tell a typing error from another person's name.

A given name that differs from the register's by one keystroke is usually a typo
("Jonh" for John), but twins and siblings are given names that differ by as little
("Aidan" and "Aiden", "Jon" and "John"). The difference: a typo makes a string that is
nobody's name. So a typo may count towards an exact match only when the query's given
name is not a known given name and the candidate's is the only known name one edit away.

Known names are the register's own given names plus ~48,000 given names of many
countries (the name dictionary shipped with ``gender-guesser``), the given-name lists of
several locales (Faker's) and the nickname table: a national register meets far more
names than any one register holds.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from functools import cache
from importlib import resources

from faker import Faker
from rapidfuzz import process
from rapidfuzz.distance import OSA

from lrs.matching.normalise import _nicknamer, name_compact

__all__ = ["GivenNames", "base_given_names", "edits1"]

_LOCALES = (
    "en_GB", "en_IE", "en_US", "en_IN", "en_NG", "en_PK", "fr_FR", "de_DE", "it_IT",
    "es_ES", "pl_PL", "pt_PT", "nl_NL", "tr_TR", "ro_RO", "ga_IE",
)  # fmt: skip
_LETTERS = string.ascii_uppercase


@cache
def base_given_names() -> frozenset[str]:
    """Given names known without looking at any register (compact normalised form)."""
    names: set[str] = set()
    for locale in _LOCALES:
        try:
            provider = Faker(locale)
        except AttributeError:  # pragma: no cover - a locale missing from Faker
            continue
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            pool = getattr(provider, attribute, None)
            if pool:
                names.update(name_compact(str(n)) for n in pool)
    names.update(_dictionary_names())
    nn = _nicknamer()
    for table in (nn._nickname_lookup, nn._canonical_lookup):
        for key, values in table.items():
            names.add(name_compact(key))
            names.update(name_compact(v) for v in values)
    names.discard("")
    return frozenset(names)


def _dictionary_names() -> set[str]:
    # Fixed-width lines: two gender columns, a space, the name up to column 29; "+"
    # joins the parts of a compound name.
    text = (
        resources.files("gender_guesser")
        .joinpath("data/nam_dict.txt")
        .read_text(encoding="iso-8859-1")
    )
    names = set()
    for line in text.splitlines():
        if line.startswith("#") or len(line) < 4:
            continue
        raw = line[3:29].strip().replace("+", " ")
        if raw and "<" not in raw:
            names.add(name_compact(raw))
    return names


def edits1(name: str) -> set[str]:
    """Every string one optimal-string-alignment edit from ``name`` (upper-case letters)."""
    splits = [(name[:i], name[i:]) for i in range(len(name) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return (deletes | transposes | replaces | inserts) - {name}


class GivenNames:
    """The known given names: a base list plus the register's own."""

    def __init__(self, register_names: Iterable[str] = ()) -> None:
        self.names = base_given_names() | frozenset(register_names)
        self._listed: tuple[str, ...] | None = None

    def __contains__(self, compact: str) -> bool:
        return compact in self.names

    def is_unambiguous_typo(self, query: str, candidate: str) -> bool:
        """Whether ``query`` reads as a typing error for ``candidate`` and nobody else.

        It must not be a name itself, must be long enough for one slip to be told from
        another name (four letters or more), and ``candidate`` must be the only known
        given name one edit away.
        """
        if len(query) < 4 or query in self.names:
            return False
        return all(other == candidate for other in edits1(query) if other in self.names)

    def is_unambiguous_two_slips(self, query: str, candidate: str) -> bool:
        """Whether ``query`` reads as two typing errors in ``candidate`` and nobody else's
        name: ``is_unambiguous_typo`` at two edits. The query must not be a name, must be
        long enough that two slips leave most of it (five letters or more), must be two
        edits from ``candidate``, and no other known given name may be within two edits.
        """
        if len(query) < 5 or query in self.names or OSA.distance(query, candidate) != 2:
            return False
        if self._listed is None:
            self._listed = tuple(sorted(self.names))
        near = process.extract(query, self._listed, scorer=OSA.distance, score_cutoff=2, limit=None)
        return all(name == candidate for name, _distance, _index in near)
