"""The API's routes plus the reference endpoints, served by one benchmark server."""

from django.urls import path

from benchmarks import references
from benchmarks.strawberry_reference import strawberry_view
from config.urls import urlpatterns as api_urlpatterns

urlpatterns = [
    *api_urlpatterns,
    path("bench/ping/", references.ping),
    path("bench/drf/organizations/", references.OrganizationListView.as_view()),
    path(
        "bench/drf/organizations-with-members/",
        references.OrganizationWithMembersListView.as_view(),
    ),
    path(
        "bench/drf/organizations-with-usernames/",
        references.OrganizationWithUsernamesListView.as_view(),
    ),
    path("bench/floor/organizations/", references.floor_organizations),
    path(
        "bench/floor/organizations-with-members/",
        references.floor_organizations_with_members,
    ),
    path("bench/strawberry/", strawberry_view),
]
