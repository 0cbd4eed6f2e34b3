"""Small helpers for the portal's wording."""

from __future__ import annotations


def with_article(noun: str) -> str:
    """ "online user" -> "an online user"; "super user" -> "a super user"."""
    noun = str(noun)
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
