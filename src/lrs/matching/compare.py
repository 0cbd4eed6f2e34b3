"""Per-field comparison levels.

Each comparison returns a small integer level (lower is stronger agreement). Levels are
plain ints rather than enum members because they are computed for every candidate of
every find; the labels shown to people live in the ``*_LABELS`` tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import OSA, JaroWinkler

from lrs.matching.demographics import Demographics, Prepared, prepare

__all__ = [
    "DOB_LABELS",
    "FIELDS",
    "GENDER_LABELS",
    "LABELS",
    "NAME_LABELS",
    "OPTIONAL_LABELS",
    "POSTCODE_LABELS",
    "Comparison",
    "compare_dob",
    "compare_family",
    "compare_fields",
    "compare_gender",
    "compare_given",
    "compare_optional",
    "compare_postcode",
]

# Name levels, shared by given and family names (NICKNAME only arises for given names,
# PREVIOUS only for family names).
N_EXACT, N_NICKNAME, N_PREVIOUS, N_PART, N_PHONETIC, N_TYPO, N_SIMILAR, N_INITIAL, N_DIFF = range(9)
NAME_LABELS = (
    "exact",
    "nickname or formal form",
    "matches previous family name",
    "one part of the name agrees",
    "sounds alike",
    "one typing error",
    "similar spelling",
    "initial only",
    "different",
)
D_EXACT, D_SWAPPED, D_TYPO, D_YEAR, D_DIFF = range(5)
DOB_LABELS = (
    "exact",
    "day and month swapped",
    "one digit different",
    "same year only",
    "different",
)
P_UNIT, P_SECTOR, P_DISTRICT, P_AREA, P_DIFF, P_MISSING = range(6)
POSTCODE_LABELS = (
    "same postcode",
    "same postcode sector",
    "same postcode district",
    "same postcode area",
    "different",
    "not known",
)
G_AGREE, G_DIFF, G_UNKNOWN = range(3)
GENDER_LABELS = ("same", "different", "not known")
O_AGREE, O_SIMILAR, O_DIFF, O_MISSING = range(4)
OPTIONAL_LABELS = ("same", "similar", "different", "not given")

FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "gender",
    "school_at_16",
    "place_of_birth",
    "email",
)
LABELS: dict[str, tuple[str, ...]] = {
    "given_name": NAME_LABELS,
    "family_name": NAME_LABELS,
    "date_of_birth": DOB_LABELS,
    "postcode": POSTCODE_LABELS,
    "gender": GENDER_LABELS,
    "school_at_16": OPTIONAL_LABELS,
    "place_of_birth": OPTIONAL_LABELS,
    "email": OPTIONAL_LABELS,
}

# Jaro-Winkler similarity at or above which two different spellings count as "similar".
SIMILAR_NAME = 0.88

_jw = JaroWinkler.normalized_similarity
_osa = OSA.distance


def _spelling_level(a: str, b: str, a_phon: str, b_phon: str) -> int:
    """Levels that depend on spelling alone (both names non-empty and different)."""
    if len(a) == 1 or len(b) == 1:
        return N_INITIAL if a[0] == b[0] else N_DIFF
    # A single slip of the keyboard is tested before sound: metaphone ignores vowels, so
    # it would file most typos as "sounds alike", which is weaker evidence.
    if _osa(a, b, score_cutoff=1) <= 1:
        return N_TYPO
    if a_phon == b_phon:
        return N_PHONETIC
    if _jw(a, b, score_cutoff=SIMILAR_NAME):
        return N_SIMILAR
    return N_DIFF


def compare_given(q: Prepared, c: Prepared) -> int:
    qn = q.given
    cn = c.given
    if qn == cn:
        return N_EXACT if qn else N_DIFF
    if not qn or not cn:
        return N_DIFF
    qf = q.given_first
    cf = c.given_first
    if qf == cf or cf in q.other_given or qf in c.other_given:
        return N_PART
    if cf in q.given_related:
        return N_NICKNAME
    return _spelling_level(qn, cn, q.given_phon, c.given_phon)


def compare_family(q: Prepared, c: Prepared) -> int:
    qn = q.family
    cn = c.family
    if qn == cn:
        return N_EXACT if qn else N_DIFF
    if not qn or not cn:
        return N_DIFF
    qp = q.previous
    cp = c.previous
    if (cp and (qn == cp or qp == cp)) or qp == cn:
        return N_PREVIOUS
    if len(q.family_parts) > 1 or len(c.family_parts) > 1:
        cparts = c.family_parts
        for part in q.family_parts:
            if part in cparts:
                return N_PART
    return _spelling_level(qn, cn, q.family_phon, c.family_phon)


def compare_swapped(q: Prepared, c: Prepared) -> tuple[int, int]:
    """Levels of (query given vs candidate family, query family vs candidate given)."""
    a = (
        N_EXACT
        if q.given == c.family
        else _spelling_level(q.given, c.family, q.given_phon, c.family_phon)
    )
    b = (
        N_EXACT
        if q.family == c.given
        else _spelling_level(q.family, c.given, q.family_phon, c.given_phon)
    )
    return a, b


def _may_be_swapped(q: Prepared, c: Prepared) -> bool:
    # Crosswise agreement needs at least the first letter or the sound of each name to
    # agree; checking that first skips the costly comparison for almost every pair.
    qg, qf, cg, cf = q.given, q.family, c.given, c.family
    return bool(
        qg
        and qf
        and cg
        and cf
        and (qg[0] == cf[0] or q.given_phon == c.family_phon)
        and (qf[0] == cg[0] or q.family_phon == c.given_phon)
    )


def compare_dob(q: Prepared, c: Prepared) -> int:
    a = q.dob_text
    b = c.dob_text
    if a == b:
        return D_EXACT
    same_year = a[:4] == b[:4]
    if same_year and a[4:6] == b[6:8] and a[6:8] == b[4:6]:
        return D_SWAPPED
    first = -1
    second = -1
    for i in range(8):
        if a[i] != b[i]:
            if first < 0:
                first = i
            elif second < 0:
                second = i
            else:
                return D_YEAR if same_year else D_DIFF
    if second < 0:
        return D_TYPO
    if second == first + 1 and a[first] == b[second] and a[second] == b[first]:
        # Two neighbouring digits transposed (1987 for 1978) is also a single slip.
        return D_TYPO
    return D_YEAR if same_year else D_DIFF


def compare_postcode(q: Prepared, c: Prepared) -> int:
    if not q.postcode or not c.postcode:
        return P_MISSING
    if q.postcode == c.postcode:
        return P_UNIT
    if q.sector == c.sector:
        return P_SECTOR
    if q.district == c.district:
        return P_DISTRICT
    if q.area == c.area:
        return P_AREA
    return P_DIFF


def compare_gender(q: Prepared, c: Prepared) -> int:
    if not q.gender or not c.gender:
        return G_UNKNOWN
    return G_AGREE if q.gender == c.gender else G_DIFF


def compare_optional(a: str, b: str, *, fuzzy: bool = True) -> int:
    """Compare an optional field; MISSING unless both sides supplied it."""
    if not a or not b:
        return O_MISSING
    if a == b:
        return O_AGREE
    if fuzzy and _jw(a, b, score_cutoff=0.9):
        return O_SIMILAR
    return O_DIFF


@dataclass(frozen=True, slots=True)
class Comparison:
    """The comparison level of every field, and whether the names matched crosswise."""

    given_name: int
    family_name: int
    date_of_birth: int
    postcode: int
    gender: int
    school_at_16: int
    place_of_birth: int
    email: int
    names_swapped: bool

    def labels(self) -> dict[str, str]:
        return {f: LABELS[f][getattr(self, f)] for f in FIELDS}


def names_levels(
    q: Prepared, c: Prepared, given: int | None = None, family: int | None = None
) -> tuple[int, int, bool]:
    """Given and family levels, trying the names crosswise when straight comparison fails.

    The crosswise reading is used only when it turns a disagreement into agreement on
    both names, so it needs no weights to decide. Levels already worked out by the
    caller can be passed in.
    """
    if given is None:
        given = compare_given(q, c)
    if family is None:
        family = compare_family(q, c)
    if (given == N_DIFF or family == N_DIFF) and _may_be_swapped(q, c):
        a, b = compare_swapped(q, c)
        if a <= N_SIMILAR and b <= N_SIMILAR and a + b < given + family:
            return a, b, True
    return given, family, False


def compare_fields(
    query: Demographics | Prepared, candidate: Demographics | Prepared
) -> Comparison:
    """Compare every field of two people (for inspection; scoring inlines the same)."""
    q = prepare(query)
    c = prepare(candidate)
    given, family, swapped = names_levels(q, c)
    return Comparison(
        given_name=given,
        family_name=family,
        date_of_birth=compare_dob(q, c),
        postcode=compare_postcode(q, c),
        gender=compare_gender(q, c),
        school_at_16=compare_optional(q.school, c.school),
        place_of_birth=compare_optional(q.place, c.place),
        email=compare_optional(q.email, c.email, fuzzy=False),
        names_swapped=swapped,
    )
