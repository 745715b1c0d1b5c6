"""Fixtures of the tests of config/."""

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest

from config.logging import JsonFormatter, RequestIdFilter


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict]]]:
    """What the configured console handler (LOGGING's, with its filter) wrote, as JSON entries."""
    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(item, RequestIdFilter) for item in handler.filters)
    )
    stream = io.StringIO()
    previous_formatter = handler.formatter
    previous_stream = handler.setStream(stream)
    handler.setFormatter(JsonFormatter())
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(previous_stream)
    handler.setFormatter(previous_formatter)
