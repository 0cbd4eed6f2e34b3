"""Batch files on the file-job spine: kept through Django's Storage API, so an object
store works by setting alone, and read once with a hash and a size limit."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from lrs.batches.models import BatchRow, BatchStatus
from lrs.batches.processing import process
from lrs.batches.services import batch_submit
from lrs.batchfiles.return_codes import ReturnCode as RC
from lrs.core.errors import ValidationFailed
from lrs.core.filejobs import file_storage, sqlite_page_cache
from tests.factories import batch_record, batch_upload

pytestmark = pytest.mark.django_db

IN_MEMORY = {"BACKEND": "django.core.files.storage.InMemoryStorage"}


def test_a_batch_kept_in_an_object_store_is_processed_like_one_on_disk(
    batch_user, settings, tmp_path
):
    settings.STORAGES = {**settings.STORAGES, "file_jobs": IN_MEMORY}
    ukprn = batch_user.organisation.ukprn
    batch = batch_submit(
        actor=batch_user, upload=batch_upload(ukprn, [batch_record(2), batch_record(3)])
    )
    assert file_storage().exists(batch.stored_name)
    assert not (tmp_path / "uploads" / batch.stored_path).exists()  # nothing on disk
    assert process(batch.pk) == "complete"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETE
    codes = list(BatchRow.objects.filter(batch=batch).values_list("return_code", flat=True))
    assert codes == [RC.RC001, RC.RC012]


def test_the_stored_file_carries_the_uploads_hash_and_size(batch_user):
    import hashlib

    sent = batch_upload(batch_user.organisation.ukprn, [batch_record(2)])
    content = sent.read()
    sent.seek(0)
    batch = batch_submit(actor=batch_user, upload=sent)
    assert (batch.file_size, batch.file_sha256) == (
        len(content),
        hashlib.sha256(content).hexdigest(),
    )
    with file_storage().open(batch.stored_name, "rb") as kept:
        assert kept.read() == content


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(batch_user, settings, tmp_path):
    settings.LRS_BATCH_MAX_BYTES = 100
    big = batch_upload(batch_user.organisation.ukprn, [batch_record(n) for n in range(2, 12)])
    # A client that does not say how big the file is: the limit holds while reading.
    unsized = SimpleUploadedFile(big.name, big.read(), content_type="text/csv")
    unsized.size = None  # type: ignore[assignment]
    with pytest.raises(ValidationFailed, match="larger than"):
        batch_submit(actor=batch_user, upload=unsized)
    folder = tmp_path / "uploads"
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


def test_the_sqlite_page_cache_is_put_back_after_a_run_and_other_databases_are_left_alone():
    if connection.vendor != "sqlite":
        with sqlite_page_cache(1024):
            assert connection.vendor != "sqlite"  # nothing to change, nothing raised
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        with sqlite_page_cache(1024):
            cursor.execute("PRAGMA cache_size")
            assert cursor.fetchone()[0] == -1024
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == before
