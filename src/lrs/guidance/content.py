"""Loads the guides from the content folder: each ``<guide>/index.toml`` and its pages.

Framework-free, like the renderer: the Django side (selectors.py) caches what this
returns and decides who may see which guide.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from lrs.guidance.rendering import GuidanceContentError, RenderedPage, Section, render_markdown

CONTENT_DIR = Path(__file__).resolve().parent / "content"

PUBLIC = "public"
SERVICE_DESK = "service_desk"
AUDIENCES = (PUBLIC, SERVICE_DESK)

# Guides are listed in this order; any others after them, alphabetically.
GUIDE_ORDER = ("providers", "awarding-organisations", "learners", "service-desk")

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class RelatedLink:
    text: str
    href: str


@dataclass(frozen=True)
class Page:
    guide: str
    slug: str  # the last part of its URL
    source: str  # its path under content/, without ".md", e.g. "shared/getting-access"
    rendered: RenderedPage
    related: tuple[RelatedLink, ...] = ()

    @property
    def title(self) -> str:
        return self.rendered.title

    @property
    def summary(self) -> str:
        return self.rendered.summary

    @property
    def path(self) -> str:
        return f"/guidance/{self.guide}/{self.slug}/"


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    summary: str
    audience: str
    pages: tuple[Page, ...] = field(default_factory=tuple)

    @property
    def path(self) -> str:
        return f"/guidance/{self.slug}/"

    def page(self, slug: str) -> Page | None:
        return next((page for page in self.pages if page.slug == slug), None)

    def neighbours(self, page: Page) -> tuple[Page | None, Page | None]:
        index = self.pages.index(page)
        previous = self.pages[index - 1] if index > 0 else None
        following = self.pages[index + 1] if index + 1 < len(self.pages) else None
        return previous, following


@dataclass(frozen=True)
class SearchEntry:
    """One section of one page, as the search looks at it."""

    guide: Guide
    page: Page
    section: Section

    @property
    def href(self) -> str:
        return self.page.path + (f"#{self.section.anchor}" if self.section.anchor else "")


@dataclass(frozen=True)
class Library:
    guides: tuple[Guide, ...]
    entries: tuple[SearchEntry, ...]

    def guide(self, slug: str) -> Guide | None:
        return next((guide for guide in self.guides if guide.slug == slug), None)

    def page_at(self, path: str) -> Page | None:
        """The page at a URL path such as "/guidance/providers/batch-files/"."""
        parts = [part for part in path.split("/") if part]
        if len(parts) != 3 or parts[0] != "guidance":
            return None
        guide = self.guide(parts[1])
        return guide.page(parts[2]) if guide else None


def _read_index(index_path: Path) -> dict:
    try:
        with index_path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise GuidanceContentError(f"{index_path} is not valid TOML: {exc}") from exc


def _require_text(data: dict, key: str, index_path: Path) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise GuidanceContentError(f'{index_path} needs a {key} = "..." line.')
    return value.strip()


def _related(data: dict, page_name: str, index_path: Path) -> tuple[RelatedLink, ...]:
    links = data.get("related", {}).get(page_name, [])
    related = []
    for link in links:
        if not isinstance(link, dict) or not {"text", "href"} <= link.keys():
            raise GuidanceContentError(
                f"{index_path}: each related link of {page_name!r} needs text and href."
            )
        related.append(RelatedLink(text=str(link["text"]), href=str(link["href"])))
    return tuple(related)


def load_guide(guide_dir: Path, *, rendered: dict[Path, RenderedPage] | None = None) -> Guide:
    """One guide. ``rendered`` caches pages shared between guides while loading."""
    cache = rendered if rendered is not None else {}
    index_path = guide_dir / "index.toml"
    if not index_path.is_file():
        raise GuidanceContentError(f"{index_path} is missing: every guide needs an index.toml.")
    data = _read_index(index_path)
    slug = guide_dir.name
    title = _require_text(data, "title", index_path)
    audience = data.get("audience", PUBLIC)
    if audience not in AUDIENCES:
        raise GuidanceContentError(
            f"{index_path}: audience must be one of {', '.join(AUDIENCES)}, not {audience!r}."
        )
    names = data.get("pages")
    if not isinstance(names, list) or not names:
        raise GuidanceContentError(f"{index_path} needs a pages = [...] list of its pages.")
    related = data.get("related", {})
    if not isinstance(related, dict) or not set(related) <= set(names):
        unknown = sorted(set(related) - set(names)) if isinstance(related, dict) else related
        raise GuidanceContentError(
            f"{index_path}: related links are for pages the guide lists; not for {unknown}."
        )
    content_dir = guide_dir.parent
    pages: list[Page] = []
    for name in names:
        source = name if "/" in name else f"{slug}/{name}"
        page_slug = source.rsplit("/", 1)[-1]
        if not _SLUG.match(page_slug):
            raise GuidanceContentError(
                f"{index_path}: page {name!r} must be lower case words joined by hyphens."
            )
        if any(page.slug == page_slug for page in pages):
            raise GuidanceContentError(f"{index_path} lists two pages called {page_slug!r}.")
        file_path = content_dir / f"{source}.md"
        if not file_path.is_file():
            raise GuidanceContentError(f"{index_path} lists {name!r}, but {file_path} is missing.")
        if file_path not in cache:
            cache[file_path] = render_markdown(
                file_path.read_text(encoding="utf-8"), source=str(file_path)
            )
        pages.append(
            Page(
                guide=slug,
                slug=page_slug,
                source=source,
                rendered=cache[file_path],
                related=_related(data, name, index_path),
            )
        )
    return Guide(
        slug=slug,
        title=title,
        summary=str(data.get("summary", "")).strip(),
        audience=audience,
        pages=tuple(pages),
    )


def _guide_sort_key(guide_dir: Path) -> tuple[int, str]:
    name = guide_dir.name
    return (GUIDE_ORDER.index(name) if name in GUIDE_ORDER else len(GUIDE_ORDER), name)


def load_library(content_dir: Path = CONTENT_DIR) -> Library:
    """Every guide under ``content_dir`` (a folder with an index.toml is a guide)."""
    rendered: dict[Path, RenderedPage] = {}
    guide_dirs = sorted(
        (path.parent for path in content_dir.glob("*/index.toml")), key=_guide_sort_key
    )
    guides = tuple(load_guide(guide_dir, rendered=rendered) for guide_dir in guide_dirs)
    entries = tuple(
        SearchEntry(guide=guide, page=page, section=section)
        for guide in guides
        for page in guide.pages
        for section in page.rendered.sections
    )
    return Library(guides=guides, entries=entries)
