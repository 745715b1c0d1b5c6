"""The size of a query's answer, counted while it is executed.

A query's JSON is counted as it completes (every object's keys and braces, every
leaf's exact JSON length, every error; execution.py does the counting), and past
GRAPHQL_MAX_RESPONSE_BYTES execution stops at once (ResponseTooLarge), before the
rest is loaded or any JSON is written. Mutations are not counted: their writes
are done by then, and their payloads are a few objects each.
"""

from typing import Any

import orjson

# JSON length of a number or a boolean, without encoding it (a float is at most 24).
NON_STRING_BYTES = 24
SHORT_STRING = 64
# An object's braces and the comma after it; a key's quotes and colon.
OBJECT_BYTES = 3
KEY_BYTES = 3
# An error's locations, path and extensions besides its message (path keys are
# counted one by one).
ERROR_BYTES = 160
ENVELOPE_BYTES = 256


class ResponseTooLarge(BaseException):
    """Stops execution once a query's answer passes GRAPHQL_MAX_RESPONSE_BYTES.

    A BaseException (a signal, not an error), so graphql-core's per-field
    `except Exception` cannot turn it into one null field while the rest of the
    answer goes on loading.
    """


def json_length(value: Any) -> int:
    """The bytes `value` (a serialized leaf) takes in the JSON answer, with its comma."""
    if not isinstance(value, str):
        return NON_STRING_BYTES
    length = len(value) + 3
    if (
        length > SHORT_STRING
        or not (value.isascii() and value.isprintable())
        or '"' in value
        or "\\" in value
    ):
        # Escapes and multi-byte characters: ask the encoder (C, no Python loop).
        return len(orjson.dumps(value)) + 1
    return length
