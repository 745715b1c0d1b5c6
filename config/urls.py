"""URL routes: the GraphQL endpoint and the Django admin."""

from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from schema.core.views import GraphQLApiView

urlpatterns = [
    path("admin/", admin.site.urls),
    # CSRF does not apply: a /graphql/ request is authenticated by its Bearer
    # header only, never by a cookie, so a cross-site form carries no identity.
    path(
        "graphql/",
        csrf_exempt(GraphQLApiView.as_view()),
        name="graphql",
    ),
]
