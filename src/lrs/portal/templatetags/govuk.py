"""Template tags that render Django forms and data as GOV.UK Frontend components.

The markup follows govuk-frontend's own Nunjucks templates (node_modules/govuk-frontend/
dist/govuk/components/*/template.njk); the component templates are in
templates/portal/components/.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms, template
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Page
from django.forms.utils import flatatt
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from lrs.core.forms import DatePartsWidget
from lrs.core.text import govuk_datetime_text, with_article

register = template.Library()

# Attributes the component templates set themselves, or that GOV.UK asks services not to
# use (maxlength cuts people off without telling them; validation is on the server).
_MANAGED_ATTRS = {"class", "id", "name", "type", "value", "required", "maxlength", "minlength"}


def _anchor(bound_field: forms.BoundField) -> str:
    """The id an error summary links to: the field's first input."""
    field_id = bound_field.auto_id or bound_field.html_name
    if isinstance(bound_field.field.widget, DatePartsWidget):
        return f"{field_id}_day"
    return str(field_id)


@register.simple_tag
def govuk_field(
    bound_field: forms.BoundField,
    *,
    label_class: str = "",
    heading: bool = False,
    input_class: str = "",
    hint: str | None = None,
) -> SafeString:
    """Render a bound field as the matching GOV.UK component, with hint and error.

    ``label_class`` sizes the label or legend (e.g. ``govuk-label--l``); ``heading``
    makes it the page's ``<h1>``.
    """
    field = bound_field.field
    widget = field.widget
    field_id = str(bound_field.auto_id or bound_field.html_name)
    errors = [str(error) for error in bound_field.errors]
    hint_text = field.help_text if hint is None else hint
    described_by = []
    if hint_text:
        described_by.append(f"{field_id}-hint")
    if errors:
        described_by.append(f"{field_id}-error")
    attrs = {
        key: value
        for key, value in widget.attrs.items()
        if key not in _MANAGED_ATTRS and value not in (None, False)
    }
    context: dict[str, Any] = {
        "id": field_id,
        "name": bound_field.html_name,
        "label": bound_field.label,
        "label_class": label_class,
        "heading": heading,
        "hint": hint_text,
        "errors": errors,
        "described_by": " ".join(described_by),
        "input_class": " ".join(filter(None, [widget.attrs.get("class", ""), input_class])),
        "attrs": flatatt(attrs),
    }
    value = bound_field.value()
    if isinstance(widget, DatePartsWidget):
        parts = value if isinstance(value, list | tuple) else widget.decompress(value)
        context["parts"] = [
            {
                "name": f"{bound_field.html_name}_{part}",
                "id": f"{field_id}_{part}",
                "label": part.capitalize(),
                "value": part_value or "",
                "width": 4 if part == "year" else 2,
            }
            for part, part_value in zip(DatePartsWidget.parts, parts, strict=True)
        ]
        template_name = "portal/components/date_input.html"
    elif isinstance(widget, forms.RadioSelect):
        item_hints: dict[str, str] = getattr(field, "item_hints", {})
        context["items"] = [
            {
                "id": field_id if index == 0 else f"{field_id}-{index + 1}",
                "value": choice_value,
                "text": choice_label,
                "checked": value is not None and str(choice_value) == str(value),
                "hint": item_hints.get(str(choice_value), ""),
            }
            for index, (choice_value, choice_label) in enumerate(field.choices)  # type: ignore[attr-defined]
        ]
        template_name = "portal/components/radios.html"
    elif isinstance(widget, forms.Select):
        context["items"] = [
            {
                "value": choice_value,
                "text": choice_label,
                "selected": value is not None and str(choice_value) == str(value),
            }
            for choice_value, choice_label in field.choices  # type: ignore[attr-defined]
        ]
        template_name = "portal/components/select.html"
    elif isinstance(widget, forms.PasswordInput):
        template_name = "portal/components/password_input.html"
    else:
        context["type"] = getattr(widget, "input_type", "text")
        context["value"] = widget.format_value(value) or ""
        template_name = "portal/components/input.html"
    return render_to_string(template_name, context)


@register.inclusion_tag("portal/components/error_summary.html")
def govuk_error_summary(form: forms.Form | None) -> dict[str, Any]:
    """The error summary for ``form``: every error, each linking to its field.

    Errors about the whole form link to its first field, or to nothing if it has none.
    """
    items: list[dict[str, str]] = []
    if form is None or not form.errors:
        return {"items": items}
    visible = form.visible_fields()
    first = f"#{_anchor(visible[0])}" if visible else ""
    for error in form.non_field_errors():
        items.append({"text": str(error), "href": first})
    for name, errors in form.errors.items():
        if name == NON_FIELD_ERRORS:
            continue
        href = f"#{_anchor(form[name])}"
        items.extend({"text": str(error), "href": href} for error in errors)
    return {"items": items}


@register.filter
def govuk_date(value: date | datetime | None) -> str:
    """A date as GOV.UK writes it: 5 January 2026."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.day} {value:%B %Y}"


@register.filter
def govuk_datetime(value: datetime | None) -> str:
    """A moment as GOV.UK writes it: 5 January 2026 at 2:15pm (UK time)."""
    if value is None:
        return ""
    return govuk_datetime_text(value)


register.filter("with_article", with_article)


@register.inclusion_tag("portal/components/pagination.html")
def govuk_pagination(page: Page, request: HttpRequest) -> dict[str, Any]:
    """The GOV.UK pagination component for ``page``, keeping the other query parameters."""

    def href(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return f"?{query.urlencode()}"

    total = page.paginator.num_pages
    current = page.number
    wanted = sorted({1, total, current - 1, current, current + 1} & set(range(1, total + 1)))
    items: list[dict[str, Any]] = []
    previous_number = 0
    for number in wanted:
        if number - previous_number > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == current})
        previous_number = number
    return {
        "show": total > 1,
        "items": items,
        "previous": href(page.previous_page_number()) if page.has_previous() else "",
        "next": href(page.next_page_number()) if page.has_next() else "",
    }
