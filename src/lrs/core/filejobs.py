"""The spine every file job runs on: batch files and achievement files alike.

A file job is a file someone uploads and the worker processes in the background:

    upload ──> store ──> validate ──> process in chunks ──> notify
               (hash,    (whole file;  (each chunk one       (the uploader's
               limit)    a file fault  transaction; resumed   email)
                         refuses all)  after the last one)

What is shared lives here: where the files are kept (Django's Storage API, the
``STORAGES[settings.LRS_FILE_STORAGE]`` backend, so a file job's file may live on disk or
in an object store by setting alone), storing an upload with its hash and size limit, the
claim / touch / resume of a job that survives a dead worker, the chunking, SQLite's page
cache while processing and the uploader's email. Each app keeps only what is its own: its
model's fields, its file format and what each record does (a ``FileJobRunner`` subclass).

A run claims its job with a token; every step it stores moves the job's ``progressed_at``
on, but only while the job still carries that token. A job whose progress has stalled for
``LRS_BATCH_STALL_SECONDS`` may be claimed again, and every worker queues such jobs again
(``requeue_stalled``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Generic, Protocol, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from lrs.core.errors import FieldProblem, ValidationFailed
from lrs.core.models import FileJob, storage_join
from lrs.tabular import Limits

# --- Where the files are kept -----------------------------------------------------------


class UploadsStorage(FileSystemStorage):
    """Private files on disk under ``settings.LRS_UPLOADS_DIR``, never served by URL.

    The folder is read from the setting at each use (not once, as FileSystemStorage
    does), so a test or a command that points LRS_UPLOADS_DIR elsewhere is obeyed."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("location", None)
        kwargs.pop("base_url", None)
        super().__init__(**kwargs)

    @property
    def base_location(self) -> str:
        return str(settings.LRS_UPLOADS_DIR)

    @property
    def location(self) -> str:
        return str(Path(settings.LRS_UPLOADS_DIR).resolve())


def file_storage() -> Storage:
    """The storage of file jobs' files (an alias of settings.STORAGES)."""
    return storages[settings.LRS_FILE_STORAGE]


@contextlib.contextmanager
def local_path(name: str) -> Iterator[Path]:
    """A path on this machine holding the stored file ``name``, for the file readers.

    On disk that is the file itself; from any other storage (an object store), a
    temporary copy removed afterwards. A missing file gives a path that does not exist:
    the readers report it."""
    storage = file_storage()
    if isinstance(storage, FileSystemStorage):
        yield Path(storage.path(name))
        return
    with tempfile.TemporaryDirectory(prefix="lrs-file-job-") as folder:
        copy = Path(folder) / Path(name).name
        if storage.exists(name):
            with storage.open(name, "rb") as source, copy.open("wb") as out:
                shutil.copyfileobj(source, out)
        yield copy


def file_remove(name: str) -> None:
    """Remove a stored file (nothing happens if it is not there)."""
    file_storage().delete(name)


def file_move(source: str, target: str) -> str:
    """Move a stored file to another name of the same storage; returns the name it got."""
    storage = file_storage()
    with storage.open(source, "rb") as content:
        saved = storage.save(target, File(content, name=Path(target).name))
    storage.delete(source)
    return saved


# --- Storing an upload ------------------------------------------------------------------


class Upload(Protocol):
    name: str | None
    size: int | None

    def chunks(self, chunk_size: int | None = None) -> Any: ...


@dataclass(frozen=True)
class Spooled:
    """An upload read once, hashed and measured, held in a temporary file until stored."""

    file: IO[bytes]
    sha256: str
    size: int


@contextlib.contextmanager
def spool(
    upload: Upload,
    *,
    max_bytes: int,
    too_big: FieldProblem,
    observe: Callable[[bytes], None] | None = None,
) -> Iterator[Spooled]:
    """Read ``upload`` chunk by chunk (never all in memory), hashing it on the way; one
    larger than ``max_bytes`` is refused with ``too_big`` before anything is stored."""
    digest = hashlib.sha256()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as held:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > max_bytes:
                raise ValidationFailed([too_big])
            digest.update(chunk)
            if observe is not None:
                observe(chunk)
            held.write(chunk)
        held.seek(0)
        yield Spooled(held, digest.hexdigest(), size)


def spooled_save(storage: Storage, name: str, spooled: Spooled) -> str:
    spooled.file.seek(0)
    return storage.save(name, File(spooled.file, name=Path(name).name))


@dataclass(frozen=True)
class StoredFile:
    name: str  # its name in its folder, ours and never the sender's
    sha256: str
    size: int


def file_store(
    upload: Upload, *, folder: str, suffix: str, max_bytes: int, too_big: str
) -> StoredFile:
    """Keep a file job's upload under a name of our own, with its hash and size."""
    problem = FieldProblem("file", too_big)
    if (upload.size or 0) > max_bytes:
        raise ValidationFailed([problem])
    name = f"{uuid.uuid4().hex}.{suffix.lower()}"
    with spool(upload, max_bytes=max_bytes, too_big=problem) as spooled:
        saved = spooled_save(file_storage(), storage_join(folder, name), spooled)
    return StoredFile(name=Path(saved).name, sha256=spooled.sha256, size=spooled.size)


def file_upload_name(upload: Upload) -> str:
    """The sender's file name without any folder their browser or client put on it."""
    return (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]


J = TypeVar("J", bound=FileJob)
M = TypeVar("M", bound=models.Model)


# --- Claim, touch, resume ---------------------------------------------------------------


class TakenOver(Exception):
    """Another run claimed the job after this one stalled; this one must stop."""


def stalled_since() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.LRS_BATCH_STALL_SECONDS)


