import re
from urllib.parse import unquote

import pytest

from tests.conftest import PASSWORD
from tests.schema.accounts.queries import TOKEN_AUTH


@pytest.fixture
def sign_in(api):
    """Sign `user` in through tokenAuth and return the mutation's payload."""

    def sign_in_as(user, password: str = PASSWORD) -> dict:
        result = api.execute(TOKEN_AUTH, {"username": user.username, "password": password})
        assert "errors" not in result, result
        return result["data"]["tokenAuth"]

    return sign_in_as


@pytest.fixture
def sign_up_on(settings):
    settings.SIGN_UP_ENABLED = True


@pytest.fixture
def execute_and_send(api, django_capture_on_commit_callbacks):
    """Run a document as `api.execute` does, then what it queued on commit (its e-mail)."""

    def run(query: str, variables: dict | None = None, **options) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            return api.execute(query, variables, **options)

    return run


def link_token(body: str) -> str:
    """The token of the frontend link in an e-mail's text (the default links: `#token=`)."""
    match = re.search(r"#token=(\S+)", body)
    assert match, body
    return unquote(match.group(1))
