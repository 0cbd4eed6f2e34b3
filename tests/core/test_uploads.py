"""Files sent with challenges and support requests: checked, stored under our own names,
and all or none of a request's files kept."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lrs.core.errors import ValidationFailed
from lrs.core.uploads import upload_path, upload_store_all


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
