"""The one request rate limit per user (token), shared by every channel that answers
machines: the REST API and SOAP count against the same allowance."""

from __future__ import annotations

from django.conf import settings
from ninja.throttling import AuthRateThrottle

# A module constant so tests can tighten it.
API_THROTTLE = AuthRateThrottle(settings.LRS_API_RATE)
