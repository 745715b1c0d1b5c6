"""GraphQL types of the audit trail: `AuditEvent`, `AuditAction`, `Organization.auditEvents`
and `User.securityEvents` (what `me.securityEvents` reads). The events are written by
accounts.audit; the reads are scoped in accounts.selectors and organization.selectors."""

import graphene
from graphene_django import DjangoObjectType
from graphql_relay import to_global_id

from accounts.models import AuditAction, AuditEvent
from accounts.selectors import security_event_list_for_user
from organization.selectors import (
    AUDIT_EVENT_KEYSET,
    audit_event_list_for_organization,
    audit_event_time_filtered,
    audit_event_visible,
    audit_events_readable,
)
from schema.core.codes import described_enum
from schema.core.connections import CountableConnection, PagedConnectionField, keyset_connection
from schema.core.errors import ApiError, ErrorCode
from schema.core.ids import Node
from schema.core.scalars import DateTime

AuditActionType = described_enum(
    AuditAction,
    {action.name: action.label for action in AuditAction},
    name="AuditAction",
    description="What an audit event records.",
)


class AuditFieldChange(graphene.ObjectType):
    class Meta:
        description = (
            "One field an update changed, with its value before and after (as text; null "
            "for none). Secrets are never recorded."
        )

    field = graphene.String(required=True, description="The field's name.")
    old_value = graphene.String(description="The value before; null if there was none.")
    new_value = graphene.String(description="The value after; null if there is none.")


def _text(value) -> str | None:
    return None if value is None else str(value)


class AuditEventType(DjangoObjectType):
    class Meta:
        model = AuditEvent
        name = "AuditEvent"
        description = (
            "One entry of the append-only audit trail: who did what to what, when, from where. "
            "Names are snapshots taken at the time: they stay when the account or the "
            "organization is renamed or deleted."
        )
        fields = ("id", "created_at", "user_agent", "request_id")
        interfaces = (Node,)
        connection_class = CountableConnection

    action = graphene.Field(AuditActionType, required=True, description="What happened.")
    created_at = DateTime(required=True, description="When it happened.")
    actor_username = graphene.String(
        description=(
            "The username of the account that acted, as it was then; null when nobody signed "
            "in did it (a failed sign-in, a reused refresh token)."
        )
    )
    organization_id = graphene.ID(
        description="The organization's global ID (it may be deleted since); null if none."
    )
    organization_name = graphene.String(
        description="The organization's name at the time; null if none."
    )
    target_type = graphene.String(
        description="The kind of object acted on (User, Organization, Invitation); null if none."
    )
    target_id = graphene.ID(description="The global ID of the object acted on; null if none.")
    target_label = graphene.String(
        description="What the object was called then (a username, a name, an e-mail address)."
    )
    changes = graphene.List(
        graphene.NonNull(AuditFieldChange),
        required=True,
        description="For updates, each changed field with its old and new value; else empty.",
    )
    request_id = graphene.String(
        description="The id of the request that did it (X-Request-ID); null if none."
    )
    client_network = graphene.String(
        description=(
            "The client's network, coarse on purpose: its /24 (IPv4) or /48 (IPv6); null if "
            "unknown."
        )
    )
    user_agent = graphene.String(
        description="The client's User-Agent, cut to 200 characters; null if none."
    )

    @classmethod
    def get_queryset(cls, queryset, info):
        return audit_event_visible(queryset, user=info.context.user)

    @staticmethod
    def resolve_action(event, info):
        return AuditAction(event.action)

    @staticmethod
    def resolve_actor_username(event, info):
        return event.actor_username or None

    @staticmethod
    def resolve_organization_id(event, info):
        if event.organization_id is None:
            return None
        return to_global_id("Organization", event.organization_id)

    @staticmethod
    def resolve_organization_name(event, info):
        return event.organization_name if event.organization_id is not None else None

    @staticmethod
    def resolve_target_type(event, info):
        return event.target_type or None

    @staticmethod
    def resolve_target_id(event, info):
        if not event.target_type or not event.target_id:
            return None
        return to_global_id(event.target_type, event.target_id)

    @staticmethod
    def resolve_target_label(event, info):
        return event.target_label or None

    @staticmethod
    def resolve_changes(event, info):
        changes = event.changes if isinstance(event.changes, dict) else {}
        return [
            AuditFieldChange(field=name, old_value=_text(values[0]), new_value=_text(values[1]))
            for name, values in changes.items()
            if isinstance(values, list) and len(values) == 2
        ]

    @staticmethod
    def resolve_request_id(event, info):
        return event.request_id or None

    @staticmethod
    def resolve_client_network(event, info):
        return event.ip_network or None

    @staticmethod
    def resolve_user_agent(event, info):
        return event.user_agent or None


def audit_events_connection(queryset, kwargs, *, organization_id: int | None = None):
    """A page of `queryset`, newest first, as an AuditEventConnection; with
    `organization_id`, the page of that organization's trail, whose cursors name it."""
    return keyset_connection(
        AuditEventType._meta.connection, queryset, AUDIT_EVENT_KEYSET, kwargs, scope=organization_id
    )


def _time_arguments() -> dict:
    return {
        "occurred_after": DateTime(description="Only events after this time (exclusive)."),
        "occurred_before": DateTime(description="Only events before this time (exclusive)."),
    }


def audit_events_field() -> PagedConnectionField:
    """`Organization.auditEvents`."""
    return PagedConnectionField(
        AuditEventType._meta.connection,
        action=graphene.Argument(AuditActionType, description="Only events of this action."),
        actor=graphene.String(
            description="Only events by the account with this username (as it was then)."
        ),
        **_time_arguments(),
        description=(
            "The organization's audit trail, newest first, optionally filtered; 20 per page "
            "by default, at most 100. For its ADMINs and OWNERs and staff: null, with a "
            "FORBIDDEN error, for anyone else."
        ),
    )


def resolve_audit_events(
    organization,
    info,
    action=None,
    actor=None,
    occurred_after=None,
    occurred_before=None,
    **kwargs,
):
    """`Organization.auditEvents`: FORBIDDEN below ADMIN."""
    if not audit_events_readable(user=info.context.user, organization=organization):
        raise ApiError(
            "Only an ADMIN or OWNER of this organization can read its audit trail.",
            ErrorCode.FORBIDDEN,
        )
    queryset = audit_event_list_for_organization(
        organization_id=organization.pk,
        action=getattr(action, "value", action),
        actor_username=actor,
        occurred_after=occurred_after,
        occurred_before=occurred_before,
    )
    return audit_events_connection(queryset, kwargs, organization_id=organization.pk)


def security_events_field() -> PagedConnectionField:
    """`User.securityEvents`."""
    return PagedConnectionField(
        AuditEventType._meta.connection,
        **_time_arguments(),
        description=(
            "Your own sign-ins (successful, failed, throttled), session ends and password "
            "changes, newest first; 20 per page by default, at most 100. Only on `me`: null, "
            "with a FORBIDDEN error, on any other user."
        ),
    )


def resolve_security_events(user, info, occurred_after=None, occurred_before=None, **kwargs):
    """`User.securityEvents`: the signed-in user's own, nobody else's."""
    viewer = info.context.user
    if not viewer.is_authenticated or viewer.pk != user.pk:
        raise ApiError("Only you can read your security events.", ErrorCode.FORBIDDEN)
    queryset = audit_event_time_filtered(
        security_event_list_for_user(user=viewer), after=occurred_after, before=occurred_before
    )
    return audit_events_connection(queryset, kwargs)
