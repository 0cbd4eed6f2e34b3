from __future__ import annotations

from django.conf import settings

from lrs.batches.models import Batch, BatchStatus
from lrs.core.filejobs import uploader_addresses
from lrs.core.tasks import send_email


def notify_uploader(batch: Batch) -> None:
    """Tell the uploader their file is done. Never any personal data in the email."""
    to = uploader_addresses(batch)
    if not to:
        return
    if batch.status == BatchStatus.COMPLETE:
        subject = f"LRS: batch file {batch.file_name} has been processed"
        body = (
            f"Your batch file {batch.file_name} has been processed.\n\n"
            f"Records: {batch.total_records}\n"
            f"New learners: {batch.new_learners}\n"
            f"Existing or updated learners: {batch.existing_learners}\n"
            f"Possible matches to resolve: {batch.possible_matches}\n"
            f"ULNs not found: {batch.not_found}\n"
            f"Rejected: {batch.rejected}\n\n"
            "Sign in to LRS to download the output file and resolve any exceptions."
        )
    else:
        subject = f"LRS: batch file {batch.file_name} could not be processed"
        body = (
            f"Your batch file {batch.file_name} was refused: {batch.failure_reason}\n\n"
            "Sign in to LRS to see every problem found, then correct the file and upload it "
            "again."
        )
    send_email.enqueue(to=to, subject=subject, body=body + _footer(), kind="batch_result")


def _footer() -> str:
    return f"\n\n-- \nLearning Records Service ({settings.DEFAULT_FROM_EMAIL})\n"
