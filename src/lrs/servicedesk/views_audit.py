"""The service desk's search of the audit log.

In servicedesk, not audit: audit (the log, its writes and its search) sits below users,
and a page needs the signed-in user (users.decorators)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from lrs.access import Capability
from lrs.audit.models import Outcome
from lrs.audit.selectors import AuditFilter
from lrs.audit.selectors import audit_search as search_entries
from lrs.core.forms import DatePartsField, GovukForm
from lrs.users.decorators import capability_required, signed_in_user

PER_PAGE = 50


def _text(label: str, hint: str = "", **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=False,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off", **attrs}),
    )


class AuditSearchForm(GovukForm):
    username = _text("Username")
    ukprn = _text("UKPRN", "8 digits", inputmode="numeric")
    action = _text("Action", "For example, user.create, or user. for every user action")
    object_id = _text("Object ID", "A username, ULN, UKPRN or token key id")
    request_id = _text("Request ID")
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "Any outcome"), *Outcome.choices],
    )
    date_from = DatePartsField(name="Date from", label="From", required=False)
    date_to = DatePartsField(name="Date to", label="To", required=False)

    def clean_ukprn(self) -> str:
        ukprn = str(self.cleaned_data.get("ukprn") or "").strip()
        if ukprn and not re.fullmatch(r"\d{8}", ukprn):
            raise forms.ValidationError("A UKPRN is 8 digits, like 10012345")
        return ukprn

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "Date to must be the same as or after date from")
        return cleaned

    def filters(self) -> AuditFilter:
        data = self.cleaned_data
        return AuditFilter(
            username=data["username"].strip(),
            ukprn=data["ukprn"],
            action=data["action"].strip(),
            object_id=data["object_id"].strip(),
            request_id=data["request_id"].strip(),
            outcome=data["outcome"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


@require_safe
@capability_required(Capability.SEARCH_AUDIT)
def audit_search(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    searched = any(key != "page" and value for key, value in request.GET.items())
    form = AuditSearchForm(request.GET if searched else None)
    page = None
    if not searched or form.is_valid():
        filters = form.filters() if searched else AuditFilter()
        entries = search_entries(user=user, filters=filters)
        page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "servicedesk/audit_search.html",
        {"form": form, "page": page, "searched": searched},
    )
