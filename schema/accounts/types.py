"""GraphQL types of accounts."""

import datetime

import graphene
from graphene.types.generic import GenericScalar
from graphene_django import DjangoObjectType
from graphql_relay import to_global_id

from accounts.models import User
from organization.selectors import user_visible
from schema.core.ids import Node
from schema.core.scalars import DateTime


class UserType(DjangoObjectType):
    # Declared, not derived from the model, so each has an API description
    # (the model's help texts are form hints, and most fields have none).
    id = graphene.GlobalID(
        description="The user's global ID (opaque; `node(id:)` takes it).", required=True
    )
    username = graphene.String(required=True, description="The name the user signs in with.")
    email = graphene.String(required=True, description="The user's email address; may be empty.")
    first_name = graphene.String(required=True, description="The user's first name; may be empty.")
    last_name = graphene.String(required=True, description="The user's last name; may be empty.")
    date_joined = DateTime(required=True, description="When the account was created.")

    class Meta:
        model = User
        name = "User"
        description = "A person who can sign in."
        fields = ("id", "username", "email", "first_name", "last_name", "date_joined")
        interfaces = (Node,)

    @classmethod
    def get_queryset(cls, queryset, info):
        # `node(id:)` finds only a user the caller may see; any other is NOT_FOUND.
        return user_visible(queryset, user=info.context.user)


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
            required=required,
            description=(
                "The refresh token: keep it secret; trade it for a new pair with refreshToken."
                + when_null
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
