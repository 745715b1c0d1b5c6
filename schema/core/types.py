"""Types shared by every domain's schema."""

import graphene


class FieldError(graphene.ObjectType):
    class Meta:
        description = (
            "A problem with the input of a mutation, returned in its `errors` list "
            "(the mutation itself did nothing). Switch on `code`; show `messages`."
        )

    field = graphene.String(
        description=(
            "The argument the problem is about, as named in the schema (camelCase); "
            "null when it is about the input as a whole."
        )
    )
    code = graphene.String(
        required=True,
        description=(
            "A stable upper-case code: Django's validation code, e.g. BLANK, NULL, "
            "MAX_LENGTH, INVALID, UNIQUE, NOT_FOUND, ALREADY_MEMBER, NOT_MEMBER, LAST_OWNER, "
            "PASSWORD_TOO_SHORT, PASSWORD_TOO_COMMON, PASSWORD_INCORRECT."
        ),
    )
    messages = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Human-readable explanations, in the server's language.",
    )
