"""The guidance pages: public, except guides for the service desk (404 to anyone else, so
their existence is not advertised)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from lrs.guidance import selectors
from lrs.users.decorators import translate_refusals

MAX_QUERY_LENGTH = 200


@require_safe
def guidance_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "guidance/index.html",
        {"guides": selectors.guides_visible_to(user=request.user)},
    )


@require_safe
def guidance_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    results = selectors.guidance_search(user=request.user, query=query) if query else []
    return render(
        request,
        "guidance/search.html",
        {"query": query, "results": results, "searched": bool(query)},
    )


@require_safe
@translate_refusals
def guidance_guide(request: HttpRequest, guide: str) -> HttpResponse:
    return render(
        request,
        "guidance/guide.html",
        {"guide": selectors.guide_get(user=request.user, slug=guide)},
    )


@require_safe
@translate_refusals
def guidance_page(request: HttpRequest, guide: str, page: str) -> HttpResponse:
    found_guide, found_page = selectors.page_get(
        user=request.user, guide_slug=guide, page_slug=page
    )
    previous, following = found_guide.neighbours(found_page)
    return render(
        request,
        "guidance/page.html",
        {
            "guide": found_guide,
            "page": found_page,
            "previous_page": previous,
            "next_page": following,
        },
    )
