"""A batch interrupted mid-file resumes where it stopped: no lost record, no second ULN."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from lrs.batches import processing
from lrs.batches.models import Batch, BatchRow, BatchStatus
from lrs.batches.services import batch_submit
from lrs.core.models import AllocatedUln
from lrs.learners.models import Learner
from tests.factories import batch_upload, synthetic_batch_records


def assert_processed_exactly_once(batch: Batch, expected_rows: int) -> None:
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETE
    rows = list(BatchRow.objects.filter(batch=batch).values_list("row_number", "return_code"))
    assert sorted(r for r, _ in rows) == list(range(2, expected_rows + 2)), "a row lost or doubled"
    issued = Counter(code for _, code in rows)["RC001"]
    # Every learner created belongs to exactly one RC001 row: none from a rolled-back chunk.
    assert Learner.objects.count() == issued == AllocatedUln.objects.count()
    assert issued > expected_rows * 0.8
    counted = (
        batch.new_learners
        + batch.existing_learners
        + batch.possible_matches
        + batch.not_found
        + batch.rejected
    )
    assert batch.processed_records == counted == expected_rows


@pytest.mark.django_db
def test_a_run_that_dies_after_some_chunks_is_resumed_by_the_next(
    batch_user, kill_worker_at_third_chunk
):
    records = synthetic_batch_records(20)
    batch = batch_submit(
        actor=batch_user, upload=batch_upload(batch_user.organisation.ukprn, records)
    )
    revive_worker = kill_worker_at_third_chunk()
    with pytest.raises(KeyboardInterrupt):
        processing.process(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PROCESSING
    assert batch.processed_records == 6  # two chunks of three
    # A live worker's batch is not taken over...
    assert processing.process(batch.pk) == "not claimed"
    # ...but one that has stalled is.
    Batch.objects.filter(pk=batch.pk).update(
        progressed_at=timezone.now() - timezone.timedelta(hours=1)
    )
    revive_worker()
    assert processing.process(batch.pk) == "complete"
    assert_processed_exactly_once(batch, 20)


def _worker_env(tmp_path) -> dict[str, str]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lrs.settings",
        "SECRET_KEY": "test-worker-secret-key-" + "y" * 30,
        "LRS_UPLOADS_DIR": str(tmp_path / "uploads"),
        "LRS_BATCH_CHUNK_SIZE": "25",
        "LRS_WORKER_HEARTBEAT_SECONDS": "1",
    }
    if connection.vendor == "sqlite":
        env["SQLITE_PATH"] = db["NAME"]
        env.pop("DATABASE_URL", None)
    else:
        user = db.get("USER") or "postgres"
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or "5432"
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{db['NAME']}"
    return env


def _worker(env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "lrs.cli", "worker", "--interval", "0.1", *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_process_mid_file_loses_nothing_and_duplicates_nothing(
    batch_user, tmp_path, settings
):
    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"
    total = 600
    batch = batch_submit(
        actor=batch_user,
        upload=batch_upload(batch_user.organisation.ukprn, synthetic_batch_records(total)),
    )
    env = _worker_env(tmp_path)
    first = _worker(env)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            batch.refresh_from_db()
            if batch.processed_records >= 100:
                break
            assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    batch.refresh_from_db()
    assert 0 < batch.processed_records < total, "the kill should land mid-file"
    assert batch.status == BatchStatus.PROCESSING

    # The next worker takes over once the batch has shown no progress for the stall time.
    time.sleep(1.5)
    second = _worker({**env, "LRS_BATCH_STALL_SECONDS": "1"}, "--batch")
    try:
        _, err = second.communicate(timeout=180)
    finally:
        if second.poll() is None:
            second.kill()
    assert second.returncode == 0, err.decode()
    assert_processed_exactly_once(batch, total)


@pytest.mark.django_db(transaction=True)
def test_a_batch_and_an_online_registration_of_one_person_at_once_make_one_uln(
    batch_user, tmp_path, settings
):
    import threading

    from lrs.learners.services import LearnerError, learner_register
    from tests.factories import batch_record

    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"
    record = batch_record(2)
    batch = batch_submit(
        actor=batch_user, upload=batch_upload(batch_user.organisation.ukprn, [record])
    )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def online():
        barrier.wait()
        try:
            learner_register(actor=batch_user, data=record.learner_data())
        except LearnerError:
            pass  # refused because the batch registered the person first: fine
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def batched():
        barrier.wait()
        try:
            processing.process(batch.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=online), threading.Thread(target=batched)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Learner.objects.count() == 1
