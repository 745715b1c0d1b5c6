"""GraphiQL in headless Chromium, offline: sign in, paste the Bearer header, run a query."""

import json
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.live.conftest import DEMO_PASSWORD, DEMO_USERNAME

pytestmark = pytest.mark.live

# What the signed-in user runs: a page of the organizations seed_demo gave them.
SIGNED_IN_QUERY = "{ organizations(first: 3) { totalCount edges { node { name myRole } } } }"

# Anonymous, like the query after it: GraphiQL keeps an operation name it has seen.
TOKEN_AUTH = (
    "mutation {\n"
    f'  tokenAuth(username: "{DEMO_USERNAME}", password: "{DEMO_PASSWORD}") {{ token }}\n'
    "}"
)


class GraphiQLPage:
    """The few things a person does in GraphiQL, done through its page."""

    def __init__(self, driver) -> None:
        self.driver = driver
        self.wait = WebDriverWait(driver, 20)

    def open(self, url: str) -> None:
        self.driver.get(url)
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".graphiql-execute-button"))

    def _editor(self, selector: str):
        return self.driver.find_element(By.CSS_SELECTOR, f"{selector} .CodeMirror")

    def type_query(self, query: str) -> None:
        editor = self._editor(".graphiql-query-editor")
        self.driver.execute_script("arguments[0].CodeMirror.setValue(arguments[1])", editor, query)

    def paste_headers(self, headers: dict[str, str]) -> None:
        tab = self.driver.find_element(By.XPATH, "//button[normalize-space()='Headers']")
        tab.click()
        editor = self.wait.until(
            lambda d: next(
                (
                    element
                    for element in d.find_elements(
                        By.CSS_SELECTOR, ".graphiql-editor-tool .CodeMirror"
                    )
                    if element.is_displayed()
                ),
                None,
            )
        )
        editor.click()
        editor.find_element(By.CSS_SELECTOR, "textarea").send_keys(Keys.CONTROL, "a")
        # As a paste does: the text arrives in one piece, not typed (no auto-closed brackets).
        self.driver.execute_cdp_cmd("Input.insertText", {"text": json.dumps(headers)})

    def headers_text(self) -> str:
        return self.driver.execute_script(
            "return [...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')]"
            ".map(e => e.CodeMirror.getValue()).join('\\n')"
        )

    def run(self) -> dict:
        previous = self.result_text()
        self.driver.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
        self.wait.until(lambda d: self.result_text() not in ("", previous))
        return json.loads(self.result_text())

    def result_text(self) -> str:
        return self.driver.execute_script(
            "const e = document.querySelector('.graphiql-response .CodeMirror');"
            "return e ? e.CodeMirror.getValue() : ''"
        )

    def visible_result(self) -> str:
        return self.driver.find_element(By.CSS_SELECTOR, ".graphiql-response").text


def leaf_values(data) -> list[str]:
    if isinstance(data, dict):
        return [value for item in data.values() for value in leaf_values(item)]
    if isinstance(data, list):
        return [value for item in data for value in leaf_values(item)]
    return [] if data is None else [str(data)]


def direct(server, query: str, token: str) -> dict:
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(  # noqa: S310 (a loopback URL)
        server.graphql_url,
        body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.load(response)


def test_sign_in_paste_the_bearer_header_and_query_in_graphiql(browser, gunicorn_server):
    # given: GraphiQL, every asset from /static/, no other host reachable
    page = GraphiQLPage(browser)
    page.open(gunicorn_server.graphql_url)

    # when: sign in with tokenAuth
    page.type_query(TOKEN_AUTH)
    token = page.run()["data"]["tokenAuth"]["token"]

    # and: paste the Bearer header and run the signed-in query
    page.paste_headers({"Authorization": f"Bearer {token}"})
    page.type_query(SIGNED_IN_QUERY)
    result = page.run()

    # then: the data is on the page, the same as a direct call answers
    assert json.loads(page.headers_text()) == {"Authorization": f"Bearer {token}"}
    assert "errors" not in result
    assert result == direct(gunicorn_server, SIGNED_IN_QUERY, token)
    values = leaf_values(result["data"])
    assert values
    shown = page.visible_result()
    assert all(value in shown for value in values), (values, shown)
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(r => r.name)"
    )
    assert resources
    assert all(name.startswith(gunicorn_server.url) for name in resources), resources


def test_the_page_has_a_title_and_a_bearer_header_template(browser, gunicorn_server):
    # when
    page = GraphiQLPage(browser)
    page.open(gunicorn_server.graphql_url)

    # then
    assert browser.title == "GraphiQL · Organizations GraphQL API"
    assert json.loads(page.headers_text()) == {"Authorization": "Bearer "}


def test_docs_pane_shows_the_descriptions(browser, gunicorn_server):
    # given
    page = GraphiQLPage(browser)
    page.open(gunicorn_server.graphql_url)

    # when: open the docs, then the Query type
    browser.find_element(By.CSS_SELECTOR, "[aria-label='Show Documentation Explorer']").click()
    query_type = page.wait.until(
        lambda d: d.find_element(
            By.CSS_SELECTOR, ".graphiql-doc-explorer a.graphiql-doc-explorer-type-name"
        )
    )
    query_type.click()

    # then
    docs = page.wait.until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, ".graphiql-doc-explorer")
            if "The signed-in user."
            in d.find_element(By.CSS_SELECTOR, ".graphiql-doc-explorer").text
            else None
        )
    )
    assert "Every query of the API." in docs.text


CROSS_ORIGIN_FETCH = """
const [url, done] = [arguments[0], arguments[arguments.length - 1]];
fetch(url, {
  method: "POST",
  headers: {"Content-Type": "application/json", "Authorization": "Bearer not-a-token"},
  body: JSON.stringify({query: "{ __typename }"}),
}).then(r => r.json()).then(body => done(JSON.stringify(body)), error => done("failed: " + error));
"""


def test_browser_on_an_allowed_origin_may_call_the_api_with_a_bearer_header(
    browser, gunicorn_server
):
    # given: a page on http://localhost:<port>, an allowed origin
    browser.get(gunicorn_server.origin("localhost") + "/static/graphene_django/graphiql.js")

    # when: it calls http://127.0.0.1:<port> (another origin) with Authorization: a preflight
    answer = browser.execute_async_script(CROSS_ORIGIN_FETCH, gunicorn_server.graphql_url)

    # then
    assert json.loads(answer) == {"data": {"__typename": "Query"}}


def test_browser_on_another_origin_is_refused(browser, gunicorn_server):
    # given: a page on http://127.0.0.1:<port>, not an allowed origin
    browser.get(gunicorn_server.url + "/static/graphene_django/graphiql.js")

    # when: it calls http://localhost:<port>
    answer = browser.execute_async_script(
        CROSS_ORIGIN_FETCH, gunicorn_server.origin("localhost") + "/graphql/"
    )

    # then: the browser blocks it after the preflight
    assert answer.startswith("failed: TypeError")
