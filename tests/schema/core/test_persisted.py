"""Apollo's automatic persisted queries, and the allow-list mode."""

import json

import pytest
from django.core.cache import caches

from config.persisted_queries import allow_list
from schema.core import persisted
from schema.core.documents import document_cache, query_digest
from tests.conftest import error_codes

ME = "query Me { me { username } }"


@pytest.fixture(autouse=True)
def empty_caches():
    document_cache.clear()
    caches["persisted_queries"].clear()
    yield
    document_cache.clear()
    allow_list.cache_clear()


def apq(api, query=None, digest=None, **extra):
    body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}, **extra}
    if query is not None:
        body["query"] = query
    headers = {"Authorization": f"Bearer {api.token}"} if api.token else {}
    response = api.client.post("/graphql/", body, content_type="application/json", headers=headers)
    return response.json()


def test_hash_only_request_runs_after_one_registration(api, user):
    # given
    api.authenticate(user)
    digest = query_digest(ME)

    # when: the Apollo flow: hash only, not found; hash and query; then hash only
    unknown = apq(api, digest=digest)
    registered = apq(api, ME, digest)
    hashed = apq(api, digest=digest)

    # then
    assert error_codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert unknown["errors"][0]["message"] == "PersistedQueryNotFound"
    assert registered == hashed == {"data": {"me": {"username": "alice"}}}


def test_hash_only_request_works_in_another_process_through_the_shared_cache(api, user):
    # given: registered, then this process's document cache forgotten (another worker)
    api.authenticate(user)
    digest = query_digest(ME)
    apq(api, ME, digest)
    document_cache.clear()

    # when
    result = apq(api, digest=digest)

    # then
    assert result == {"data": {"me": {"username": "alice"}}}


def test_hash_only_request_over_get(api, user):
    # given
    api.authenticate(user)
    digest = query_digest(ME)
    apq(api, ME, digest)
    extensions = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}})

    # when
    response = api.client.get(
        "/graphql/",
        {"extensions": extensions},
        headers={"Authorization": f"Bearer {api.token}", "Accept": "application/json"},
    )

    # then
    assert response.json() == {"data": {"me": {"username": "alice"}}}


@pytest.mark.parametrize(
    "persisted_query",
    [{"version": 2, "sha256Hash": "0" * 64}, {"version": 1, "sha256Hash": "xyz"}, "nope"],
)
def test_malformed_persisted_query_extension(api, db, persisted_query):
    # when
    response = api.client.post(
        "/graphql/",
        {"query": ME, "extensions": {"persistedQuery": persisted_query}},
        content_type="application/json",
    )

    # then
    assert error_codes(response.json()) == ["PERSISTED_QUERY_NOT_SUPPORTED"]


def test_hash_that_does_not_match_the_query_is_refused_and_not_registered(api, user):
    # given
    api.authenticate(user)
    wrong = query_digest("{ __typename }")

    # when
    result = apq(api, ME, wrong)

    # then
    assert error_codes(result) == ["PERSISTED_QUERY_NOT_SUPPORTED"]
    assert error_codes(apq(api, digest=wrong)) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.fixture
def allow_list_mode(settings, tmp_path):
    path = tmp_path / "persisted_queries.json"
    path.write_text(json.dumps({query_digest(ME): ME}))
    settings.GRAPHQL_PERSISTED_QUERIES_FILE = str(path)
    settings.GRAPHQL_PERSISTED_QUERIES_ONLY = True


def test_allow_list_mode_runs_listed_documents_by_hash_or_text(api, user, allow_list_mode):
    # given
    api.authenticate(user)

    # when
    by_hash = apq(api, digest=query_digest(ME))
    by_text = api.execute(ME)

    # then
    assert by_hash == by_text == {"data": {"me": {"username": "alice"}}}


def test_allow_list_mode_refuses_an_unknown_document(api, user, allow_list_mode):
    # given
    api.authenticate(user)
    other = "query Other { me { email } }"

    # when
    as_text = api.execute(other)
    registered = apq(api, other, query_digest(other))

    # then
    assert error_codes(as_text) == ["PERSISTED_QUERY_NOT_ALLOWED"]
    assert error_codes(registered) == ["PERSISTED_QUERY_NOT_ALLOWED"]


def test_allow_list_file_with_a_wrong_hash_is_refused(settings, tmp_path):
    # given
    path = tmp_path / "persisted_queries.json"
    path.write_text(json.dumps({"0" * 64: ME}))
    settings.GRAPHQL_PERSISTED_QUERIES_FILE = str(path)

    # when / then
    with pytest.raises(ValueError, match="does not match"):
        allow_list()


@pytest.mark.parametrize(
    "query", ["{ noSuchField }", "{ __typename " + " " * 20_000 + "}"], ids=["invalid", "too large"]
)
def test_a_refused_document_is_never_registered(api, db, query):
    # given
    digest = query_digest(query)

    # when
    registration = apq(api, query, digest)

    # then
    assert error_codes(registration)[0] in {"GRAPHQL_VALIDATION_FAILED", "DOCUMENT_TOO_LARGE"}
    assert caches["persisted_queries"].get(persisted.SHARED_CACHE_PREFIX + digest) is None
    assert error_codes(apq(api, digest=digest)) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_a_hash_does_not_confirm_what_other_clients_sent_as_text(api, user):
    # given: someone sent a document as plain text (it is in the document cache)
    api.authenticate(user)
    secret = 'query { organizations(search: "acme takeover") { totalCount } }'
    api.execute(secret)
    api.token = None

    # when: a stranger guesses it and sends only the hash
    guess = apq(api, digest=query_digest(secret))

    # then: unknown, exactly as for a wrong guess
    assert error_codes(guess) == ["PERSISTED_QUERY_NOT_FOUND"]
