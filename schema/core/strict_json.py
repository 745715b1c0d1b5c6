"""JSON as the endpoint reads it: orjson's limits, and no member named twice in one object."""

import gc
import json
from typing import Any

import orjson

REPEATED_MEMBER_MESSAGE = "repeats a member name in a JSON object; send each member once"


class RepeatedMemberError(ValueError):
    """A JSON object names a member twice (orjson, like json.loads, keeps the last)."""


def json_loads(text: bytes | str) -> Any:
    """orjson.loads, and refuse a repeated member name anywhere (RepeatedMemberError).

    Two `query` members would let a proxy that reads the first and this server,
    which would keep the last, see different requests. orjson has no such check,
    so this counts colons: the text has one per member plus one per ':' inside a
    string; written back by orjson, the parsed value keeps every string but loses
    a repeated member, its colon and its value's. Equal counts mean no repeat,
    for one orjson.dumps and two byte counts. The text is orjson's to accept
    first, so its depth and surrogate limits hold.
    """
    collecting = gc.isenabled()
    if collecting:
        # Each container orjson builds is tracked; with the collector on, a body of
        # many small lists spends most of its time in collections that free nothing.
        gc.disable()
    try:
        data = orjson.loads(text)
    finally:
        if collecting:
            gc.enable()
    if not isinstance(data, dict | list):
        return data
    raw = text if isinstance(text, bytes) else text.encode()
    if b"u003" in raw:
        # Perhaps a colon written as an escape ("\u003a"), which has no colon
        # byte: no JSON encoder writes one, so the exact, slower check is rare.
        _repeated_members_refuse(raw)
        return data
    try:
        parsed_colons = orjson.dumps(data).count(b":")
    except TypeError:
        # orjson writes 255 levels at most but reads 1024: count those by hand.
        parsed_colons = _colons_in(data)
    if raw.count(b":") != parsed_colons:
        raise RepeatedMemberError(REPEATED_MEMBER_MESSAGE)
    return data


def _pairs_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({name for name, _ in pairs}) != len(pairs):
        raise RepeatedMemberError(REPEATED_MEMBER_MESSAGE)
    return dict(pairs)


def _repeated_members_refuse(raw: bytes) -> None:
    try:
        json.loads(raw, object_pairs_hook=_pairs_without_repeats)
    except RecursionError:
        # Deeper than json.loads' C scanner goes (orjson allows 1024 levels).
        raise ValueError("The JSON text is nested too deeply.") from None


def _colons_in(value: Any) -> int:
    """The colons of `value` written as JSON (members and ':' in strings), without recursion."""
    count = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            count += item.count(":")
        elif isinstance(item, dict):
            count += len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return count
