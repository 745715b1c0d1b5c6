import json

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from config.sentry import sentry_init
from tests.conftest import PASSWORD, error_codes
from tests.schema.accounts.queries import TOKEN_AUTH


class RecordingTransport(Transport):
    """Keeps every envelope instead of sending it: the real SDK, a fake network."""

    envelopes: list = []

    def capture_envelope(self, envelope) -> None:
        self.envelopes.append(envelope)


@pytest.fixture
def sentry_events():
    RecordingTransport.envelopes = []
    sentry_init(
        dsn="https://public@sentry.example.invalid/1",
        environment="test",
        release="abc123",
        traces_sample_rate=0.0,
        transport=RecordingTransport,
    )
    yield RecordingTransport.envelopes
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: the SDK is off again


@pytest.fixture
def crashing_sign_in(monkeypatch):
    def crash(**kwargs):
        token = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiMSJ9.c2lnbmF0dXJl"
        raise RuntimeError(f"cannot sign in alice@example.com with {token}")

    monkeypatch.setattr("schema.accounts.mutations.token_obtain", crash)


def test_unhandled_resolver_exception_reaches_sentry_scrubbed(
    api, user, sentry_events, crashing_sign_in
):
    # when
    result = api.execute(
        TOKEN_AUTH,
        {"username": "alice", "password": PASSWORD},
        authorization="Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
    )
    sentry_sdk.flush()

    # then
    assert error_codes(result) == ["INTERNAL_SERVER_ERROR"]
    events = [item.payload.json for envelope in sentry_events for item in envelope.items]
    events = [event for event in events if event.get("type", "event") == "event"]
    assert len(events) == 1
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert (event["environment"], event["release"]) == ("test", "abc123")
    serialized = json.dumps(event)
    assert PASSWORD not in serialized
    assert "alice@example.com" not in serialized
    assert "eyJ" not in serialized
    assert "[Filtered]" in serialized


def test_client_errors_are_not_sent_to_sentry(api, user, sentry_events):
    # when
    result = api.execute(TOKEN_AUTH, {"username": "alice", "password": "wrong"})
    sentry_sdk.flush()

    # then
    assert error_codes(result) == ["INVALID_CREDENTIALS"]
    assert sentry_events == []
