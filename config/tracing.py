"""OpenTelemetry traces: off unless TRACING_ENABLED, configured by the standard OTEL_* variables.

Off (the default), `tracing_setup` reads two settings and returns: nothing of
OpenTelemetry is imported, no tracer provider is set, no instrumentation is
installed, and the GraphQL view's only extra work is reading one None
(schema/core/tracing_hook.py). On, once per process:

- a TracerProvider from the SDK, its resource from OTEL_SERVICE_NAME and
  OTEL_RESOURCE_ATTRIBUTES (service.name "graphql-api" when neither names one), its
  sampler from OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (the SDK's default:
  parentbased_always_on, so an incoming `traceparent` is followed);
- a BatchSpanProcessor (OTEL_BSP_*) and the OTLP exporter over HTTP/protobuf
  (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, _HEADERS,
  _TIMEOUT, _COMPRESSION; default http://localhost:4318/v1/traces);
- the Django, psycopg and Redis instrumentations: a span per HTTP request, per SQL
  statement (its text with placeholders, never its parameters) and per Redis
  command (its name, the arguments replaced by "?");
- a span per GraphQL operation and for slow resolvers (schema/core/operation_tracing.py).

OTEL_SDK_DISABLED=true keeps it off whatever TRACING_ENABLED says.

Where it starts: gunicorn's `post_fork` (config/gunicorn.py), so each worker has
its own exporter thread, and config/wsgi.py for any other server (`runserver`,
the benchmark's gunicorn without our config); the second call is a no-op.
Management commands and the task worker are not traced.
"""

import os

from django.conf import settings

SERVICE_NAME_DEFAULT = "graphql-api"
TRACER_NAME = "graphql-api"

# Whether this process installed tracing (a forked child inherits it, and the
# SDK's own fork handler restarts the exporter thread there).
_installed = False


def tracing_wanted() -> bool:
    """TRACING_ENABLED, unless OTEL_SDK_DISABLED says the SDK is off."""
    disabled = os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
    return settings.TRACING_ENABLED and not disabled


def tracing_setup() -> bool:
    """Start tracing in this process if it is on and not started yet; whether it is on."""
    global _installed
    if _installed or not tracing_wanted():
        return _installed
    import django
    from django.apps import apps
    from opentelemetry import trace

    if not apps.ready:  # config/wsgi.py calls this first; the schema needs the models
        django.setup(set_prefix=False)
    provider = tracer_provider_build()
    trace.set_tracer_provider(provider)
    tracing_install(provider)
    _installed = True
    return True


def tracer_provider_build():
    """A TracerProvider exporting over OTLP/HTTP, configured by the OTEL_* variables."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: SERVICE_NAME_DEFAULT}))
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def tracing_install(provider) -> None:
    """Instrument Django, psycopg and Redis, and trace GraphQL operations, into `provider`.

    Before Django builds its middleware chain: the Django instrumentation adds its
    middleware to settings.MIDDLEWARE (first, so the request span holds everything).
    """
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    from schema.core.operation_tracing import operation_tracing_install

    DjangoInstrumentor().instrument(tracer_provider=provider)
    PsycopgInstrumentor().instrument(tracer_provider=provider)
    RedisInstrumentor().instrument(tracer_provider=provider)
    operation_tracing_install(provider.get_tracer(TRACER_NAME))


def tracing_uninstall() -> None:
    """Undo `tracing_install` (tests; a process that traced keeps its provider)."""
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    from schema.core.operation_tracing import operation_tracing_uninstall

    operation_tracing_uninstall()
    RedisInstrumentor().uninstrument()
    PsycopgInstrumentor().uninstrument()
    DjangoInstrumentor().uninstrument()
