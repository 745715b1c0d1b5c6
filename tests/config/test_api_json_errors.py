"""An API path never answers HTML, not even with debug on (config.middleware)."""

import pytest
from django.test import Client
from django.urls import path

from tests.conftest import error_codes


def assert_json_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert error_codes(response.json()) == [code]
    assert b"<html" not in response.content.lower()


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize("path", ["/graphql/nothing-here", "/healthz/", "/readyz/x"])
def test_an_unknown_api_path_is_a_json_404(client, db, debug, path):
    # when
    response = client.post(path, "{}", content_type="application/json")

    # then: NOT_FOUND in its one wording
    assert_json_error(response, 404, "NOT_FOUND")
    assert response.json()["errors"][0]["message"] == (
        "Path not found: it does not exist, or you may not see it."
    )


def test_a_method_a_probe_does_not_take_is_a_json_405(client, db, debug):
    # when
    response = client.post("/healthz")

    # then
    assert_json_error(response, 405, "BAD_REQUEST")
    assert response["Allow"] == "GET, HEAD"


def broken(request):
    raise RuntimeError("secret detail")


# A URLconf whose probe fails outside any handler of ours.
urlpatterns = [path("healthz", broken)]


def test_an_unexpected_error_on_an_api_path_is_a_json_500(db, debug, settings):
    # given
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)

    # when
    response = client.get("/healthz")

    # then
    assert_json_error(response, 500, "INTERNAL_SERVER_ERROR")
    assert b"secret detail" not in response.content


def test_a_bad_host_header_on_an_api_path_is_a_json_400(client, db, debug):
    # when
    response = client.post(
        "/graphql/",
        '{"query": "{ __typename }"}',
        content_type="application/json",
        HTTP_HOST="evil.example",
    )

    # then
    assert_json_error(response, 400, "BAD_REQUEST")


def test_other_paths_keep_djangos_pages(client, db):
    # when
    response = client.get("/admin/login/")
    missing = client.get("/no-such-page/")

    # then
    assert response["Content-Type"].startswith("text/html")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("text/html")
