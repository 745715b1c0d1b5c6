"""WSGI entry point for gunicorn and other WSGI servers."""

import os

from django.core.wsgi import get_wsgi_application

from config.tracing import tracing_setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

# Before the application loads its middleware: the Django instrumentation adds its
# own. Off (the default) this imports nothing of OpenTelemetry (config/tracing.py).
tracing_setup()

application = get_wsgi_application()
