"""Batch tests: files built with the batch-file writers (tests/factories.py: batch_record,
batch_upload), processed by the real worker code."""

from __future__ import annotations

import pytest

from lrs.access import OrganisationType, Role
from lrs.batches import processing
from tests.factories import make_organisation, make_user


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"
    settings.LRS_BATCH_CHUNK_SIZE = 3


@pytest.fixture
def batch_user():
    return make_user(make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE), Role.BATCH_USER)


@pytest.fixture
def ao_user():
    return make_user(
        make_organisation(OrganisationType.AWARDING_ORGANISATION), Role.AWARDING_ORGANISATION_USER
    )


@pytest.fixture
def kill_worker_at_third_chunk(monkeypatch):
    """Call it to make the worker die (KeyboardInterrupt) as it starts its third chunk or
    unit; call what it returns to bring the worker back to life."""
    real_chunk = processing._process_chunk

    def kill():
        calls = {"n": 0}

        def dying_chunk(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt("worker killed")
            return real_chunk(*args, **kwargs)

        monkeypatch.setattr(processing, "_process_chunk", dying_chunk)
        return lambda: monkeypatch.setattr(processing, "_process_chunk", real_chunk)

    return kill
