"""Tracing's switch (config/tracing.py): off, nothing of OpenTelemetry is even imported.

Each case runs in a new process, as a server starts: config/wsgi.py (or gunicorn's
post_fork) sets tracing up once, then a request is served.
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.otlp_receiver import OtlpReceiver

SERVE_ONE_REQUEST = """
import json, sys
from config import gunicorn
gunicorn.post_fork(None, None)      # a gunicorn worker's start
from config.wsgi import application  # any other server's
from django.conf import settings
from django.test import Client
from schema.core import tracing_hook

response = Client().post("/graphql/", {"query": "query Hello { __typename }"},
                         content_type="application/json")
provider = None
if "opentelemetry.trace" in sys.modules:
    from opentelemetry import trace
    provider = type(trace.get_tracer_provider()).__name__
    trace.get_tracer_provider().force_flush()
print(json.dumps({
    "status": response.status_code,
    "imported": sorted(name for name in sys.modules if name.startswith("opentelemetry")),
    "operation_tracing": "schema.core.operation_tracing" in sys.modules,
    "hook": tracing_hook.operation_traced is not None,
    "middleware": [name for name in settings.MIDDLEWARE if "opentelemetry" in name],
    "provider": provider,
}))
"""


def served(**environment: str) -> dict:
    """What a new server process installed, once it answered one request."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "TRACING_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DJANGO_ALLOWED_HOSTS="testserver",
        **environment,
    )
    done = subprocess.run(  # noqa: S603 (the test's own script)
        [sys.executable, "-c", SERVE_ONE_REQUEST],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_tracing_is_off_by_default_and_imports_nothing():
    # when
    process = served()

    # then
    assert process == {
        "status": 200,
        "imported": [],
        "operation_tracing": False,
        "hook": False,
        "middleware": [],
        "provider": None,
    }


def test_otel_sdk_disabled_wins_over_tracing_enabled():
    # when
    process = served(TRACING_ENABLED="true", OTEL_SDK_DISABLED="true")

    # then
    assert process["imported"] == []
    assert process["hook"] is False


def test_tracing_enabled_installs_once_and_exports_to_the_otlp_endpoint():
    # given
    with OtlpReceiver() as receiver:
        # when
        process = served(
            TRACING_ENABLED="true",
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=receiver.endpoint,
            OTEL_SERVICE_NAME="graphql-api-switch-test",
        )

    # then
    assert process["status"] == 200
    assert process["provider"] == "TracerProvider"
    assert process["hook"] is True
    # post_fork and config.wsgi both called it: installed once.
    assert process["middleware"] == [
        "opentelemetry.instrumentation.django.middleware.otel_middleware._DjangoMiddleware"
    ]
    names = {span.name for span in receiver.spans}
    assert {"POST graphql/", "query Hello"} <= names
    assert {span.service_name for span in receiver.spans} == {"graphql-api-switch-test"}


def test_the_default_service_name(monkeypatch):
    # given
    from config.tracing import SERVICE_NAME_DEFAULT, tracer_provider_build

    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)

    # when
    provider = tracer_provider_build()

    # then
    try:
        assert provider.resource.attributes["service.name"] == SERVICE_NAME_DEFAULT
    finally:
        provider.shutdown()


@pytest.mark.parametrize("value", ["-1", "-0.5"])
def test_a_negative_resolver_threshold_is_refused(value):
    # when
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "TRACING_RESOLVER_THRESHOLD_MS": value,
        },
        capture_output=True,
        text=True,
        check=False,
    )

    # then
    assert done.returncode != 0
    assert "TRACING_RESOLVER_THRESHOLD_MS must be >= 0." in done.stderr
