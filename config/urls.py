"""URL routes: the GraphQL endpoint and the Django admin."""

from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from accounts.dpop import dpop_challenged
from config.health import healthz, readyz
from config.jwks import jwks
from config.metrics import metrics_view
from schema.core.views import GraphQLApiView

# Django's CSRF does not apply: a /graphql/ request is authenticated by its Bearer
# header only, never by a cookie, so a cross-site form carries no identity. The
# refresh cookie of cookie mode has its own checks (Origin, X-CSRF-Token).
# A request refused for DPoP's sake answers with its WWW-Authenticate challenge.
graphql_view = csrf_exempt(dpop_challenged(GraphQLApiView.as_view()))

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path(".well-known/jwks.json", jwks, name="jwks"),
    # Prometheus; 404 unless METRICS_ENABLED, Bearer METRICS_TOKEN when set.
    path("metrics", metrics_view, name="metrics"),
    path("graphql/", graphql_view, name="graphql"),
    # Without the slash too, answered the same: APPEND_SLASH would redirect a
    # GET (which clients do not follow with a POST) and fail a POST outright.
    path("graphql", graphql_view),
    # The same endpoint for the token operations of cookie mode: the refresh cookie's
    # Path, so browsers send it there and nowhere else (accounts/refresh_cookie.py).
    path("graphql/token/", graphql_view, name="graphql-token"),
]
