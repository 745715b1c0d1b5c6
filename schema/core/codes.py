"""The top-level error codes (`extensions.code`), one Python enum for the server and the SDL.

`ErrorCode` is what the server raises; `ErrorCodeType` is the same enum as the
schema's described `enum ErrorCode`, so the two cannot drift apart. Clients
switch on the code, never on the message.
"""

from enum import StrEnum

import graphene

ERROR_CODE_DESCRIPTIONS: dict[str, str] = {
    "UNAUTHENTICATED": "The field needs a signed-in user and no token came.",
    "TOKEN_EXPIRED": "The access (or refresh) token has expired; refresh (or sign in).",
    "TOKEN_INVALID": "The token is malformed, forged, revoked, or its user is inactive.",
    "INVALID_CREDENTIALS": "tokenAuth got a wrong username or password.",
    "REFRESH_TOKEN_REUSED": (
        "A rotated or revoked refresh token came back; its whole sign-in chain has been ended."
    ),
    "ORIGIN_NOT_ALLOWED": (
        "Cookie mode (refreshTokenInCookie, or refreshToken/revokeToken with no argument) "
        "from a request whose Origin is neither an allowed origin nor the API's own."
    ),
    "CSRF_TOKEN_INVALID": (
        "refreshToken or revokeToken read the refresh cookie, and the X-CSRF-Token header "
        "is missing or is not the `csrfToken` of that sign-in."
    ),
    "DPOP_PROOF_REQUIRED": (
        "The token (or the refresh token's sign-in) is bound to a DPoP key: send "
        "`Authorization: DPoP <token>` with a `DPoP` proof header (refreshToken: the proof "
        "header). Also the answer to a DPoP-bound token sent as Bearer."
    ),
    "DPOP_PROOF_INVALID": (
        "The `DPoP` proof header is malformed, not `typ: dpop+jwt`, of an algorithm not "
        "allowed, carries a private or unusable `jwk`, has a bad signature, an `iat` outside "
        "the accepted window, or an `ath` that is not the hash of the access token sent."
    ),
    "DPOP_PROOF_REPLAYED": (
        "This DPoP proof (its `jti`) was already used: make a new proof for every request."
    ),
    "DPOP_PROOF_TARGET_MISMATCH": (
        "The DPoP proof was made for another HTTP method (`htm`) or URL (`htu`)."
    ),
    "DPOP_KEY_MISMATCH": (
        "The DPoP proof is signed by another key than the one the token or sign-in is bound to."
    ),
    "RATE_LIMITED": (
        "Too many password attempts for the username or from the client's address, too many "
        "sign-ups or e-mail requests (MAIL_REQUESTS_*, SIGN_UPS_PER_IP), or the "
        "caller's query cost budget is spent (GRAPHQL_COST_BUDGET_*; refused before it runs, "
        "HTTP 429); `extensions.retryAfter` says how many seconds to wait."
    ),
    "FORBIDDEN": "Signed in, but not allowed to do this.",
    "NOT_FOUND": "No such object, or one the caller may not see (the same answer for both).",
    "BAD_USER_INPUT": (
        "An argument or variable has an invalid value; the message says what is valid."
    ),
    "PAGE_SIZE_TOO_LARGE": "`first` or `last` is above the maximum page size.",
    "GRAPHQL_PARSE_FAILED": "The document is not valid GraphQL syntax.",
    "GRAPHQL_VALIDATION_FAILED": "The document does not match the schema.",
    "INTROSPECTION_DISABLED": (
        "The document asks for `__schema` or `__type` and introspection is off "
        "(GRAPHQL_INTROSPECTION_ENABLED)."
    ),
    "QUERY_TOO_DEEP": "Fields nest deeper than GRAPHQL_MAX_DEPTH.",
    "TOO_MANY_ALIASES": "More aliases than GRAPHQL_MAX_ALIASES, fragments included.",
    "TOO_MANY_ROOT_FIELDS": "More root fields than GRAPHQL_MAX_ROOT_FIELDS.",
    "TOO_MANY_MUTATIONS": "More mutations in one operation than GRAPHQL_MAX_MUTATIONS.",
    "COST_LIMIT_EXCEEDED": (
        "The operation's query cost is above GRAPHQL_MAX_QUERY_COST; `extensions.cost` is "
        "{requested, maximum}. Nothing ran."
    ),
    "DOCUMENT_TOO_LARGE": "The query text is longer than GRAPHQL_MAX_DOCUMENT_SIZE.",
    "DOCUMENT_TOO_COMPLEX": (
        "The document is too costly to parse or validate: more tokens or comments than the "
        "parser's budgets, more field selections (fragments counted at every spread), fields "
        "sharing one response name, or fragment spreads in one selection set than their limits."
    ),
    "RESPONSE_TOO_LARGE": (
        "A query's answer passed GRAPHQL_MAX_RESPONSE_BYTES while it ran; execution stopped "
        "and no data is returned."
    ),
    "BATCH_TOO_LARGE": (
        "A JSON array of operations, and batching is off or the array is longer than "
        "GRAPHQL_MAX_BATCH_SIZE."
    ),
    "PERSISTED_QUERY_NOT_FOUND": (
        "A hash-only request (automatic persisted queries) whose document this server does "
        "not know; send it again with `query`."
    ),
    "PERSISTED_QUERY_NOT_SUPPORTED": (
        "The `persistedQuery` extension is malformed, or its hash does not match the `query` "
        "sent with it."
    ),
    "PERSISTED_QUERY_NOT_ALLOWED": (
        "The allow-list mode is on and the document is not on the list "
        "(GRAPHQL_PERSISTED_QUERIES_ONLY)."
    ),
    "BAD_REQUEST": (
        "The HTTP request itself is malformed (bad JSON, a JSON member or URL parameter named "
        "twice, no query, wrong method or media type, ...)."
    ),
    "SERVICE_UNAVAILABLE": (
        "The database could not be reached or did not answer in time; nothing was written; "
        "retry shortly."
    ),
    "INTERNAL_SERVER_ERROR": "An unexpected failure; logged with its traceback.",
}

ErrorCode = StrEnum("ErrorCode", {name: name for name in ERROR_CODE_DESCRIPTIONS})
ErrorCode.__doc__ = "The code of a top-level GraphQL error, in its `extensions.code`."


def described_enum(python_enum, descriptions: dict[str, str], *, name: str, description: str):
    """A graphene Enum of `python_enum`'s members, each value described from `descriptions`."""
    return graphene.Enum.from_enum(
        python_enum,
        name=name,
        description=lambda value: description if value is None else descriptions[value.name],
    )


ErrorCodeType = described_enum(
    ErrorCode,
    ERROR_CODE_DESCRIPTIONS,
    name="ErrorCode",
    description=(
        "The code of every top-level error, in `errors[].extensions.code` (not a field of any "
        "type: listed here so the docs show every value). Switch on it, never on the message."
    ),
)
