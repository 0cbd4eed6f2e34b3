"""Portal pages of the misuse watch: an organisation's usage for its super users, and
the service desk's queue of suspended accounts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from lrs.access import Capability
from lrs.audit.models import Outcome
from lrs.core.codes import DESCRIPTIONS
from lrs.core.errors import Conflict, ValidationFailed
from lrs.core.forms import GovukForm, add_service_error
from lrs.misuse import selectors
from lrs.misuse.models import AlertStatus
from lrs.misuse.services import COUNTED_ACTIONS, Decision, misuse_alert_decide
from lrs.users.decorators import capability_required, signed_in_user

C = Capability
DECIDED_PER_PAGE = 25
ENTRIES_PER_PAGE = 50

ACTION_LABELS = {
    "learner.find": "Finds",
    "learner.lookup": "Finds by ULN",
    "plr.view": "PLR views",
}
# One entry's action, in the singular.
ACTION_NAMES = {
    "learner.find": "Find",
    "learner.lookup": "Find by ULN",
    "plr.view": "PLR view",
}
CHANNEL_LABELS = {
    "portal": "Portal",
    "api": "API",
    "soap": "Web service",
    "cli": "Command line",
    "worker": "Background worker",
}
OUTCOME_COLOURS = {"success": "green", "refused": "orange", "failed": "red"}


@require_safe
@capability_required(C.MANAGE_USERS)
def usage(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    report = selectors.organisation_usage(actor=actor)
    return render(
        request,
        "misuse/usage.html",
        {
            "report": report,
            "near_percent": round(selectors.NEAR_SHARE * 100),
            "rows": [
                (usage, day, selectors.usage_level(day.total, report.limit))
                for usage in report.users
                for day in usage.active_days
            ],
        },
    )


@require_safe
@capability_required(C.SEARCH_AUDIT)
def alert_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    decided = (
        selectors.misuse_alerts(actor=actor, status=None)
        .exclude(status=AlertStatus.OPEN)
        .order_by("-decided_at", "-id")
    )
    return render(
        request,
        "misuse/alert_list.html",
        {
            "open": list(selectors.misuse_alerts(actor=actor)),
            "decided": Paginator(decided, DECIDED_PER_PAGE).get_page(request.GET.get("page")),
        },
    )


class DecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="What do you want to do?",
        choices=[
            (Decision.REINSTATE, "Reinstate the account"),
            (Decision.KEEP, "Keep the account suspended"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select reinstate or keep suspended",
            "invalid_choice": "Select reinstate or keep suspended",
        },
    )
    reason = forms.CharField(
        label="Reason",
        help_text=(
            "For example, what the organisation told you. This is kept with the decision "
            "and in the audit log."
        ),
        max_length=1000,
        error_messages={
            "required": "Enter the reason for your decision",
            "max_length": "The reason must be 1,000 characters or fewer",
        },
        widget=forms.Textarea(attrs={"rows": "3"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].item_hints = {  # type: ignore[attr-defined]
            Decision.REINSTATE: "They can sign in again. Their API tokens stay revoked.",
            Decision.KEEP: "The account stays deactivated.",
        }


@require_http_methods(["GET", "POST"])
@capability_required(C.SEARCH_AUDIT)
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    alert = selectors.misuse_alert_get(actor=actor, alert_id=alert_id)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and alert.status == AlertStatus.OPEN and form.is_valid():
        try:
            misuse_alert_decide(
                actor=actor,
                alert=alert,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            done = (
                "reinstated"
                if form.cleaned_data["decision"] == Decision.REINSTATE
                else "kept suspended"
            )
            messages.success(request, f"The account {alert.user.username} has been {done}")
            return redirect("portal:misuse-alerts")
    activity = selectors.misuse_alert_activity(actor=actor, alert=alert)
    totals = {a: sum(h.counts[a] for h in activity) for a in COUNTED_ACTIONS}
    breakdown = selectors.misuse_alert_breakdown(actor=actor, alert=alert)
    entries = Paginator(
        selectors.misuse_alert_entries(actor=actor, alert=alert), ENTRIES_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "misuse/alert_detail.html",
        {
            "alert": alert,
            "form": form,
            "hours": [
                {
                    "label": h.label,
                    "counts": [h.counts[a] for a in COUNTED_ACTIONS],
                    "total": h.total,
                }
                for h in activity
            ],
            "actions": [(a, ACTION_LABELS[a]) for a in COUNTED_ACTIONS],
            "totals": [totals[a] for a in COUNTED_ACTIONS],
            "total": sum(totals.values()),
            "refused": breakdown.refused,
            "channels": [
                (CHANNEL_LABELS.get(channel, channel), n)
                for channel, n in sorted(breakdown.by_channel.items(), key=lambda c: (-c[1], c[0]))
            ],
            "history": selectors.misuse_alert_history(actor=actor, alert=alert),
            "entries": entries,
            "entry_rows": [_entry_row(selectors.activity_entry(e)) for e in entries],
        },
    )


def _entry_row(entry: selectors.ActivityEntry) -> dict[str, str]:
    code = entry.response_code
    return {
        "time": f"{timezone.localtime(entry.occurred_at):%H:%M:%S}",
        "action": ACTION_NAMES.get(entry.action, entry.action),
        "outcome": entry.outcome,
        "outcome_label": Outcome(entry.outcome).label
        if entry.outcome in Outcome.values
        else entry.outcome,
        "colour": OUTCOME_COLOURS.get(entry.outcome, "grey"),
        "result": f"{code} {DESCRIPTIONS[code]}" if code in DESCRIPTIONS else code,
        "channel": CHANNEL_LABELS.get(entry.channel, entry.channel),
    }
