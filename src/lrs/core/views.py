from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from lrs.core.health import health


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """503 when the database or every worker is down, so a load balancer can act on it."""
    healthy, report = health()
    return JsonResponse(report, status=200 if healthy else 503)
