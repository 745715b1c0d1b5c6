"""GraphQL types of accounts."""

import datetime

import graphene
from graphene.types.generic import GenericScalar
from graphene_django import DjangoObjectType
from graphql_relay import to_global_id

from accounts.models import User
from organization.selectors import user_sees_all_organizations, user_visible
from schema.accounts.audit import resolve_security_events, security_events_field
from schema.core.ids import Node
from schema.core.scalars import DateTime

PRIVATE = (
    " Private: null unless you are this user or staff (fellow members see `username` and "
    "`displayName` only)."
)


def _viewer_may_read_private(user: User, info) -> bool:
    viewer = info.context.user
    return bool(
        viewer.is_authenticated and (viewer.pk == user.pk or user_sees_all_organizations(viewer))
    )


def _private(attribute: str):
    def resolve(user: User, info):
        return getattr(user, attribute) if _viewer_may_read_private(user, info) else None

    return resolve


class UserType(DjangoObjectType):
    # Declared, not derived from the model, so each has an API description
    # (the model's help texts are form hints, and most fields have none).
    id = graphene.GlobalID(
        description="The user's global ID (opaque; `node(id:)` takes it).", required=True
    )
    username = graphene.String(required=True, description="The name the user signs in with.")
    display_name = graphene.String(
        required=True,
        description=(
            "The name to show for this user to anyone who may see them: the username (a "
            "user's first and last names are private)."
        ),
        resolver=lambda user, info: user.username,
    )
    email = graphene.String(
        description="The user's e-mail address; may be empty." + PRIVATE,
        resolver=_private("email"),
    )
    first_name = graphene.String(
        description="The user's first name; may be empty." + PRIVATE,
        resolver=_private("first_name"),
    )
    last_name = graphene.String(
        description="The user's last name; may be empty." + PRIVATE,
        resolver=_private("last_name"),
    )
    date_joined = DateTime(
        description="When the account was created." + PRIVATE, resolver=_private("date_joined")
    )
    email_verified = graphene.Boolean(
        description=(
            "Whether the user proved they receive mail at `email` (verifyEmail, or a password "
            "reset). Until then they cannot create organizations or accept invitations." + PRIVATE
        ),
        resolver=_private("email_verified"),
    )
    security_events = security_events_field()

    class Meta:
        model = User
        name = "User"
        description = (
            "A person who can sign in. Anyone who may see a user (themself, fellow members of "
            "an organization, staff) sees `username` and `displayName`; the rest is private."
        )
        fields = (
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "date_joined",
            "email_verified",
        )
        interfaces = (Node,)

    @classmethod
    def get_queryset(cls, queryset, info):
        # `node(id:)` finds only a user the caller may see; any other is NOT_FOUND.
        return user_visible(queryset, user=info.context.user)

    resolve_security_events = staticmethod(resolve_security_events)


def _timestamp(claim: str):
    def resolve(claims: dict, info) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(claims[claim], tz=datetime.UTC)

    return resolve


class TokenClaims(graphene.ObjectType):
    class Meta:
        description = (
            "What an access token says, decoded and verified: who it is for and when it "
            "expires. The server checks the token; a client reads this instead of decoding it."
        )

    user_id = graphene.ID(
        required=True,
        description="The user's global ID, as `User.id` (the token's `user_id` claim).",
        resolver=lambda claims, info: to_global_id("User", claims["user_id"]),
    )
    username = graphene.String(
        required=True, description="The user's username when the token was issued."
    )
    token_type = graphene.String(
        required=True,
        description='Always "access".',
        resolver=lambda claims, info: claims["token_type"],
    )
    token_id = graphene.String(
        required=True,
        description="The token's unique ID (its `jti` claim).",
        resolver=lambda claims, info: claims["jti"],
    )
    issued_at = DateTime(
        required=True, description="When the token was issued (`iat`).", resolver=_timestamp("iat")
    )
    expires_at = DateTime(
        required=True, description="When the token expires (`exp`).", resolver=_timestamp("exp")
    )
    signed_in_at = DateTime(
        required=True,
        description="When the sign-in this token belongs to began (`origIat`); refresh keeps it.",
        resolver=_timestamp("origIat"),
    )
    issuer = graphene.String(
        description="The token's issuer (`iss`); null when the server sets none.",
        resolver=lambda claims, info: claims.get("iss"),
    )
    audience = graphene.String(
        description="The token's audience (`aud`); null when the server sets none.",
        resolver=lambda claims, info: claims.get("aud"),
    )
    dpop_key_thumbprint = graphene.String(
        description=(
            "The RFC 7638 thumbprint of the DPoP key the token is bound to (`cnf.jkt`); null "
            "for a Bearer token. A bound token is sent as `Authorization: DPoP <token>`."
        ),
        resolver=lambda claims, info: (claims.get("cnf") or {}).get("jkt"),
    )


PAYLOAD_DEPRECATION = "Use `claims`: the same claims, typed."


def token_pair_fields(*, required: bool) -> type:
    """A mixin with the fields of a token pair; nullable ones for payloads that can fail."""
    when_null = "" if required else " Null exactly when `errors` is not empty."

    class Fields:
        token = graphene.String(
            required=required,
            description=(
                "The access token: send it as `Authorization: Bearer <token>` (`DPoP <token>` "
                "with a proof when the sign-in was DPoP-bound)." + when_null
            ),
        )
        token_expires_at = DateTime(
            required=required,
            description="When the access token expires; refresh before then." + when_null,
        )
        refresh_token = graphene.String(
            description=(
                "The refresh token: keep it secret; trade it for a new pair with refreshToken. "
                "Null in cookie mode (refreshTokenInCookie), where it is in an HttpOnly "
                "cookie instead." + when_null
            ),
        )
        csrf_token = graphene.String(
            description=(
                "Cookie mode only (else null): the sign-in's CSRF value. Send it as the "
                "X-CSRF-Token header with refreshToken and revokeToken when they read the "
                "cookie; it stays the same for the whole sign-in."
            ),
        )
        refresh_token_expires_at = DateTime(
            required=required,
            description="When the sign-in ends for good; rotation never extends it." + when_null,
        )
        claims = graphene.Field(
            TokenClaims,
            required=required,
            description="The access token's claims, decoded." + when_null,
        )
        payload = graphene.Field(
            GenericScalar,
            required=required,
            description="The access token's claims as untyped JSON." + when_null,
            deprecation_reason=PAYLOAD_DEPRECATION,
        )
        user = graphene.Field(
            UserType, required=required, description="The signed-in user." + when_null
        )

    return Fields


TokenPairFields = token_pair_fields(required=True)
