"""GraphiQL's page and every asset it names load from /static/, under runserver and gunicorn."""

import re
import urllib.request

import pytest

pytestmark = pytest.mark.live

CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css"}


def fetch(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (a loopback URL)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, response.headers, response.read()


@pytest.mark.parametrize("server_name", ["gunicorn_server", "runserver_server"])
def test_graphiql_page_and_all_its_assets_are_served_locally(request, server_name):
    # given
    server = request.getfixturevalue(server_name)

    # when
    status, headers, body = fetch(server.graphql_url, Accept="text/html")
    page = body.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)

    # then
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert len(assets) == 9, assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        asset_status, asset_headers, content = fetch(server.url + asset)
        assert asset_status == 200, asset
        assert asset_headers["Content-Type"].startswith(CONTENT_TYPES[asset[asset.rfind(".") :]])
        assert content


def test_gunicorn_serves_static_files_compressed_and_cacheable(gunicorn_server):
    # when
    status, headers, _ = fetch(
        gunicorn_server.url + "/static/graphene_django_graphiql_static/graphiql.min.js",
        **{"Accept-Encoding": "gzip"},
    )

    # then: WhiteNoise, from collectstatic's folder
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "max-age" in headers["Cache-Control"]
