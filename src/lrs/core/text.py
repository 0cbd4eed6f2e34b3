"""Small helpers for the portal's wording."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def with_article(noun: str) -> str:
    """ "online user" -> "an online user"; "super user" -> "a super user".

    A role whose name is not a kind of user ("view learner only") is named as one: "a
    “view learner only” user", never "a view learner only".
    """
    noun = str(noun)
    if not noun.endswith("user"):
        return f"a “{noun}” user"
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _time(moment: dt.datetime) -> str:
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    if moment.minute == 0:
        if moment.hour == 12:
            return "midday"
        if moment.hour == 0:
            return "midnight"
        return f"{hour}{suffix}"
    return f"{hour}:{moment.minute:02d}{suffix}"


def govuk_datetime_text(value: dt.datetime) -> str:
    """A moment as GOV.UK writes it, in UK time: 5 January 2026 at 2:15pm. The one way
    the service writes a moment, on pages and in messages alike."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local.day} {local:%B %Y} at {_time(local)}"
