"""Files sent with challenges and support requests: checked, stored under our own names,
and all or none of a request's files kept."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lrs.core.errors import ValidationFailed
from lrs.core.uploads import upload_content_problem, upload_path, upload_store_all
from tests.upload_samples import JPEG, PDF, PNG, PROGRAM, ZIP


@pytest.fixture(autouse=True)
def uploads_dir(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path
    settings.LRS_EVIDENCE_MAX_BYTES = 1024
    return tmp_path


def store(uploads):
    return upload_store_all(
        uploads=uploads, folder="things", field="files", noun="A file", each="file"
    )


def test_every_file_is_stored_under_a_name_of_our_own_with_its_digest():
    [kept] = store([SimpleUploadedFile("../../etc/x.txt", b"hello", content_type="text/plain")])
    assert kept.original_name == "x.txt"
    assert re.fullmatch(r"[0-9a-f]{32}\.bin", kept.stored_path)
    assert upload_path("things", kept.stored_path).read_bytes() == b"hello"
    assert kept.size == 5
    assert len(kept.sha256) == 64


def test_a_refused_later_file_takes_the_files_stored_before_it_away_too(uploads_dir):
    good = SimpleUploadedFile("a.txt", b"fine", content_type="text/plain")
    too_big = SimpleUploadedFile("b.txt", b"x" * 2048, content_type="text/plain")
    with pytest.raises(ValidationFailed) as excinfo:
        store([good, too_big])
    assert excinfo.value.problems[0].rule == "Each file must be 0 MB or smaller"
    assert list((uploads_dir / "things").iterdir()) == []


def test_a_file_of_a_type_we_do_not_take_is_refused_and_nothing_is_kept(uploads_dir):
    good = SimpleUploadedFile("a.txt", b"fine", content_type="text/plain")
    script = SimpleUploadedFile("b.html", b"<script>", content_type="text/html")
    with pytest.raises(ValidationFailed) as excinfo:
        store([good, script])
    assert "must be a PDF, PNG, JPEG or plain text file" in excinfo.value.problems[0].rule
    assert list((uploads_dir / "things").iterdir()) == []


# --- What the bytes are, not what the name says -------------------------------------------


def test_a_program_named_as_a_pdf_is_refused_by_its_content_and_nothing_is_kept(uploads_dir):
    disguised = SimpleUploadedFile("certificate.pdf", PROGRAM, content_type="application/pdf")
    with pytest.raises(ValidationFailed) as excinfo:
        store([disguised])
    assert excinfo.value.problems[0].field == "files"
    assert excinfo.value.problems[0].rule == (
        "certificate.pdf must be a PDF, PNG, JPEG or plain text file: it says it is a PDF, "
        "but its content is not"
    )
    assert list((uploads_dir / "things").iterdir()) == []


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("photo.png", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/png"),
        ("scan.jpg", b"just some words", "image/jpeg"),
        ("archive.txt", ZIP, "text/plain"),
        ("binary.txt", b"text\x00with\x00nul bytes", "text/plain"),
        ("page.txt", b"<!DOCTYPE html><html><script>alert(1)</script>", "text/plain"),
        ("empty.pdf", b"", "application/pdf"),
    ],
)
def test_content_that_is_not_the_declared_type_nor_another_we_take_is_refused(
    uploads_dir, name, content, declared
):
    with pytest.raises(ValidationFailed) as excinfo:
        store([SimpleUploadedFile(name, content, content_type=declared)])
    assert excinfo.value.problems[0].rule.startswith(name)
    assert list((uploads_dir / "things").iterdir()) == []


@pytest.mark.parametrize(
    ("name", "content", "declared", "kept_as"),
    [
        ("certificate.pdf", PDF, "application/pdf", "application/pdf"),
        ("screenshot.png", PNG, "image/png", "image/png"),
        ("photo.jpg", JPEG, "image/jpeg", "image/jpeg"),
        # A PNG saved under a .jpg name is still a picture we take: kept as what it is.
        ("photo.jpg", PNG, "image/jpeg", "image/png"),
        ("letter.txt", "Grade 8 confirmed — Café".encode(), "text/plain", "text/plain"),
        ("letter.txt", "Grade 8, Café".encode("cp1252"), "text/plain", "text/plain"),
        ("notepad.txt", "Grade 8\r\n".encode("utf-16"), "text/plain", "text/plain"),
    ],
)
def test_files_whose_content_is_a_type_we_take_are_kept_as_that_type(
    name, content, declared, kept_as
):
    [kept] = store([SimpleUploadedFile(name, content, content_type=declared)])
    assert kept.content_type == kept_as
    assert upload_path("things", kept.stored_path).read_bytes() == content


def test_text_is_checked_to_its_end_not_only_its_start(uploads_dir, settings):
    settings.LRS_EVIDENCE_MAX_BYTES = 100_000
    content = b"a line of text\n" * 4000 + b"\x00\x01\x02"
    upload = SimpleUploadedFile("long.txt", content, content_type="text/plain")
    upload.DEFAULT_CHUNK_SIZE = 4096
    with pytest.raises(ValidationFailed):
        store([upload])
    assert upload_content_problem(upload).startswith("long.txt must be")
