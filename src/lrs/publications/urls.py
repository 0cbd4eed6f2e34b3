"""The published lists. Included by lrs.portal.urls, so every name here is in the "portal"
namespace. Every page but "list-publish" is public: no sign-in."""

from django.urls import path

from lrs.publications import views

urlpatterns = [
    path("lists/", views.published_lists, name="published-lists"),
    path("lists/<slug:kind>/", views.published_list, name="published-list"),
    path("lists/<slug:kind>/editions/", views.list_editions, name="list-editions"),
    path("lists/<slug:kind>/editions/<int:number>/", views.list_edition, name="list-edition"),
    path(
        "lists/<slug:kind>/editions/<int:number>/download.<str:fmt>",
        views.list_download,
        name="list-download",
    ),
    path("lists/<slug:kind>/publish", views.list_publish, name="list-publish"),
]
