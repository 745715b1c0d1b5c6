"""WSGI entry point for gunicorn and other WSGI servers.

Once the application and its URLconf (and with them the GraphQL schema) are
loaded, `gc.freeze()` moves every object they made out of the garbage
collector's view: a full collection then scans what requests made, not the
whole of Django and graphene. Measured in-process on the nested page: a full
collection took 67-85 ms (one request in ~150 waited for it) and took under
1 ms frozen; all collections 178 ms per 300 requests before, 48 ms after
(README "Performance").
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from config.tracing import tracing_setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

# Before the application loads its middleware: the Django instrumentation adds its
# own. Off (the default) this imports nothing of OpenTelemetry (config/tracing.py).
tracing_setup()

application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imports the URLconf and the schema now
gc.freeze()
