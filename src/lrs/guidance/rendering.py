"""Renders the guides' Markdown into GOV.UK Design System markup.

Framework-light on purpose: nothing here imports Django, so the content can be checked
and rendered anywhere (tests, a management command, a build step).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor


class GuidanceContentError(Exception):
    """A guide or page in the content folder is missing or malformed."""


@dataclass(frozen=True)
class Section:
    """A searchable part of a page: the text under one heading (or the introduction)."""

    anchor: str  # "" for the introduction before the first heading
    title: str
    level: int  # 1 for the introduction, 2 or 3 for a heading
    text: str


@dataclass(frozen=True)
class RenderedPage:
    title: str
    summary: str
    html: str
    # The ## headings, in order, for the contents list: (anchor, text).
    contents: list[tuple[str, str]] = field(default_factory=list)
    # Every id in the body, so links to #anchors can be checked.
    anchors: frozenset[str] = frozenset()
    sections: list[Section] = field(default_factory=list)


_HEADING_CLASSES = {
    "h2": "govuk-heading-l",
    "h3": "govuk-heading-m",
    "h4": "govuk-heading-s",
    "h5": "govuk-heading-s",
    "h6": "govuk-heading-s",
}

_TABLE_CLASSES = {
    "table": "govuk-table",
    "thead": "govuk-table__head",
    "tbody": "govuk-table__body",
    "tr": "govuk-table__row",
    "th": "govuk-table__header",
    "td": "govuk-table__cell",
}


def _add_class(element: etree.Element, css_class: str) -> None:
    existing = element.get("class", "")
    element.set("class", f"{existing} {css_class}".strip())


def _text_of(element: etree.Element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def _readable_text(element: etree.Element) -> str:
    """The text a reader meets, without icons and visually hidden prefixes."""
    parts: list[str] = []

    def walk(node: etree.Element) -> None:
        hidden = node.get("aria-hidden") == "true" or "govuk-visually-hidden" in node.get(
            "class", ""
        )
        if not hidden:
            parts.append(node.text or "")
            for child in node:
                walk(child)
        parts.append(node.tail or "")

    walk(element)
    parts[-1] = ""  # the element's own tail is not part of it
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _warning_text(admonition: etree.Element) -> etree.Element:
    """GOV.UK warning text: an icon and bold text with a hidden "Warning" prefix."""
    warning = etree.Element("div", {"class": "govuk-warning-text"})
    icon = etree.SubElement(
        warning, "span", {"class": "govuk-warning-text__icon", "aria-hidden": "true"}
    )
    icon.text = "!"
    strong = etree.SubElement(warning, "strong", {"class": "govuk-warning-text__text"})
    hidden = etree.SubElement(strong, "span", {"class": "govuk-visually-hidden"})
    hidden.text = "Warning"
    hidden.tail = " "
    paragraphs = [child for child in admonition if "admonition-title" not in child.get("class", "")]
    for index, paragraph in enumerate(paragraphs):
        # Inline children (links, emphasis) keep their markup inside the <strong>.
        if index:
            etree.SubElement(strong, "br")
        span = etree.SubElement(strong, "span")
        span.text = paragraph.text
        for child in list(paragraph):
            span.append(child)
    return warning


def _inset_text(container: etree.Element) -> etree.Element:
    inset = etree.Element("div", {"class": "govuk-inset-text"})
    for child in container:
        if "admonition-title" in child.get("class", ""):
            continue
        inset.append(child)
    return inset


class _GovukTreeprocessor(Treeprocessor):
    """Adds GOV.UK classes, takes out the page title and records the sections.

    Runs after the ``toc`` extension, so headings already have their ids.
    """

    title = ""
    summary = ""
    contents: list[tuple[str, str]]
    anchors: frozenset[str] = frozenset()
    sections: list[Section]

    def run(self, root: etree.Element) -> None:
        self.contents = []
        self.sections = []
        first = root[0] if len(root) else None
        if first is not None and first.tag == "h1":
            self.title = _text_of(first)
            root.remove(first)
        for child in root:
            if child.tag == "p":
                self.summary = _text_of(child)
                # The summary opens the page as its lead paragraph.
                _add_class(child, "govuk-body-l")
            break

        self._replace_blocks(root)
        anchor, heading, level = "", self.title, 1
        texts: list[str] = []
        for child in root:
            if child.tag in ("h2", "h3"):
                self._add_section(anchor, heading, level, texts)
                anchor, heading, level = child.get("id", ""), _text_of(child), int(child.tag[1])
                texts = []
                if child.tag == "h2":
                    self.contents.append((anchor, heading))
            else:
                texts.append(_readable_text(child))
        self._add_section(anchor, heading, level, texts)
        self.anchors = frozenset(
            element.get("id", "") for element in root.iter() if element.get("id")
        )
        for element in root.iter():
            self._style(element)

    def _add_section(self, anchor: str, title: str, level: int, texts: list[str]) -> None:
        text = " ".join(t for t in texts if t)
        # An introduction with no text is no search result; an empty section still is,
        # by its heading.
        if text or level > 1:
            self.sections.append(Section(anchor=anchor, title=title, level=level, text=text))

    @staticmethod
    def _replace_blocks(root: etree.Element) -> None:
        """Admonitions and block quotes become GOV.UK warning text and inset text."""
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                classes = child.get("class", "").split()
                replacement = None
                if child.tag == "div" and "admonition" in classes:
                    replacement = (
                        _warning_text(child) if "warning" in classes else _inset_text(child)
                    )
                elif child.tag == "blockquote":
                    replacement = _inset_text(child)
                if replacement is not None:
                    replacement.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, replacement)

    @staticmethod
    def _style(element: etree.Element) -> None:
        tag = element.tag
        if tag in _HEADING_CLASSES:
            _add_class(element, _HEADING_CLASSES[tag])
        elif tag == "p" and not element.get("class"):
            _add_class(element, "govuk-body")
        elif tag == "ul":
            _add_class(element, "govuk-list govuk-list--bullet")
        elif tag == "ol":
            _add_class(element, "govuk-list govuk-list--number")
        elif tag == "a":
            _add_class(element, "govuk-link")
        elif tag in _TABLE_CLASSES:
            _add_class(element, _TABLE_CLASSES[tag])
        elif tag == "hr":
            _add_class(element, "govuk-section-break govuk-section-break--l")
            _add_class(element, "govuk-section-break--visible")
        elif tag == "pre":
            _add_class(element, "lrs-code-block")
        elif tag == "code":
            _add_class(element, "lrs-code")


class _GovukExtension(Extension):
    def __init__(self) -> None:
        super().__init__()
        self.processor: _GovukTreeprocessor | None = None

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Markdown's API names this method. Priority below toc's (5), so heading ids
        # exist when this runs.
        self.processor = _GovukTreeprocessor(md)
        md.treeprocessors.register(self.processor, "lrs_govuk", 1)


def render_markdown(text: str, *, source: str = "<text>") -> RenderedPage:
    """Render one page's Markdown. ``source`` names the file in any error."""
    if not text.lstrip().startswith("# "):
        raise GuidanceContentError(
            f"{source} must start with a '# Title' line (the page title), "
            "followed by a paragraph summarising the page."
        )
    extension = _GovukExtension()
    md = markdown.Markdown(
        extensions=["toc", "tables", "attr_list", "admonition", "sane_lists", extension],
        extension_configs={"toc": {"permalink": False}},
        output_format="html",
    )
    html = md.convert(text)
    processor = extension.processor
    if processor is None or not processor.title:
        raise GuidanceContentError(f"{source} has an empty '# Title' line.")
    return RenderedPage(
        title=processor.title,
        summary=processor.summary,
        html=html,
        contents=processor.contents,
        anchors=processor.anchors,
        sections=processor.sections,
    )
