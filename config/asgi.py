"""ASGI entry point. The GraphQL schema runs synchronously, under a thread."""

import os

from django.core.asgi import get_asgi_application

from config.tracing import tracing_setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

# Before the application loads its middleware: the Django instrumentation adds its
# own. Off (the default) this imports nothing of OpenTelemetry (config/tracing.py).
tracing_setup()

application = get_asgi_application()
