"""Files people send with a challenge, a support request or a request for a paper copy:
checked by their declared type, their size and their content (the bytes, not the name),
then stored under a name of our own, never the sender's, in a private folder under
LRS_UPLOADS_DIR. Read, hashed and limited in size as file jobs' uploads are
(lrs.core.filejobs.spool), and checked before anything is stored."""

from __future__ import annotations

import codecs
import re
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import puremagic
from django.conf import settings
from django.http import FileResponse, Http404

from lrs.core.errors import FieldProblem, ValidationFailed
from lrs.core.filejobs import spool


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


TYPE_NAMES = {
    "application/pdf": "a PDF",
    "image/png": "a PNG image",
    "image/jpeg": "a JPEG image",
    "text/plain": "plain text",
}
TEXT = "text/plain"
# Enough of the start of a file for every signature of the types we take.
_HEAD_BYTES = 8192
# Control characters no plain text holds (tab, line feed, form feed and carriage return may).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Text a browser would run or render as a page, whatever type it is served as.
_ACTIVE_MARKUP = ("text/html", "image/svg+xml", "application/xhtml+xml")


class ContentCheck:
    """What a file's bytes are, learnt as its chunks go by (so a large file is read once).

    The binary types (PDF, PNG, JPEG) are told by their signatures, from the puremagic
    library's table; plain text is text that decodes (UTF-8, UTF-16 with its byte-order mark,
    or Windows-1252) and holds no control characters."""

    def __init__(self) -> None:
        self.head = b""
        self._decoders: list[Any] | None = None
        self._text = True

    def feed(self, chunk: bytes) -> None:
        if len(self.head) < _HEAD_BYTES:
            self.head += chunk[: _HEAD_BYTES - len(self.head)]
        if self._text:
            self._decode(chunk, final=False)

    def _decode(self, chunk: bytes, *, final: bool) -> None:
        if self._decoders is None:
            if not chunk and not final:
                return
            bom = self.head[:4]
            if bom.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                names = ["utf-16"]
            else:
                names = ["utf-8-sig", "cp1252"]
            self._decoders = [codecs.getincrementaldecoder(n)() for n in names]
        alive = []
        for decoder in self._decoders:
            try:
                if not _CONTROL.search(decoder.decode(chunk, final)):
                    alive.append(decoder)
            except UnicodeDecodeError:
                pass
        self._decoders = alive
        self._text = bool(alive)

    def types(self) -> list[str]:
        """Every type the content is, in the order the signatures matched; text last."""
        try:
            matches = puremagic.magic_string(self.head) if self.head else []
        except puremagic.PureError:
            matches = []
        found = list(dict.fromkeys(m.mime_type for m in matches if m.mime_type))
        if self._text and self.head:
            self._decode(b"", final=True)
        if self._text and self.head and not set(found) & set(_ACTIVE_MARKUP):
            found.append(TEXT)
        return found

    def verdict(self, *, name: str, declared: str) -> tuple[str | None, str]:
        """The type to store the file as, or None and why not."""
        if not self.head:
            return None, f"{name} is empty"
        found = self.types()
        if declared in found:
            return declared, ""
        allowed = [t for t in found if t in settings.LRS_EVIDENCE_TYPES and t != TEXT]
        if allowed:
            # Another type we take (a PNG named .jpg): kept, and served as what it is.
            return allowed[0], ""
        said = TYPE_NAMES.get(declared, declared)
        return None, (
            f"{name} must be a PDF, PNG, JPEG or plain text file: it says it is {said}, "
            "but its content is not"
        )


def upload_content_problem(upload: Any) -> str:
    """Why ``upload``'s content is not one of the types we take, or "" when it is.

    For forms, which check before anything is stored; upload_store checks again."""
    name = Path(getattr(upload, "name", "") or "file").name
    check = ContentCheck()
    for chunk in upload.chunks():
        check.feed(chunk)
    _, problem = check.verdict(name=name, declared=_declared_type(upload))
    return problem


def _declared_type(upload: Any) -> str:
    return (getattr(upload, "content_type", "") or "").split(";")[0].strip()


def upload_limit_mb() -> int:
    return int(settings.LRS_EVIDENCE_MAX_BYTES // (1024 * 1024))


def upload_path(folder: str, stored_path: str) -> Path:
    return Path(settings.LRS_UPLOADS_DIR) / folder / stored_path


def upload_store(*, upload: Any, folder: str, field: str, noun: str, each: str) -> StoredUpload:
    """Check ``upload``'s declared type, size and content (settings.LRS_EVIDENCE_*) and
    store it, as the type its content shows.

    ``noun`` starts the message about the type ("Evidence must be …"), ``each`` names one
    file in the message about the size ("Each evidence file must be …").
    """
    content_type = _declared_type(upload)
    name = Path(getattr(upload, "name", "") or "file").name[:255]
    if content_type not in settings.LRS_EVIDENCE_TYPES:
        raise ValidationFailed(
            [FieldProblem(field, f"{noun} must be a PDF, PNG, JPEG or plain text file")]
        )
    target = Path(settings.LRS_UPLOADS_DIR) / folder
    target.mkdir(parents=True, exist_ok=True)
    stored = f"{uuid.uuid4().hex}.bin"  # never the sender's name: it is not trusted
    check = ContentCheck()
    too_big = FieldProblem(field, f"Each {each} must be {upload_limit_mb()} MB or smaller")
    with spool(
        upload, max_bytes=settings.LRS_EVIDENCE_MAX_BYTES, too_big=too_big, observe=check.feed
    ) as spooled:
        kind, problem = check.verdict(name=name, declared=content_type)
        if kind is None:
            raise ValidationFailed([FieldProblem(field, problem)])
        with (target / stored).open("wb") as out:
            shutil.copyfileobj(spooled.file, out)
    size, sha256 = spooled.size, spooled.sha256
    return StoredUpload(
        original_name=name,
        content_type=kind,
        size=size,
        sha256=sha256,
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
