"""A learner's record as an accessible PDF (WeasyPrint, tagged PDF/UA-1).

``plr_content`` is what the PDF says, kept with its reference so that a check shows
exactly what was issued; ``plr_pdf`` lays it out from a template.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse

from lrs.learners.models import Learner
from lrs.records.models import EventStatus, LearningEvent
from lrs.users.services import portal_address


def record_events(learner: Learner) -> list[LearningEvent]:
    """The learner's current learning events, newest first."""
    return list(
        LearningEvent.objects.filter(learner=learner, withdrawn=False).order_by(
            "-award_date", "subject", "id"
        )
    )


def event_summary(event: LearningEvent) -> dict[str, Any]:
    return {
        "id": str(event.public_id),
        "subject": event.subject,
        "subject_code": event.subject_code,
        "qualification_type": event.qualification_type,
        "level": event.level,
        "grade": event.grade,
        "award_date": event.award_date.isoformat(),
        "status": EventStatus(event.status).label,
        "awarding_organisation": event.awarding_organisation_name,
        "provider": event.achievement_provider_name,
        "credits": event.credits,
        "under_challenge": event.under_data_challenge,
    }


def plr_content(
    learner: Learner, *, reference: str, issued_at: dt.datetime, portal_url: str = ""
) -> dict[str, Any]:
    return {
        "reference": reference,
        "issued_at": issued_at.isoformat(),
        "uln": learner.uln,
        "name": f"{learner.given_name} {learner.family_name}",
        "date_of_birth": learner.date_of_birth.isoformat(),
        "check_url": portal_address(portal_url, reverse("learner:check")),
        "events": [event_summary(event) for event in record_events(learner)],
    }


def _dates(content: dict[str, Any]) -> dict[str, Any]:
    """The content with its ISO dates as dates, for the template's date filters."""
    return {
        **content,
        "issued_at": dt.datetime.fromisoformat(content["issued_at"]),
        "date_of_birth": dt.date.fromisoformat(content["date_of_birth"]),
        "events": [
            {**event, "award_date": dt.date.fromisoformat(event["award_date"])}
            for event in content["events"]
        ],
    }


def plr_pdf(content: dict[str, Any]) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, which only PDFs need.
    from weasyprint import HTML

    html = render_to_string("learnerportal/plr_pdf.html", {"doc": _dates(content)})
    return bytes(
        HTML(string=html).write_pdf(
            pdf_variant="pdf/ua-1",
            custom_metadata=True,
        )
    )


def document_view(content: dict[str, Any]) -> dict[str, Any]:
    """The stored content of an issued PDF, ready for a page (the check page)."""
    return _dates(content)
