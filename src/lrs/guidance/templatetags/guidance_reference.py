"""Links from a code shown in a portal page to its reference page.

``{% load guidance_reference %}`` then ``{{ code|code_link }}`` for a code written as
text, or ``{{ code|code_url }}`` for the address alone (to wrap a tag in a link). A value
that is not a code of the service (``FILE``, an empty string) gets no link.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from lrs.guidance.reference import all_codes

register = template.Library()


@register.filter
def code_url(code: Any) -> str:
    """The reference page of ``code``, or "" when it is not a code of the service."""
    text = str(code or "")
    if text not in all_codes():
        return ""
    return reverse("portal:reference-code", args=[text])


@register.filter
def code_link(code: Any) -> SafeString:
    """``code`` as a link to its reference page; as plain text when it is not a code."""
    url = code_url(code)
    if not url:
        return conditional_escape("" if code is None else code)
    return format_html('<a class="govuk-link" href="{}">{}</a>', url, code)
