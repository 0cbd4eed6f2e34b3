"""Reads of the guidance: which guides and pages a viewer may see, and the search."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from lrs.core.errors import NotFound
from lrs.guidance.content import (
    PUBLIC,
    Guide,
    Library,
    Page,
    SearchEntry,
    load_library,
)

_cached: Library | None = None

MAX_RESULTS = 50
_TERM = re.compile(r"\w+")
SNIPPET_LENGTH = 220


def library() -> Library:
    """Every guide, parsed once at first use; re-read on every call in DEBUG so authors
    see their edits without a restart."""
    global _cached
    if settings.DEBUG:
        return load_library()
    if _cached is None:
        _cached = load_library()
    return _cached


def is_service_desk_user(user: Any) -> bool:
    """A signed-in user of an active LRS service desk organisation."""
    return bool(getattr(user, "is_authenticated", False)) and user.in_service_desk()


def _may_see(user: Any, guide: Guide) -> bool:
    return guide.audience == PUBLIC or is_service_desk_user(user)


def guides_visible_to(*, user: Any) -> list[Guide]:
    return [guide for guide in library().guides if _may_see(user, guide)]


def guide_get(*, user: Any, slug: str) -> Guide:
    """The guide, or NotFound: a guide the viewer may not see does not exist for them."""
    guide = library().guide(slug)
    if guide is None or not _may_see(user, guide):
        raise NotFound("There is no such guide")
    return guide


def page_get(*, user: Any, guide_slug: str, page_slug: str) -> tuple[Guide, Page]:
    guide = guide_get(user=user, slug=guide_slug)
    page = guide.page(page_slug)
    if page is None:
        raise NotFound("There is no such page in this guide")
    return guide, page


@dataclass(frozen=True)
class SearchResult:
    guide_title: str
    page_title: str
    section_title: str
    href: str
    snippet: str
    score: int


def search_terms(query: str) -> list[str]:
    """The distinct words of ``query``, lower case. Single letters (the "s" of
    "learner's") would match nearly every section, so they count only when the query
    has nothing else."""
    words = list(dict.fromkeys(term.lower() for term in _TERM.findall(query)))
    longer = [word for word in words if len(word) > 1]
    return longer or words


def _snippet(text: str, terms: list[str]) -> str:
    lowered = text.lower()
    positions = [lowered.find(term) for term in terms if term in lowered]
    if not positions:
        snippet = text[:SNIPPET_LENGTH]
        return snippet + ("…" if len(text) > SNIPPET_LENGTH else "")
    start = max(0, min(positions) - 60)
    # Start at a word boundary so the snippet does not open mid-word.
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < min(positions) else start
    end = min(len(text), start + SNIPPET_LENGTH)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _score(entry: SearchEntry, terms: list[str]) -> int:
    """Matches in a section's heading count far more than in the page title, and those
    more than in the body. Every term must appear somewhere in the section or its page
    title."""
    heading = entry.section.title.lower()
    page_title = entry.page.title.lower()
    body = entry.section.text.lower()
    score = 0
    for term in terms:
        in_heading = term in heading
        in_title = term in page_title
        in_body = body.count(term)
        if not (in_heading or in_title or in_body):
            return 0
        score += 20 * in_heading + 5 * in_title + min(in_body, 5)
    return score


def guidance_search(*, user: Any, query: str) -> list[SearchResult]:
    """The sections of the pages the viewer may see that match every word of ``query``,
    best first."""
    terms = search_terms(query)
    if not terms:
        return []
    scored = []
    for entry in library().entries:
        if not _may_see(user, entry.guide):
            continue
        score = _score(entry, terms)
        if score:
            scored.append((score, entry))
    scored.sort(key=lambda pair: -pair[0])
    results = []
    seen: set[str] = set()
    for score, entry in scored:
        # A shared page appears in several guides: show it once, in the first guide.
        key = f"{entry.page.source}#{entry.section.anchor}"
        if key in seen:
            continue
        seen.add(key)
        results.append(
            SearchResult(
                guide_title=entry.guide.title,
                page_title=entry.page.title,
                section_title=entry.section.title,
                href=entry.href,
                snippet=_snippet(entry.section.text, terms),
                score=score,
            )
        )
        if len(results) >= MAX_RESULTS:
            break
    return results
