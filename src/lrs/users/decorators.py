"""How the portal's views check access and translate services' refusals into HTTP.

In users (not portal) because they read the signed-in User: portal stays below users."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from lrs.access import Capability
from lrs.core.errors import NotFound, NotPermitted
from lrs.users.models import User

View = Callable[..., HttpResponse]
AnyView = TypeVar("AnyView", bound=Callable[..., HttpResponseBase])


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user of a view behind ``login_required``."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user


def translate_refusals(view: AnyView) -> AnyView:
    """NotPermitted from a service or selector becomes the 403 page, NotFound the 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return cast("AnyView", wrapped)


def capability_required(capability: Capability) -> Callable[[View], View]:
    """Signed in (else to the sign-in page) and able to ``capability`` (else 403)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not signed_in_user(request).can(capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(translate_refusals(wrapped))

    return decorator
