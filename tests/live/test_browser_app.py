"""A single-page app in headless Chromium, on another origin than the API, in cookie mode.

The app (http://localhost:<app port>) signs in with `refreshTokenInCookie`, keeps
the access token in memory and the CSRF value in sessionStorage, and refreshes
through the cookie with one shared promise. The API is gunicorn on
http://localhost:<api port> (same site, another origin: SameSite=Strict lets
the cookie through, CORS decides the rest). A third origin,
http://localhost:<attacker port> (same site too, so the browser does send the
cookie there: only the API's own checks stand in the way), tries to refresh,
sign out and read the token.
"""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.live.conftest import DEMO_PASSWORD, DEMO_USERNAME, free_port, serve_gunicorn

pytestmark = pytest.mark.live

COOKIE_NAME = "__Secure-refresh_token"

APP_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>App</title></head><body><script>
const API = "%(api)s";
let accessToken = null;
let refreshing = null;
// Every response body the page read, to show the refresh token was never among them.
window.seen = [];

async function post(path, query, headers) {
  const response = await fetch(API + path, {
    method: "POST",
    credentials: path === "/graphql/token/" ? "include" : "omit",
    headers: Object.assign({"Content-Type": "application/json"}, headers),
    body: JSON.stringify({query}),
  });
  const text = await response.text();
  window.seen.push(text);
  return JSON.parse(text);
}

function keep(payload) {
  accessToken = payload.token;
  sessionStorage.setItem("csrfToken", payload.csrfToken);
  return payload;
}

async function signIn(username, password) {
  const body = await post("/graphql/token/",
    `mutation { tokenAuth(username: ${JSON.stringify(username)},
       password: ${JSON.stringify(password)}, refreshTokenInCookie: true)
       { token refreshToken csrfToken } }`);
  return keep(body.data.tokenAuth);
}

