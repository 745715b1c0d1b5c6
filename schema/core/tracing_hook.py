"""Where tracing plugs into the GraphQL view: None unless tracing is on.

config/tracing.py sets `operation_traced` (schema/core/operation_tracing.py) when
TRACING_ENABLED; with tracing off, reading this None is all the view does more,
and nothing of OpenTelemetry is imported.
"""

from collections.abc import Callable
from typing import Any

# Called with (answer, request, params, media_type): runs `answer` inside the
# operation's span and returns what it returns.
operation_traced: Callable[..., Any] | None = None
