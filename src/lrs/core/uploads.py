"""Files people send with a challenge or a support request: checked, then stored under a
name of our own, never the sender's, in a private folder under LRS_UPLOADS_DIR."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404

from lrs.core.errors import FieldProblem, ValidationFailed


@dataclass(frozen=True)
class StoredUpload:
    original_name: str
    content_type: str
    size: int
    sha256: str
    stored_path: str

    def fields(self) -> dict[str, Any]:
        """The columns every stored-file model shares (ChallengeEvidence, SupportAttachment)."""
        return {
            "original_name": self.original_name,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "stored_path": self.stored_path,
        }


def upload_limit_mb() -> int:
    return int(settings.LRS_EVIDENCE_MAX_BYTES // (1024 * 1024))


def upload_path(folder: str, stored_path: str) -> Path:
    return Path(settings.LRS_UPLOADS_DIR) / folder / stored_path


def upload_store(*, upload: Any, folder: str, field: str, noun: str, each: str) -> StoredUpload:
    """Check ``upload``'s type and size (settings.LRS_EVIDENCE_*) and store it.

    ``noun`` starts the message about the type ("Evidence must be …"), ``each`` names one
    file in the message about the size ("Each evidence file must be …").
    """
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip()
    name = Path(getattr(upload, "name", "") or "file").name[:255]
    if content_type not in settings.LRS_EVIDENCE_TYPES:
        raise ValidationFailed(
            [FieldProblem(field, f"{noun} must be a PDF, PNG, JPEG or plain text file")]
        )
    target = Path(settings.LRS_UPLOADS_DIR) / folder
    target.mkdir(parents=True, exist_ok=True)
    stored = f"{uuid.uuid4().hex}.bin"  # never the sender's name: it is not trusted
    digest = hashlib.sha256()
    size = 0
    with (target / stored).open("wb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > settings.LRS_EVIDENCE_MAX_BYTES:
                out.close()
                (target / stored).unlink(missing_ok=True)
                raise ValidationFailed(
                    [FieldProblem(field, f"Each {each} must be {upload_limit_mb()} MB or smaller")]
                )
            digest.update(chunk)
            out.write(chunk)
    return StoredUpload(
        original_name=name,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        stored_path=stored,
    )


def upload_store_all(
    *, uploads: Iterable[Any], folder: str, field: str, noun: str, each: str
) -> list[StoredUpload]:
    """Store every one of ``uploads``, or none: when a later file is refused (or anything
    else fails), the files already stored by this call are removed, so that a refused
    request leaves nothing behind on disk."""
    stored: list[StoredUpload] = []
    try:
        for upload in uploads:
            stored.append(
                upload_store(upload=upload, folder=folder, field=field, noun=noun, each=each)
            )
    except BaseException:
        for kept in stored:
            upload_path(folder, kept.stored_path).unlink(missing_ok=True)
        raise
    return stored


def upload_response(path: Path, *, original_name: str, content_type: str) -> FileResponse:
    """A stored file sent back as a download under the sender's name, never shown inline
    and never type-sniffed by the browser (it may hold anything its type claims)."""
    if not path.is_file():
        raise Http404("The file is missing")
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=original_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
