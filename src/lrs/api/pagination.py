"""Pages of the API's lists, with django-ninja's page-number pagination.

Every list answers ``{"items": [...], "count": N, "page": P, "page_size": S}``: ``page``
(from 1) and ``page_size`` are query parameters, documented in the OpenAPI document, and
``count`` is the length of the whole list, so a client knows when it has every item. Lists
used to be cut silently (at 100, 200 or 1,000 items); a page now holds as many by default."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, get_type_hints

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination, paginate

T = TypeVar("T")
R = TypeVar("R")

# No page is larger than this, whatever page_size asks for.
MAX_PAGE_SIZE = 1000
# Far past the end of any list, and small enough that the page's offset fits the
# database's 64-bit integers (a larger page number was a server error).
MAX_PAGE = 1_000_000_000


class Mapped(Generic[T, R]):
    """A list (or query set) whose items are turned into their API form only for the page
    that is sent, so a long list is never converted whole."""

    def __init__(self, items: Sequence[T] | QuerySet[Any], convert: Callable[[T], R]) -> None:
        self.items = items
        self.convert = convert

    def __len__(self) -> int:
        if isinstance(self.items, QuerySet):
            return self.items.count()
        return len(self.items)

    def __getitem__(self, window: slice) -> list[R]:
        return [self.convert(item) for item in self.items[window]]


class Paged(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="Which page, from 1")
        page_size: int | None = Field(
            None,
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"Items a page (the operation's default when left out; at most "
            f"{MAX_PAGE_SIZE})",
        )

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="How many items the whole list has")
        page: int = Field(description="This page's number, from 1")
        page_size: int = Field(description="Items a page")

    def __init__(self, page_size: int = 100, **kwargs: Any) -> None:
        super().__init__(page_size=page_size, max_page_size=MAX_PAGE_SIZE, **kwargs)

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        return {
            "items": queryset[offset : offset + page_size],
            "count": self._items_count(queryset),
            "page": pagination.page,
            "page_size": page_size,
        }


def paged(page_size: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """ninja's ``@paginate(Paged, page_size=…)``, for modules that postpone annotations.

    ninja reads the parameters of the view it wraps in its own module, where names such as
    ``Query`` or ``uuid`` are unknown; so they are resolved here, in the view's module."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        view.__annotations__ = get_type_hints(view, include_extras=True)
        return paginate(Paged, page_size=page_size)(view)

    return decorate
