"""The guides' content stays true: every internal link resolves to a page that exists
(and its #anchor to a heading or row on that page), and the providers guide's table of
return codes lists exactly the codes of lrs.batchfiles.return_codes."""

from __future__ import annotations

import html as html_lib
import re
from functools import cache

import pytest
from django.urls import Resolver404, resolve

from lrs.batchfiles.return_codes import ReturnCode
from lrs.guidance.content import Library, load_library

pytestmark = pytest.mark.django_db

_HREF = re.compile(r'href="([^"]*)"')


@cache
def _library() -> Library:
    return load_library()


def _internal_links() -> list[tuple[str, str]]:
    """(page source, href) for every link in the content that stays on this site."""
    links = []
    seen = set()
    for guide in _library().guides:
        for page in guide.pages:
            if page.source in seen:
                continue
            seen.add(page.source)
            hrefs = _HREF.findall(page.rendered.html) + [link.href for link in page.related]
            for href in hrefs:
                href = html_lib.unescape(href)
                if href.startswith(("/", "#")):
                    links.append((page.source, href))
    return links


def test_the_content_has_internal_links_to_check():
    assert len(_internal_links()) > 50


def test_every_internal_link_in_the_guides_resolves_and_its_anchor_exists(client):
    library = _library()
    problems = []
    fetched: dict[str, str] = {}
    for source, href in _internal_links():
        path, _, anchor = href.partition("#")
        path = path.split("?", 1)[0]  # a query string does not change which page it is
        if not path:  # a link within the same page
            page = next(p for g in library.guides for p in g.pages if p.source == source)
            if anchor not in page.rendered.anchors:
                problems.append(f"{source}.md: {href} (no such heading on this page)")
            continue
        try:
            resolve(path)
        except Resolver404:
            problems.append(f"{source}.md: {href} (no such page)")
            continue
        if path.startswith("/guidance/reference/"):
            if path not in fetched:
                response = client.get(path)
                fetched[path] = response.content.decode() if response.status_code == 200 else ""
                if response.status_code != 200:
                    problems.append(f"{source}.md: {href} (status {response.status_code})")
                    continue
            if anchor and f'id="{anchor}"' not in fetched[path]:
                problems.append(f"{source}.md: {href} (no id={anchor!r} on that page)")
            continue
        if path.startswith("/guidance/"):
            parts = [part for part in path.split("/") if part]
            if len(parts) == 3:
                page = library.page_at(path)
                if page is None:
                    problems.append(f"{source}.md: {href} (no such guidance page)")
                elif anchor and anchor not in page.rendered.anchors:
                    problems.append(f"{source}.md: {href} (no heading with id {anchor!r})")
            elif len(parts) == 2 and library.guide(parts[1]) is None:
                problems.append(f"{source}.md: {href} (no such guide)")
    assert problems == []


def test_the_providers_return_code_table_lists_exactly_the_services_return_codes():
    page = _library().page_at("/guidance/providers/batch-files/")
    assert page is not None
    section = next(s for s in page.rendered.sections if s.anchor == "return-codes")
    listed = re.findall(r"\bRC\d{3}\b", section.text)
    assert sorted(set(listed)) == sorted(code.value for code in ReturnCode)
    table = page.rendered.html.split('id="return-codes"', 1)[1]
    rows = re.findall(
        r'<td class="govuk-table__cell"><a class="govuk-link" href="[^"]+">(RC\d{3})', table
    )
    assert rows == [code.value for code in ReturnCode]


def test_each_return_code_in_the_table_links_to_its_reference_page():
    page = _library().page_at("/guidance/providers/batch-files/")
    assert page is not None
    for code in ReturnCode:
        assert (
            f'href="/guidance/reference/codes/{code.value}/">{code.value}</a>' in page.rendered.html
        )
