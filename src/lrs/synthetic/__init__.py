"""Reproducible synthetic learners and labelled find queries for testing matching.

``generate_learners(n, seed)`` streams registered learners (a million in seconds);
``generate_population`` keeps the unregistered look-alikes too, and
``generate_queries`` derives labelled queries with realistic errors from them.
"""

from lrs.synthetic.people import (
    REFERENCE_DATE,
    SyntheticPerson,
    generate_learners,
    generate_population,
    iter_people,
)
from lrs.synthetic.queries import QUERY_KINDS, LabelledQuery, generate_queries

__all__ = [
    "QUERY_KINDS",
    "REFERENCE_DATE",
    "LabelledQuery",
    "SyntheticPerson",
    "generate_learners",
    "generate_population",
    "generate_queries",
    "iter_people",
]
