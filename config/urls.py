"""URL routes: the GraphQL endpoint and the Django admin."""

from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.health import healthz, readyz
from schema.core.views import GraphQLApiView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # CSRF does not apply: a /graphql/ request is authenticated by its Bearer
    # header only, never by a cookie, so a cross-site form carries no identity.
    path(
        "graphql/",
        csrf_exempt(GraphQLApiView.as_view()),
        name="graphql",
    ),
]
