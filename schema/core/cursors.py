"""Opaque keyset cursors: where a page starts, as sort key values, not as an offset.

A cursor is base64url (no padding) of the JSON `[version, ordering, values]`:
`ordering` is the signature of the list and order it was made for
(`Keyset.signature`), `values` the row's sort values, id last; datetimes as
ISO 8601 with microseconds and offset, so they round-trip exactly. A list
that belongs to an object (an organization's `members`) adds that object's
id, its scope: `[version, ordering, values, scope]` (an organization's
`members`, `invitations` and `auditEvents`). A cursor is only good
for the list, the object and the `orderBy` that gave it out: any other is
BAD_USER_INPUT, as are graphene's old offset cursors ("arrayconnection:N")
and an object's list cursor without a scope (given out before cursors had one).

A cursor is client input: its values are checked to be ones the database can
compare (a 64-bit id, text without NUL or lone surrogates, an aware datetime
within years 1 to 9999 in UTC) so that a forged one is BAD_USER_INPUT, not a
database error.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import UTC, datetime

from organization.keyset import Keyset
from schema.core.errors import ApiError, ErrorCode

CURSOR_VERSION = 1
# Well above any cursor this API gives out (a 200-character name, 4 UTF-8
# bytes a character, is about 1,100 characters encoded).
CURSOR_MAX_LENGTH = 2048
OFFSET_CURSOR_PREFIX = "arrayconnection:"
# Ids are 64-bit signed integers in every database this API runs on.
ID_MIN, ID_MAX = -(2**63), 2**63 - 1


def cursor_encode(keyset: Keyset, values: Sequence, *, scope: int | None = None) -> str:
    """The cursor of a row whose sort values (`Keyset.values`) are `values`, in the list
    of the object whose id is `scope` (None: a list of its own, like `organizations`)."""
    encoded = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    payload = [CURSOR_VERSION, keyset.signature, encoded]
    if scope is not None:
        payload.append(scope)
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode("ascii")


def _refused(argument: str, why: str) -> ApiError:
    return ApiError(f"`{argument}` {why}", ErrorCode.BAD_USER_INPUT)


def _decoded_text(cursor: str) -> str | None:
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        return raw.decode()
    except (binascii.Error, ValueError):
        return None


def _value(value, value_type: type):
    """`value` as `value_type` if the database can compare it so; else None."""
    if value_type is datetime:
        if not isinstance(value, str):
            return None
        try:
            parsed = datetime.fromisoformat(value)
            # SQLite compares in UTC: an instant outside years 1-9999 there overflows.
            parsed.astimezone(UTC)
        except (ValueError, OverflowError):
            return None
        return parsed if parsed.tzinfo is not None else None
    if value_type is int:
        return value if type(value) is int and ID_MIN <= value <= ID_MAX else None
    if value_type is str:
        if not isinstance(value, str) or "\x00" in value:
            return None
        try:
            value.encode()  # a lone surrogate (JSON allows "\ud800") cannot be sent
        except UnicodeEncodeError:
            return None
        return value
    return value if isinstance(value, value_type) else None


def cursor_decode(
    cursor: str, keyset: Keyset, *, argument: str, scoped: bool = False
) -> tuple[tuple, int | None]:
    """The sort values in `cursor` and its scope, if it was made for `keyset` (in some
    object's list when `scoped`); BAD_USER_INPUT if not.

    Which object's list is the caller's to check (`cursor_scope_check`): a page
    prefetched for many organizations decodes its cursors once.
    """
    foreign = _refused(
        argument,
        "is not a cursor of this list: pass a `cursor`, `startCursor` or `endCursor` "
        "this list gave out, or leave it out to start from the beginning.",
    )
    text = _decoded_text(cursor) if len(cursor) <= CURSOR_MAX_LENGTH else None
    if text is None:
        raise foreign
    if text.startswith(OFFSET_CURSOR_PREFIX):
        raise _refused(
            argument,
            "is an offset cursor from an earlier version of this API; cursors now hold "
            "the position in the order. Load the first page again and page on from there.",
        )
    try:
        version, signature, values, *scope = json.loads(text)
    except (ValueError, TypeError, RecursionError):  # RecursionError: "[[[[..." nested deep
        raise foreign from None
    if version != CURSOR_VERSION or not isinstance(values, list):
        raise foreign
    if signature != keyset.signature:
        raise _refused(
            argument,
            "was made for another list or another `orderBy`: pass the `orderBy` of the "
            "page it came from, or leave the cursor out to start from the beginning.",
        )
    if len(values) != len(keyset.keys) or len(scope) > (1 if scoped else 0):
        raise foreign
    parsed = tuple(
        _value(value, value_type)
        for value, value_type in zip(values, keyset.value_types, strict=True)
    )
    if any(value is None for value in parsed):
        raise foreign
    if not scoped:
        return parsed, None
    if not scope:
        raise _refused(
            argument,
            "is a cursor from an earlier version of this API or from another list, not tied "
            "to the object whose list it pages. Load the first page again and page on from "
            "there.",
        )
    scope_id = _value(scope[0], int)
    if scope_id is None:
        raise foreign
    return parsed, scope_id


def cursor_scope_check(scope: int | None, expected: int, *, argument: str, owner: str) -> None:
    """BAD_USER_INPUT unless a cursor of scope `scope` belongs to the list of the `owner`
    (what the message calls it: "organization") whose id is `expected`."""
    if scope != expected:
        raise _refused(
            argument,
            f"was made for another {owner}'s list: pass a cursor this {owner}'s list gave "
            "out, or leave it out to start from the beginning.",
        )
