"""GraphQL types of accounts."""

import graphene
from graphene.types.generic import GenericScalar
from graphene_django import DjangoObjectType

from accounts.models import User
from organization.selectors import user_visible
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
        interfaces = (graphene.relay.Node,)

    @classmethod
    def get_queryset(cls, queryset, info):
        # `node(id:)` finds only a user the caller may see; any other is NOT_FOUND.
        return user_visible(queryset, user=info.context.user)


def token_pair_fields(*, required: bool) -> type:
    """A mixin with the fields of a token pair; nullable ones for payloads that can fail."""
    when_null = "" if required else " Null when `errors` is not empty."

    class Fields:
        token = graphene.String(
            required=required,
            description="The access token: send it as `Authorization: Bearer <token>`." + when_null,
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
        payload = graphene.Field(
            GenericScalar,
            required=required,
            description="The access token's claims, decoded." + when_null,
        )
        user = graphene.Field(
            UserType, required=required, description="The signed-in user." + when_null
        )

    return Fields


TokenPairFields = token_pair_fields(required=True)