// One refresh at a time: parallel callers share the promise.
function refresh() {
  if (!refreshing) {
    refreshing = post("/graphql/token/",
                      "mutation { refreshToken { token refreshToken csrfToken } }",
                      {"X-CSRF-Token": sessionStorage.getItem("csrfToken") || ""})
      .then(body => body.errors ? Promise.reject(body.errors[0].extensions.code)
                                : keep(body.data.refreshToken))
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

async function api(query) {
  if (!accessToken) await refresh();
  return post("/graphql/", query, {"Authorization": "Bearer " + accessToken});
}

async function signOut() {
  return post("/graphql/token/", "mutation { revokeToken { revoked } }",
              {"X-CSRF-Token": sessionStorage.getItem("csrfToken") || ""});
}

window.app = {signIn, refresh, api, signOut, hasAccessToken: () => accessToken !== null};
</script></body></html>
"""

ATTACKER_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Not the app</title></head><body><script>
const API = "%(api)s";
async function attempt(name, init) {
  try {
    const response = await fetch(API + "/graphql/token/", init);
    return name + ": " + (response.type === "opaque" ? "opaque" : await response.text());
  } catch (error) {
    return name + ": failed " + error;
  }
}
const refresh = JSON.stringify({query: "mutation { refreshToken { token csrfToken } }"});
const signOut = JSON.stringify({query: "mutation { revokeToken { revoked } }"});
window.attack = async function () {
  const json = {"Content-Type": "application/json"};
  const credentials = "include";
  return [
    await attempt("refresh", {method: "POST", credentials, headers: json, body: refresh}),
    await attempt("refresh with a guessed CSRF header", {method: "POST", credentials: "include",
      headers: Object.assign({"X-CSRF-Token": "0".repeat(64)}, json), body: refresh}),
    // No preflight for text/plain: the request goes, cookie and all.
    await attempt("refresh as a simple request", {method: "POST", credentials: "include",
      headers: {"Content-Type": "text/plain"}, body: refresh}),
    await attempt("sign out", {method: "POST", credentials, headers: json, body: signOut}),
    await attempt("sign out, no-cors", {method: "POST", mode: "no-cors", credentials: "include",
      headers: {"Content-Type": "text/plain"}, body: signOut}),
    // Cookies ignore ports: this page's own cookies include localhost's.
    "read: " + document.cookie,
  ];
};
</script></body></html>
"""


class StaticSite:
    """One HTML page at every path of http://localhost:<port>, from a thread of the test."""

    def __init__(self) -> None:
        self.page = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = site.page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.origin = f"http://localhost:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def sites(live_root) -> Iterator[dict[str, str]]:
    """The app's origin, the attacker's and the API's (which allows the app's only)."""
    app, attacker = StaticSite(), StaticSite()
    api_port = free_port()
    api = serve_gunicorn(live_root, api_port, CORS_ALLOWED_ORIGINS=app.origin)
    next(api)
    api_origin = f"http://localhost:{api_port}"
    app.page = APP_PAGE % {"api": api_origin}
    attacker.page = ATTACKER_PAGE % {"api": api_origin}
    try:
        yield {"app": app.origin, "api": api_origin, "attacker": attacker.origin}
    finally:
        api.close()
        app.close()
        attacker.close()


def call(browser, script: str):
    """Run `script` (an expression, maybe a promise) in the page; {"value"} or {"error"}."""
    wrapper = (
        "const done = arguments[arguments.length - 1];"
        f"Promise.resolve().then(() => {script}).then("
        "value => done(JSON.stringify({value})),"
        " error => done(JSON.stringify({error: String(error)})));"
    )
    return json.loads(browser.execute_async_script(wrapper))


def refresh_cookies(browser) -> list[dict]:
    """The browser's refresh cookies, as its cookie store holds them (not as a page sees)."""
    cookies = browser.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
    return [cookie for cookie in cookies if cookie["name"] == COOKIE_NAME]


def test_a_cookie_mode_app_signs_in_reloads_refreshes_and_a_third_origin_gets_nothing(
    browser, sites
):
    # given: the app's page
    browser.get(sites["app"] + "/")

    # when: it signs in with cookie mode
    signed_in = call(
        browser, f"app.signIn({json.dumps(DEMO_USERNAME)}, {json.dumps(DEMO_PASSWORD)})"
    )

    # then: the body has no refresh token; the browser holds it in an HttpOnly cookie
    assert signed_in["value"]["refreshToken"] is None, signed_in
    assert signed_in["value"]["token"]
    [cookie] = refresh_cookies(browser)
    assert cookie["httpOnly"] is True
    assert cookie["secure"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/graphql/token/"
    assert cookie["domain"] == "localhost"  # host-only: no Domain attribute
    seen = call(browser, "window.seen.join('\\n') + document.cookie")["value"]
    assert cookie["value"] not in seen

    # when: the page reloads (the access token, kept in memory, is gone)
    browser.get(sites["app"] + "/")
    assert call(browser, "app.hasAccessToken()") == {"value": False}
    # three parallel calls share one refresh
    results = call(
        browser,
        "Promise.all([app.api('{ me { username } }'), app.api('{ me { username } }'),"
        " app.api('{ me { username } }')])",
    )

    # then: a new access token through the cookie, and the API answers
    assert results == {"value": [{"data": {"me": {"username": DEMO_USERNAME}}}] * 3}, results
    [rotated] = refresh_cookies(browser)
    assert rotated["value"] != cookie["value"]
    seen = call(browser, "window.seen.join('\\n') + document.cookie")["value"]
    assert rotated["value"] not in seen and cookie["value"] not in seen

    # when: a page on a third origin tries to refresh, sign out and read the token
    browser.get(sites["attacker"] + "/graphql/token/")
    attempts = call(browser, "window.attack()")["value"]

    # then: all of it fails
    refresh, refresh_guessed, refresh_simple, sign_out, sign_out_no_cors, read = attempts
    assert refresh.startswith("refresh: failed TypeError"), refresh
    assert refresh_guessed.startswith("refresh with a guessed CSRF header: failed TypeError")
    # Sent, cookie and all, and read by nobody: the API takes JSON only (415).
    assert refresh_simple.startswith("refresh as a simple request: failed TypeError"), (
        refresh_simple
    )
    assert sign_out.startswith("sign out: failed TypeError"), sign_out
    assert sign_out_no_cors == "sign out, no-cors: opaque"
    assert read == "read: "
    # and: the cookie is as the app left it, and the session alive
    assert refresh_cookies(browser) == [rotated]
    browser.get(sites["app"] + "/")
    me = call(browser, "app.api('{ me { username } }')")
    assert me == {"value": {"data": {"me": {"username": DEMO_USERNAME}}}}, me

    # when: the app signs out
    signed_out = call(browser, "app.signOut()")

    # then: the session ends and the cookie is gone
    assert signed_out == {"value": {"data": {"revokeToken": {"revoked": True}}}}
    assert refresh_cookies(browser) == []
    assert call(browser, "app.refresh()") == {"error": "UNAUTHENTICATED"}