def claim(model: type[M], pk: int, *, claimable: Q, token: str, **fields: Any) -> bool:
    """Give job ``pk`` to the run holding ``token`` if ``claimable`` (one UPDATE, so only
    one of several runs asking at once wins)."""
    with transaction.atomic():
        return bool(
            model._default_manager.filter(claimable, pk=pk).update(
                worker_token=token, progressed_at=timezone.now(), **fields
            )
        )


def touch(job: models.Model, token: str, **fields: Any) -> None:
    """Store ``fields`` on the job and mark progress, unless another run has taken it."""
    fields["progressed_at"] = timezone.now()
    if not type(job)._default_manager.filter(pk=job.pk, worker_token=token).update(**fields):
        raise TakenOver(job.pk)


def requeue_stalled(model: type[M], *, running: Q, enqueue: Callable[[int], Any]) -> int:
    """Queue again every running job that has shown no progress for the stall time."""
    stale = stalled_since()
    stalled = model._default_manager.filter(
        running,
        Q(requeued_at__isnull=True) | Q(requeued_at__lt=stale),
        progressed_at__lt=stale,
    )
    resumed = 0
    for job_id in list(stalled.values_list("pk", flat=True)):
        with transaction.atomic():
            if model._default_manager.filter(pk=job_id).update(requeued_at=timezone.now()):
                enqueue(job_id)
                resumed += 1
    return resumed


def file_limits() -> Limits:
    """How many records and bytes one file job's file may hold."""
    return Limits(
        max_records=settings.LRS_BATCH_MAX_RECORDS, max_bytes=settings.LRS_BATCH_MAX_BYTES
    )


def chunks(records: Iterable[Any], *, after_row: int) -> Iterator[list[Any]]:
    """The records after ``after_row`` (those a resumed run has still to do), in chunks
    of settings.LRS_BATCH_CHUNK_SIZE."""
    chunk: list[Any] = []
    for record in records:
        if record.row <= after_row:
            continue
        chunk.append(record)
        if len(chunk) >= settings.LRS_BATCH_CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextlib.contextmanager
def sqlite_page_cache(kib: int = 64 * 1024) -> Iterator[None]:
    """On SQLite, a bigger page cache while a job runs (SQLite's default is 2 MB): its
    reads and index inserts land on pages all over a big register."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{kib}")
    try:
        yield
    finally:
        # Never mask the error that ended a failed run.
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def uploader_addresses(job: FileJob) -> list[str]:
    """Whom to tell how a file went: its uploader, if they have an email address. The
    email itself is the app's (``send_email.enqueue`` with its kind); never any personal
    data in it."""
    email = job.uploader.email
    return [email] if email else []


# --- The runner -------------------------------------------------------------------------


class FileJobRunner(Generic[J]):
    """One run of a file job: claim it, then validate its file whole, then process its
    records in chunks (each app's ``process``), then tell the uploader.

    A subclass names its ``model`` and says which states may be claimed and what each
    step stores; the order of the steps and the claim are the same for every job."""

    model: type[J]
    # The word a finished run returns (the task's result).
    done = "complete"

    def claimable(self) -> Q:
        raise NotImplementedError

    def claim_fields(self) -> dict[str, Any]:
        return {}

    def load(self, pk: int) -> J:
        return self.model._default_manager.get(pk=pk)

    def start(self, job: J, token: str) -> None:
        raise NotImplementedError

    def validate(self, job: J, token: str, path: Path) -> Any:
        """Check the whole file; returns a report with ``file_accepted``."""
        raise NotImplementedError

    def refuse(self, job: J, token: str, report: Any) -> None:
        """Store (and audit) why the file was refused: nothing of it is applied."""
        raise NotImplementedError

    def process(self, job: J, token: str, path: Path, report: Any) -> str | None:
        """Process the records in chunks; returns "failed" if the file turned bad."""
        raise NotImplementedError

    def complete(self, job: J, token: str) -> None:
        raise NotImplementedError

    def notify(self, job: J) -> None:
        raise NotImplementedError

    def run(self, pk: int) -> str:
        """Validate then process a job; safe to call again after a crash."""
        token = uuid.uuid4().hex
        if not claim(
            self.model, pk, claimable=self.claimable(), token=token, **self.claim_fields()
        ):
            return "not claimed"
        job = self.load(pk)
        with local_path(job.stored_name) as path:
            self.start(job, token)
            report = self.validate(job, token, path)
            if not report.file_accepted:
                with transaction.atomic():
                    self.refuse(job, token, report)
                self.notify(job)
                return "failed"
            with sqlite_page_cache():
                outcome = self.process(job, token, path, report)
            if outcome is None:
                with transaction.atomic():
                    self.complete(job, token)
        self.notify(job)
        return outcome or self.done


def runner_for(model: type[FileJob] | str) -> FileJobRunner[Any]:
    """The runner of a kind of file job (its model, or its app_label.Model)."""
    job_model = apps.get_model(model) if isinstance(model, str) else model
    return import_string(job_model.runner)()


@task()
def file_job_run(model: str, pk: int) -> str:
    """Run one file job in the worker (``model`` is its app_label.Model)."""
    return runner_for(model).run(pk)


def file_job_enqueue(job: FileJob) -> None:
    """Queue the job for the worker once the transaction that stored it commits."""
    label, pk = job._meta.label, job.pk
    transaction.on_commit(lambda: file_job_run.enqueue(label, pk))


def file_jobs_requeue_stalled(model: type[J], *, running: Q) -> int:
    label = model._meta.label
    return requeue_stalled(
        model, running=running, enqueue=lambda pk: file_job_run.enqueue(label, pk)
    )
