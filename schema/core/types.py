"""Types shared by every domain's schema: the shape of a payload error."""

import graphene


def payload_error_type(name: str, code_type: type[graphene.Enum], *, domain: str) -> type:
    """The `{field, code, messages}` type of one domain's payload `errors`."""
    return type(
        name,
        (graphene.ObjectType,),
        {
            "Meta": type(
                "Meta",
                (),
                {
                    "description": (
                        f"A problem with the input of {domain} mutation, returned in its "
                        "`errors` list (the mutation itself did nothing). Switch on `code`; "
                        "show `messages`."
                    )
                },
            ),
            "field": graphene.String(
                description=(
                    "The argument the problem is about, as named in the schema (camelCase); "
                    "null when it is about the input as a whole."
                )
            ),
            "code": graphene.Field(
                graphene.NonNull(code_type), description="What is wrong: switch on it."
            ),
            "messages": graphene.List(
                graphene.NonNull(graphene.String),
                required=True,
                description="Human-readable explanations, in the server's language.",
            ),
        },
    )
