"""Sessions of the signed-in user: `mySessions` and `revokeSession`.

A session is one sign-in chain (accounts.sessions). `mySessions` is a plain
list, not a connection: a user has at most SESSIONS_PER_USER_MAX live sessions,
so one page always holds them all.
"""

import uuid

import graphene
from graphql_relay import from_global_id, to_global_id

from accounts.models import RefreshToken
from accounts.request_context import request_context
from accounts.selectors import session_list
from accounts.services import session_revoke
from schema.accounts.errors import AccountBaseMutation
from schema.core.auth import login_required
from schema.core.errors import not_found_error
from schema.core.ids import Node, global_id_type
from schema.core.scalars import DateTime

SESSION_TYPE_NAME = "Session"


def session_global_id(row: RefreshToken) -> str:
    """The global ID of the session `row` is the newest token of."""
    return to_global_id(SESSION_TYPE_NAME, row.family.hex)


def session_id_from_global_id(global_id: str) -> uuid.UUID:
    """The session id inside a global ID; NOT_FOUND for another type or a malformed id."""
    kind = global_id_type(global_id)
    _, raw = from_global_id(global_id)
    try:
        if kind != SESSION_TYPE_NAME or len(raw) != 32:
            raise ValueError(raw)
        return uuid.UUID(hex=raw)
    except ValueError:
        raise not_found_error(SESSION_TYPE_NAME) from None


class SessionType(graphene.ObjectType):
    class Meta:
        name = SESSION_TYPE_NAME
        description = (
            "One sign-in of the signed-in user (a device or a browser): it begins with "
            "tokenAuth (or changePassword) and lives on through refreshToken until it "
            "expires, is signed out (revokeToken, revokeSession) or every session ends."
        )
        interfaces = (Node,)

    id = graphene.GlobalID(
        required=True, description="The session's global ID (opaque; `revokeSession` takes it)."
    )
    signed_in_at = DateTime(required=True, description="When the sign-in happened.")
    last_used_at = DateTime(
        required=True,
        description=(
            "When the session last got tokens: its sign-in or its last refreshToken. "
            "A client that is in use refreshes at least every access-token lifetime."
        ),
    )
    expires_at = DateTime(
        required=True, description="When the session ends for good unless revoked before."
    )
    user_agent = graphene.String(
        required=True,
        description=(
            "The User-Agent header of the session's last sign-in or refresh, cut to 200 "
            "characters; empty when none was sent."
        ),
    )
    ip_network = graphene.String(
        required=True,
        description=(
            "The network the session was last used from, never the full address: the "
            "client's /24 for IPv4 (e.g. `203.0.113.0/24`), its /48 for IPv6; empty when "
            "unknown."
        ),
    )
    current = graphene.Boolean(
        required=True, description="True for the session of the access token of this request."
    )

    @classmethod
    def is_type_of(cls, root, info) -> bool:
        # `node(id:)` resolves the interface by the object: a session is its newest row.
        return isinstance(root, RefreshToken)

    @classmethod
    def node_from_global_id(cls, info, global_id: str) -> RefreshToken | None:
        """For `node(id:)`: one of the signed-in user's live sessions, else None."""
        session_id = session_id_from_global_id(global_id)
        return next(
            (row for row in session_list(user=info.context.user) if row.family == session_id),
            None,
        )

    @staticmethod
    def resolve_id(row: RefreshToken, info) -> str:
        return row.family.hex

    @staticmethod
    def resolve_last_used_at(row: RefreshToken, info):
        return row.created_at

    @staticmethod
    def resolve_current(row: RefreshToken, info) -> bool:
        return row.family.hex == request_context(info.context).session_id


class SessionsQuery(graphene.ObjectType):
    my_sessions = graphene.List(
        graphene.NonNull(SessionType),
        description=(
            "The signed-in user's live sessions, most recently used first: at most "
            "SESSIONS_PER_USER_MAX (20 by default; a sign-in beyond it ends the least "
            "recently used session)."
        ),
    )

    @staticmethod
    @login_required
    def resolve_my_sessions(root, info):
        return session_list(user=info.context.user)


class RevokeSession(AccountBaseMutation):
    class Meta:
        description = (
            "End one session of the signed-in user: its refresh tokens and its access "
            "tokens stop working at once (TOKEN_INVALID from the next request on; "
            "REFRESH_TOKEN_REUSED for a refresh). Other sessions go on. Revoking the "
            "current session signs this client out. A session that is not one of yours, "
            "or no longer live, is NOT_FOUND."
        )

    class Arguments:
        id = graphene.ID(required=True, description="The session's global ID (`Session.id`).")

    revoked_id = graphene.ID(
        description=(
            "The global ID of the session that ended. Null exactly when `errors` is not empty."
        )
    )

    @classmethod
    @login_required
    def perform_mutation(cls, root, info, id: str):
        session_id = session_id_from_global_id(id)
        try:
            session_revoke(user=info.context.user, session_id=session_id, request=info.context)
        except RefreshToken.DoesNotExist:
            raise not_found_error(SESSION_TYPE_NAME) from None
        return cls(revoked_id=to_global_id(SESSION_TYPE_NAME, session_id.hex))


class SessionsMutation(graphene.ObjectType):
    revoke_session = RevokeSession.Field()
