"""Fixtures for the guidance tests: a small content folder of their own, so the views and
the search can be tested apart from the real guides (which other tests check whole)."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from lrs.access import OrganisationType, Role
from lrs.guidance import selectors
from lrs.guidance.content import Library, load_library
from tests.factories import make_organisation, make_user


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text).lstrip(), encoding="utf-8")


def build_sample_content(root: Path) -> Path:
    write(
        root / "alpha" / "index.toml",
        """
        title = "Alpha guide"
        summary = "The public sample guide."
        audience = "public"
        pages = ["first", "shared/common", "second"]

        [[related.second]]
        text = "All the codes"
        href = "/guidance/reference/codes/"
        """,
    )
    write(
        root / "alpha" / "first.md",
        """
        # First page

        The first page's summary.

        ## Sending a widget

        Widgets travel by post. Every widget is checked on arrival.

        ## Storing things

        Keep the widget somewhere dry.
        """,
    )
    write(
        root / "alpha" / "second.md",
        """
        # Second page

        The second page's summary.

        ## Gadgets

        A gadget is not a widget, but widget fans like gadgets too.
        """,
    )
    write(
        root / "shared" / "common.md",
        """
        # Common page

        Shared by two guides.

        ## Getting help

        Ask the service desk.
        """,
    )
    write(
        root / "desk" / "index.toml",
        """
        title = "Desk guide"
        summary = "For the service desk only."
        audience = "service_desk"
        pages = ["secrets", "shared/common"]
        """,
    )
    write(
        root / "desk" / "secrets.md",
        """
        # Desk secrets

        Only for the service desk.

        ## Widget thresholds

        The widget threshold is confidential.
        """,
    )
    return root


@pytest.fixture
def sample_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    """The views and search read the sample guides instead of the real ones."""
    loaded = load_library(build_sample_content(tmp_path / "content"))
    monkeypatch.setattr(selectors, "library", lambda: loaded)
    return loaded


@pytest.fixture
def provider_user(db):
    return make_user(
        make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE), Role.ONLINE_USER
    )


@pytest.fixture
def desk_user(db):
    return make_user(make_organisation(OrganisationType.SERVICE_DESK), Role.SERVICE_DESK_USER)


@pytest.fixture
def ao_user(db):
    return make_user(
        make_organisation(OrganisationType.AWARDING_ORGANISATION), Role.AWARDING_ORGANISATION_USER
    )
