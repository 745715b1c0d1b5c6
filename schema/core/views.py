"""The /graphql/ view: authenticates once per request, then runs graphene-django."""

from graphene_django.views import GraphQLView

from accounts.authentication import request_authenticate
from schema.core.errors import error_formatted


class GraphQLApiView(GraphQLView):
    """graphene-django's view with Bearer-only authentication and coded errors."""

    def dispatch(self, request, *args, **kwargs):
        # Replaces whatever the session middleware put there: on /graphql/ only
        # the Bearer header counts, and it is checked once, before execution.
        authentication = request_authenticate(request)
        request.user = authentication.user
        request.authentication_failure = authentication.failure
        return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def format_error(error):
        return error_formatted(error)
