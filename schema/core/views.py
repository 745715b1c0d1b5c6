"""The /graphql/ endpoint: GraphQL over HTTP, with Bearer authentication and GraphiQL.

The view only orchestrates the stages, each in its own module:

1. who is calling: the Bearer token (accounts.authentication), checked once;
2. HTTP parsing and negotiation: method, media types, body, batch (http_request.py);
3. the document pipeline: persisted queries, the document cache, limits,
   validation, cost (pipeline.py);
4. execution (operation_run.py) and the answer: status codes, body, headers and
   the error codes logged (answer.py).

What the stages share travels in accounts.request_context, never in request
attributes. The database unavailable (down, restarting, too slow) is
SERVICE_UNAVAILABLE: 503 with Retry-After when the Bearer token's user cannot be
loaded (the request is refused before it runs); a field error like any other
(200, with `data`, as the spec requires) when it fails during execution.

CI runs graphql-http's audit suite against a live server (tests/live).
"""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from graphene_django_graphiql_static.views import GraphiQLOfflineView
from graphql import ExecutionContext

from accounts.authentication import request_authenticate
from accounts.refresh_cookie import refresh_cookie_apply
from accounts.request_context import request_context
from schema.core import tracing_hook
from schema.core.answer import (
    budget_refusal_response,
    error_response,
    execution_answer,
    graphql_response,
)
from schema.core.errors import DATABASE_UNAVAILABLE_ERRORS, ErrorCode, RequestError
from schema.core.execution import FastLeafExecutionContext
from schema.core.http_request import (
    GraphQLParams,
    request_method_check,
    request_params,
    response_media_type,
)
from schema.core.operation_run import operation_execute
from schema.core.pipeline import operation_prepare

logger = logging.getLogger("schema.errors")


class GraphQLApiView(GraphiQLOfflineView):
    """graphene-django's view (with its offline GraphiQL), made spec-compliant and bounded."""

    # The offline page, with a title and a Bearer header template (schema/templates).
    graphiql_template = "graphiql.html"

    def dispatch(self, request, *args, **kwargs):
        # Replaces whatever the session middleware put there: on /graphql/ only
        # the Bearer header counts, and it is checked once, before execution.
        try:
            authentication = request_authenticate(request)
        except DATABASE_UNAVAILABLE_ERRORS as error:
            # The token's user cannot be loaded: refuse the request before it runs.
            request.user = AnonymousUser()
            return error_response(
                request, RequestError.database_unavailable(error, "authentication")
            )
        request.user = authentication.user
        request_context(request).authentication_failure = authentication.failure
        request_context(request).session_id = authentication.session_id
        try:
            request_method_check(request)
            if request.method == "GET" and self.wants_graphiql(request):
                return self.render_graphiql(request, **self.graphiql_context())
            refused = budget_refusal_response(request)
            if refused is not None:
                return refused
            media_type = response_media_type(request)
            params = request_params(request)
            batch = isinstance(params, list)
            answers = [
                self.operation_answer(request, entry, media_type)
                for entry in (params if batch else [params])
            ]
            response = graphql_response(request, answers, media_type, batch=batch)
            # Cookie mode: the refresh cookie a token mutation set or cleared.
            return refresh_cookie_apply(request, response)
        except RequestError as error:
            return error_response(request, error)
        except DATABASE_UNAVAILABLE_ERRORS as error:
            return error_response(request, RequestError.database_unavailable(error, "view"))
        except Exception:
            logger.exception("Unhandled error in the GraphQL view")
            error = RequestError(
                "Internal server error.", status=500, code=ErrorCode.INTERNAL_SERVER_ERROR
            )
            return error_response(request, error)

    def operation_answer(self, request, params: GraphQLParams, media_type: str):
        """The response body and status of one operation: prepared, run, answered (and
        traced, in a span of its own, when tracing is on: schema/core/tracing_hook.py)."""
        traced = tracing_hook.operation_traced
        if traced is not None:
            return traced(self._operation_answer, request, params, media_type)
        return self._operation_answer(request, params, media_type)

    def _operation_answer(
        self,
        request,
        params: GraphQLParams,
        media_type: str,
        execution_context_class: type[ExecutionContext] = FastLeafExecutionContext,
    ):
        schema = self.schema.graphql_schema
        prepared = operation_prepare(request, schema, params)
        if prepared.refusal is not None:
            return execution_answer(request, prepared.refusal, False, media_type)
        result, started = operation_execute(
            schema,
            prepared,
            params,
            root_value=self.get_root_value(request),
            context_value=self.get_context(request),
            middleware=self.get_middleware(request),
            execution_context_class=execution_context_class,
        )
        return execution_answer(request, result, started, media_type)

    @staticmethod
    def wants_graphiql(request) -> bool:
        # Read per request, so a test (or a settings override) can turn it on and off.
        return (
            settings.GRAPHIQL_ENABLED
            and "raw" not in request.GET
            and GraphiQLOfflineView.request_wants_html(request)
        )

    def graphiql_context(self) -> dict[str, Any]:
        return {
            "whatwg_fetch_sri": self.whatwg_fetch_sri,
            "react_sri": self.react_sri,
            "react_dom_sri": self.react_dom_sri,
            "graphiql_sri": self.graphiql_sri,
            "graphiql_css_sri": self.graphiql_css_sri,
            "subscriptions_transport_ws_sri": self.subscriptions_transport_ws_sri,
            "graphiql_plugin_explorer_sri": self.graphiql_plugin_explorer_sri,
            "graphiql_plugin_explorer_css_sri": self.graphiql_plugin_explorer_css_sri,
            "subscription_path": self.subscription_path,
            # The header editor is where a user pastes {"Authorization": "Bearer ..."}.
            "graphiql_header_editor_enabled": True,
            "graphiql_should_persist_headers": False,
        }
