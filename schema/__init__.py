"""The root GraphQL schema, mixed from each domain's queries and mutations."""

import graphene

from schema.accounts.mutations import AccountsMutation
from schema.accounts.queries import AccountsQuery
from schema.accounts.sign_up import SignUpMutation
from schema.core.codes import ErrorCodeType
from schema.core.enum_refusals import enum_refusals_list_values
from schema.core.one_of import one_of_marked
from schema.organization.invitation_mutations import InvitationMutation
from schema.organization.invitations import InvitationQuery
from schema.organization.mutations import OrganizationMutation
from schema.organization.plans import organizations_plan  # noqa: F401 - registers the plan
from schema.organization.queries import OrganizationQuery


class Query(AccountsQuery, OrganizationQuery, InvitationQuery, graphene.ObjectType):
    """Every query of the API."""


class Mutation(
    AccountsMutation, SignUpMutation, OrganizationMutation, InvitationMutation, graphene.ObjectType
):
    """Every mutation of the API."""


# ErrorCode is no field's type: listed so that the SDL and GraphiQL's docs show its values.
schema = one_of_marked(graphene.Schema(query=Query, mutation=Mutation, types=[ErrorCodeType]))
enum_refusals_list_values(schema.graphql_schema)
