"""Queries of accounts: who am I."""

import graphene

from schema.accounts.types import UserType
from schema.core.auth import login_required


class AccountsQuery(graphene.ObjectType):
    me = graphene.Field(UserType, required=True, description="The signed-in user.")

    @staticmethod
    @login_required
    def resolve_me(root, info):
        return info.context.user
