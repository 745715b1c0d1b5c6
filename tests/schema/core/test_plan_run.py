"""json_size (schema/core/plan_run.py): orjson's length and colons, a part at a time."""

import orjson
import pytest

from schema.core.plan_run import json_size

VALUES = [
    {},
    [],
    "text",
    {"a": []},
    {"a": {"b": [1, 2.5, None, True, {"c": "x:y"}]}},
    [{"a": 1}, {"b": 'é😀\x01"\\'}],
    {"organizations": {"totalCount": 3, "edges": [{"node": {"id": "T3Jn", "n": None}}] * 3}},
]


@pytest.mark.parametrize("value", VALUES)
def test_json_size_is_orjsons_length_and_colons(value):
    # given
    encoded = orjson.dumps(value)

    # when
    measured = json_size(value, cap=10_000)

    # then
    assert measured == (len(encoded), encoded.count(b":"), True)


def test_json_size_stops_past_its_cap():
    # given: each part fits, their sum does not
    value = {"edges": [{"text": "x" * 100}] * 10}

    # when
    stopped = json_size(value, cap=500)
    whole = json_size(value, cap=len(orjson.dumps(value)))

    # then: the parts measured so far, past the cap and short of the whole
    assert stopped[2] is False
    assert 500 < stopped[0] < whole[0]
    assert whole[2] is True
