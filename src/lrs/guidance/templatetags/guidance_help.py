"""Template tags for context help where the context processors' values are not available
(inclusion tags such as the error summary render with a fresh context)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from lrs.guidance.context_help import help_topic_for

register = template.Library()


@register.simple_tag(takes_context=True)
def help_topic(context: Any) -> str:
    """The guidance URL about the current page, or ""."""
    request = getattr(context, "request", None)
    return help_topic_for(request) if request is not None else ""


@register.simple_tag
def support_request_url() -> str:
    """Where to ask the service desk: the support request form if the support app
    provides one, else the guidance on getting help."""
    try:
        return reverse("portal:support-request-new")
    except NoReverseMatch:
        return "/guidance/providers/getting-help/"
