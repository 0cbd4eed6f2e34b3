"""The renderer (Markdown to GOV.UK markup, contents list, sections) and the content
loader's clear errors for missing or malformed guides and pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrs.guidance import selectors
from lrs.guidance.content import load_guide, load_library
from lrs.guidance.rendering import GuidanceContentError, render_markdown
from tests.guidance.conftest import build_sample_content, write

PAGE = """# Sending files

How to send a file.

## Preparing a file

1. Name it.
2. Fill it in.

- one
- two

| Code | Meaning |
|---|---|
| RC001 | New learner |

See [the codes](/guidance/reference/codes/) and `LRB_10012345_010920241030.CSV`.

### Naming the file

Use capitals.

!!! warning
    Never email a ULN with a learner's details.

> Only on weekdays.

## After you send it

Wait.
"""


def test_rendering_adds_govuk_classes_to_headings_paragraphs_lists_tables_and_links():
    html = render_markdown(PAGE).html
    assert '<h2 class="govuk-heading-l" id="preparing-a-file">Preparing a file</h2>' in html
    assert '<h3 class="govuk-heading-m" id="naming-the-file">' in html
    assert '<p class="govuk-body">Use capitals.</p>' in html
    assert '<ol class="govuk-list govuk-list--number">' in html
    assert '<ul class="govuk-list govuk-list--bullet">' in html
    assert '<table class="govuk-table">' in html
    assert '<th class="govuk-table__header">Code</th>' in html
    assert '<td class="govuk-table__cell">RC001</td>' in html
    assert '<a class="govuk-link" href="/guidance/reference/codes/">' in html
    assert '<code class="lrs-code">LRB_10012345_010920241030.CSV</code>' in html


def test_warning_admonitions_become_govuk_warning_text_and_quotes_become_inset_text():
    html = render_markdown(PAGE).html
    assert 'class="govuk-warning-text"' in html
    assert '<span class="govuk-visually-hidden">Warning</span>' in html
    assert "Never email a ULN" in html
    assert '<div class="govuk-inset-text"><p class="govuk-body">Only on weekdays.</p>' in html
    assert "admonition" not in html
    assert "blockquote" not in html


def test_the_title_is_taken_out_of_the_body_and_the_first_paragraph_is_the_summary():
    page = render_markdown(PAGE)
    assert page.title == "Sending files"
    assert page.summary == "How to send a file."
    assert "<h1" not in page.html
    assert '<p class="govuk-body-l">How to send a file.</p>' in page.html


def test_the_contents_list_holds_the_level_two_headings_with_their_ids():
    page = render_markdown(PAGE)
    assert page.contents == [
        ("preparing-a-file", "Preparing a file"),
        ("after-you-send-it", "After you send it"),
    ]
    assert {"preparing-a-file", "naming-the-file", "after-you-send-it"} <= page.anchors


def test_sections_split_the_text_by_heading_without_icons_or_hidden_prefixes():
    sections = {s.anchor: s for s in render_markdown(PAGE).sections}
    assert sections[""].text == "How to send a file."
    assert sections["naming-the-file"].title == "Naming the file"
    assert sections["naming-the-file"].text.startswith("Use capitals. Never email a ULN")
    assert "!" not in sections["naming-the-file"].text
    assert "Warning" not in sections["naming-the-file"].text
    assert sections["after-you-send-it"].text == "Wait."


def test_a_page_without_a_title_line_is_refused_naming_the_file():
    with pytest.raises(GuidanceContentError, match=r"oops\.md must start with a '# Title'"):
        render_markdown("Some text\n\n## A heading\n", source="oops.md")


def test_a_guide_listing_a_missing_page_is_refused_naming_the_index_and_the_file(tmp_path: Path):
    write(tmp_path / "g" / "index.toml", 'title = "G"\npages = ["absent"]\n')
    with pytest.raises(GuidanceContentError, match=r"index\.toml lists 'absent', but .*absent\.md"):
        load_guide(tmp_path / "g")


def test_a_page_in_a_guide_without_a_title_is_refused_naming_the_page_file(tmp_path: Path):
    write(tmp_path / "g" / "index.toml", 'title = "G"\npages = ["untitled"]\n')
    write(tmp_path / "g" / "untitled.md", "No title here.\n")
    with pytest.raises(GuidanceContentError, match=r"untitled\.md must start with a '# Title'"):
        load_guide(tmp_path / "g")


def test_a_guide_without_an_index_or_a_title_or_pages_is_refused_clearly(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(GuidanceContentError, match=r"index\.toml is missing"):
        load_guide(tmp_path / "empty")
    write(tmp_path / "notitle" / "index.toml", 'pages = ["a"]\n')
    with pytest.raises(GuidanceContentError, match=r'needs a title = "\.\.\." line'):
        load_guide(tmp_path / "notitle")
    write(tmp_path / "nopages" / "index.toml", 'title = "X"\n')
    with pytest.raises(GuidanceContentError, match=r"needs a pages = \[\.\.\.\] list"):
        load_guide(tmp_path / "nopages")


def test_a_guide_with_an_unknown_audience_or_invalid_toml_is_refused(tmp_path: Path):
    write(tmp_path / "g" / "index.toml", 'title = "G"\naudience = "everyone"\npages = ["a"]\n')
    with pytest.raises(GuidanceContentError, match="audience must be one of public, service_desk"):
        load_guide(tmp_path / "g")
    write(tmp_path / "h" / "index.toml", "title = \n")
    with pytest.raises(GuidanceContentError, match="is not valid TOML"):
        load_guide(tmp_path / "h")


def test_two_pages_with_the_same_slug_in_one_guide_are_refused(tmp_path: Path):
    write(tmp_path / "g" / "index.toml", 'title = "G"\npages = ["help", "shared/help"]\n')
    write(tmp_path / "g" / "help.md", "# Help\n\nOne.\n")
    write(tmp_path / "shared" / "help.md", "# Help\n\nTwo.\n")
    with pytest.raises(GuidanceContentError, match="lists two pages called 'help'"):
        load_guide(tmp_path / "g")


def test_the_library_loads_guides_with_shared_pages_related_links_and_neighbours(tmp_path: Path):
    library = load_library(build_sample_content(tmp_path))
    alpha = library.guide("alpha")
    assert alpha is not None
    assert [page.slug for page in alpha.pages] == ["first", "common", "second"]
    common = alpha.page("common")
    assert common is not None
    assert common.source == "shared/common"
    assert common.path == "/guidance/alpha/common/"
    assert alpha.neighbours(common) == (alpha.page("first"), alpha.page("second"))
    assert alpha.neighbours(alpha.pages[0])[0] is None
    second = alpha.page("second")
    assert second is not None
    assert second.related[0].href == "/guidance/reference/codes/"
    assert library.page_at("/guidance/desk/common/") is not None
    assert library.page_at("/guidance/desk/nothing/") is None


def test_the_real_guides_all_load_and_every_page_has_a_title_and_a_summary():
    library = load_library()
    assert [guide.slug for guide in library.guides][:1] == ["providers"]
    for guide in library.guides:
        for page in guide.pages:
            assert page.title, page.source
            assert page.summary, f"{page.source}.md needs a summary paragraph after its title"


def test_related_links_for_a_page_the_guide_does_not_list_are_refused(tmp_path: Path):
    write(
        tmp_path / "g" / "index.toml",
        'title = "G"\npages = ["a"]\n[[related.b]]\ntext = "X"\nhref = "/guidance/"\n',
    )
    write(tmp_path / "g" / "a.md", "# A\n\nSummary.\n")
    with pytest.raises(GuidanceContentError, match=r"related links are for pages .*\['b'\]"):
        load_guide(tmp_path / "g")


def test_the_library_is_read_once_in_production_and_on_every_request_in_debug(
    settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    loads = []

    def counting_load():
        loads.append(1)
        return load_library(build_sample_content(tmp_path / "guides"))

    monkeypatch.setattr(selectors, "load_library", counting_load)
    monkeypatch.setattr(selectors, "_cached", None)
    settings.DEBUG = False
    assert selectors.library() is selectors.library()
    assert len(loads) == 1
    settings.DEBUG = True
    selectors.library()
    selectors.library()
    assert len(loads) == 3
