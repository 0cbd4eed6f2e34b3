"""The reference pages and the guidance cannot drift from the code.

Each test gathers what the code defines on its own (the code tables, the modules'
constants, a scan of the source for code-shaped strings) rather than through
lrs.guidance.reference, and compares it with what the pages show and the guidance says.
"""

from __future__ import annotations

import re
import tomllib
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from django.urls import reverse

from lrs import achievementfiles, batchfiles
from lrs.achievementfiles.actions import AchievementStatus, Action
from lrs.achievementfiles.errors import ErrorCode
from lrs.achievementfiles.writers import ERROR_HEADINGS
from lrs.batchfiles.return_codes import FAILURE_FLAGS, RETURN_CODES, VERIFY_RESPONSE_CODES
from lrs.batchfiles.writers import LRB_OUTPUT_HEADINGS, VERIFY_OUTPUT_HEADINGS
from lrs.challenges import lifecycle
from lrs.core import codes as learner_codes
from lrs.soapwire import faults

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "lrs"
GUIDANCE = SRC / "guidance"
ADVICE_FILE = GUIDANCE / "code_advice.toml"

# The shapes of the web service and batch codes, found anywhere in the source.
SERVICE_CODE = re.compile(r"\b(?:RC\d{3}|WSRC\d{4}|WSVRC\d{3}|WSEC\d{4})\b")
# Every code shape, achievement file errors included, for the guidance's own text.
ANY_CODE = re.compile(
    r"\b(?:RC\d{3}|WSRC\d{4}|WSVRC\d{3}|WSEC\d{4}|FL\d{2}|FD\d{2}|LD\d{2}|BR\d{2})\b"
)


def codes_in_source() -> set[str]:
    """Every service code written anywhere in the application's code and templates."""
    found: set[str] = set()
    for path in SRC.rglob("*"):
        if path.suffix not in {".py", ".html"} or GUIDANCE in path.parents:
            continue
        found |= set(SERVICE_CODE.findall(path.read_text(encoding="utf-8")))
    return found


def codes_in_tables() -> set[str]:
    """Every code of the code's own tables."""
    return {
        *(str(c) for c in RETURN_CODES),
        *VERIFY_RESPONSE_CODES,
        *learner_codes.DESCRIPTIONS,
        *faults.DESCRIPTIONS,
        *(str(c) for c in ErrorCode),
    }


def defined_codes() -> set[str]:
    return codes_in_tables() | codes_in_source()


def advice_codes() -> dict[str, dict]:
    return tomllib.loads(ADVICE_FILE.read_text(encoding="utf-8"))


class _Collector(HTMLParser):
    """Ids of table rows, and the text of elements with a given class, in order."""

    def __init__(self, css_class: str = "") -> None:
        super().__init__()
        self.row_ids: list[str] = []
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.tables: dict[str, list[str]] = {}
        self._class = css_class
        self._table: str | None = None
        self._capture = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        if tag == "tr" and attributes.get("id"):
            self.row_ids.append(attributes["id"] or "")
        if tag == "table":
            self._table = attributes.get("id")
            if self._table:
                self.tables[self._table] = []
        if self._class and self._class in (attributes.get("class") or "").split():
            self._capture = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._capture:
            self.texts.append(data.strip())
            if self._table:
                self.tables[self._table].append(data.strip())
            self._capture = False


def _page(client, name: str, css_class: str = "") -> _Collector:
    response = client.get(reverse(name))
    assert response.status_code == 200
    collector = _Collector(css_class)
    collector.feed(response.content.decode())
    return collector


# --- (a) every code in the code is on the codes page and has advice -------------------


def test_the_source_scan_finds_the_codes_of_every_table():
    # If the scan found nothing, the next tests would prove nothing.
    assert {"RC007", "WSRC0018", "WSEC0004", "WSVRC006", "WSEC0208"} <= codes_in_source()


def test_every_code_defined_in_the_code_is_a_row_of_the_codes_page(client):
    rows = set(_page(client, "portal:reference-codes").row_ids)
    missing = defined_codes() - rows
    assert not missing, f"Codes in the code but not on the codes page: {sorted(missing)}"


def test_every_row_of_the_codes_page_is_a_code_defined_in_the_code(client):
    rows = set(_page(client, "portal:reference-codes").row_ids)
    extra = rows - defined_codes()
    assert not extra, f"Codes on the codes page that the code does not define: {sorted(extra)}"


def test_every_code_defined_in_the_code_has_advice():
    advice = advice_codes()
    missing = defined_codes() - set(advice)
    assert not missing, f"Codes with no entry in code_advice.toml: {sorted(missing)}"
    for code, entry in advice.items():
        assert entry.get("means", "").strip(), f"{code} has no 'means'"
        assert entry.get("next", "").strip(), f"{code} has no 'next'"


def test_every_code_page_opens(client):
    for code in sorted(defined_codes()):
        response = client.get(reverse("portal:reference-code", args=[code]))
        assert response.status_code == 200, code


# --- (b) every code in the advice file exists in the code -----------------------------


def test_every_code_in_the_advice_file_is_defined_in_the_code():
    extra = set(advice_codes()) - defined_codes()
    assert not extra, f"code_advice.toml has codes the code does not define: {sorted(extra)}"


def test_advice_gives_its_own_meaning_only_where_the_code_has_none():
    for code, entry in advice_codes().items():
        if "meaning" in entry:
            assert code not in codes_in_tables(), f"{code} has a description in the code"


