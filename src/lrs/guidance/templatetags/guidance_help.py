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


@register.simple_tag(takes_context=True)
def support_request_url(context: Any) -> str:
    """Where a signed-in user asks the service desk: the support request form (else the
    guidance on getting help). "" for anyone who cannot raise a request there: a visitor
    who is not signed in (the form would only ask them to sign in) and the service desk
    itself."""
    request = getattr(context, "request", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.in_service_desk():
        return ""
    try:
        return reverse("portal:support-request-new")
    except NoReverseMatch:
        return "/guidance/providers/getting-help/"
