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