def test_advice_links_are_guidance_pages_without_anchors():
    for code, entry in advice_codes().items():
        for link in entry.get("links", []):
            assert re.fullmatch(r"/guidance/[a-z0-9-]+/[a-z0-9-]+/", link), (code, link)


# --- (c) every code written in any guidance is a real code ----------------------------


def _guidance_texts() -> list[Path]:
    paths = sorted((GUIDANCE / "content").rglob("*.md"))
    paths.append(ADVICE_FILE)
    docs = ROOT / "docs" / "guidance.md"
    if docs.exists():
        paths.append(docs)
    return paths


def test_every_code_written_in_the_guidance_exists_in_the_code():
    known = defined_codes()
    unknown = {
        f"{path.relative_to(ROOT)}: {code}"
        for path in _guidance_texts()
        for code in ANY_CODE.findall(path.read_text(encoding="utf-8"))
        if code not in known
    }
    assert not unknown, f"Guidance names codes that do not exist: {sorted(unknown)}"


def test_the_guidance_code_check_catches_a_made_up_code():
    assert ANY_CODE.findall("See RC999, WSRC0099 and FD99.") == ["RC999", "WSRC0099", "FD99"]
    assert not {"RC999", "WSRC0099", "FD99"} & defined_codes()


# --- (d) action codes, achievement statuses and challenge statuses ---------------------


def test_the_achievement_page_shows_every_action_code_and_no_other(client):
    ids = _page(client, "portal:reference-achievement-files").ids
    shown = {i.removeprefix("action-") for i in ids if i.startswith("action-")}
    assert shown == {str(a.value) for a in Action}


def test_the_achievement_page_shows_every_status_and_no_other(client):
    ids = _page(client, "portal:reference-achievement-files").ids
    shown = {i.removeprefix("status-") for i in ids if i.startswith("status-")}
    assert shown == {s.value for s in AchievementStatus}


def test_the_challenges_page_shows_every_status_and_type_and_no_other(client):
    ids = _page(client, "portal:reference-challenges").ids
    statuses = {i.removeprefix("status-") for i in ids if i.startswith("status-")}
    types = {i.removeprefix("type-") for i in ids if i.startswith("type-")}
    assert statuses == {s.value for s in lifecycle.Status}
    assert types == {t.value for t in lifecycle.ChallengeType}


def test_the_challenges_page_lists_every_allowed_move(client):
    html = client.get(reverse("portal:reference-challenges")).content.decode()
    moves = re.findall(
        r'<td class="govuk-table__cell">(\w+)</td>\s*<td class="govuk-table__cell">(\w+)</td>',
        html,
    )
    expected = {
        (lifecycle.STATUS_LABELS[a], lifecycle.STATUS_LABELS[b]) for a, b in lifecycle.TRANSITIONS
    }
    assert set(moves) == expected


# --- (e) every field of each layout is on its page, in order ---------------------------


@pytest.mark.parametrize(
    ("table", "headings"),
    [
        ("layout-learner-batch", batchfiles.LRB_HEADINGS),
        ("layout-learner-batch-output", LRB_OUTPUT_HEADINGS),
        ("layout-verify-batch", batchfiles.VERIFY_HEADINGS),
        ("layout-verify-batch-output", VERIFY_OUTPUT_HEADINGS),
    ],
)
def test_every_field_of_each_batch_layout_is_on_the_batch_files_page_in_order(
    client, table, headings
):
    tables = _page(client, "portal:reference-batch-files", "lrs-field-heading").tables
    assert tables[table] == list(headings)


@pytest.mark.parametrize(
    ("table", "headings"),
    [
        ("layout-achievement-file", achievementfiles.ACH_HEADINGS),
        ("layout-achievement-error-file", ERROR_HEADINGS),
    ],
)
def test_every_field_of_the_achievement_layouts_is_on_its_page_in_order(client, table, headings):
    tables = _page(client, "portal:reference-achievement-files", "lrs-field-heading").tables
    assert tables[table] == list(headings)


def test_every_verify_failure_flag_is_on_the_batch_files_page(client):
    html = client.get(reverse("portal:reference-batch-files")).content.decode()
    for flag, text in FAILURE_FLAGS.items():
        assert f'<span class="lrs-code">{flag}</span>' in html
        assert text in html


# --- (f) the XSD downloads are the packaged files, byte for byte -----------------------


@pytest.mark.parametrize(
    ("package", "name"),
    [
        *((batchfiles.__name__, name) for name in batchfiles.SCHEMAS),
        *((achievementfiles.__name__, name) for name in achievementfiles.SCHEMAS),
    ],
)
def test_each_xsd_download_equals_the_packaged_file(client, package, name):
    response = client.get(reverse("portal:reference-xsd", args=[name.removesuffix(".xsd")]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response.content == resources.files(package).joinpath(name).read_bytes()


@pytest.mark.parametrize(
    ("page", "schemas"),
    [
        ("portal:reference-batch-files", batchfiles.SCHEMAS),
        ("portal:reference-achievement-files", achievementfiles.SCHEMAS),
    ],
)
def test_every_packaged_xsd_is_linked_from_its_page(client, page, schemas):
    html = client.get(reverse(page)).content.decode()
    for name in schemas:
        assert f'href="{reverse("portal:reference-xsd", args=[name.removesuffix(".xsd")])}"' in html
