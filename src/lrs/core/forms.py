"""Form plumbing shared by every app's pages: GOV.UK ids, dates in three parts, and
turning a service's refusal into errors on the form it came from. In core (not the portal
shell) so that users' pages and the portal's use them without an import cycle."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms

from lrs.core.errors import ServiceError, ValidationFailed


class GovukForm(forms.Form):
    """A form whose fields have the ids GOV.UK Frontend expects: the field's name.

    Error summaries link to ``#<name>``, so a problem on ``username`` takes the user to
    the input with ``id="username"``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DatePartsWidget(forms.MultiWidget):
    """The GOV.UK date input: day, month and year as three text boxes.

    The boxes are named ``<name>_day``, ``<name>_month`` and ``<name>_year``; the
    portal's ``govuk_field`` tag renders them, so this widget never renders itself.
    """

    parts = ("day", "month", "year")

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(dict.fromkeys(self.parts, forms.TextInput), attrs)

    def decompress(self, value: Any) -> list[str | None]:
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]


class DatePartsField(forms.MultiValueField):
    """A date entered as day, month and year, with GOV.UK's error messages.

    ``name`` is how the messages refer to the date, e.g. "Expiry date".
    """

    widget = DatePartsWidget

    def __init__(self, *, name: str, **kwargs: Any) -> None:
        self.name = name
        kwargs.setdefault("error_messages", {"required": f"Enter the {name.lower()}"})
        super().__init__(
            fields=(
                forms.CharField(required=False),
                forms.CharField(required=False),
                forms.CharField(required=False),
            ),
            require_all_fields=False,
            **kwargs,
        )

    def compress(self, data_list: list[str | None]) -> date | None:
        parts = [(value or "").strip() for value in (data_list or [None, None, None])]
        if not any(parts):
            return None
        missing = [
            name for name, value in zip(DatePartsWidget.parts, parts, strict=True) if not value
        ]
        if missing:
            raise forms.ValidationError(f"{self.name} must include a {' and '.join(missing)}")
        try:
            day, month, year = (int(value) for value in parts)
            if year < 1000:
                raise ValueError
            return date(year, month, day)
        except ValueError:
            raise forms.ValidationError(f"{self.name} must be a real date") from None


def add_service_error(
    form: forms.Form, error: ServiceError, fields: Mapping[str, str] | None = None
) -> None:
    """Show a service's refusal on ``form``.

    Each ``FieldProblem`` goes to the form field of the same name, or the one ``fields``
    maps it to; anything else (a ``Conflict``, a problem with no field here) is shown on
    the form as a whole.
    """
    fields = fields or {}
    if isinstance(error, ValidationFailed) and error.problems:
        for problem in error.problems:
            name = fields.get(problem.field, problem.field)
            form.add_error(name if name in form.fields else None, problem.rule)
        return
    form.add_error(None, error.message)


class ConfirmForm(GovukForm):
    """A form with no fields, for pages that ask "are you sure?" and may be refused."""
