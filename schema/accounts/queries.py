"""Queries of accounts: who am I, and my sessions."""

import graphene

from schema.accounts.sessions import SessionsQuery
from schema.accounts.types import UserType
from schema.core.auth import login_required


class AccountsQuery(SessionsQuery, graphene.ObjectType):
    # Nullable, so a refusal here leaves the rest of the response intact.
    me = graphene.Field(UserType, description="The signed-in user.")

    @staticmethod
    @login_required
    def resolve_me(root, info):
        return info.context.user
