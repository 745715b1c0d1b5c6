"""The typed request context is the only way the stages of a request share what they learn."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from accounts.request_context import GraphQLLog, RequestContext, request_context

# The application's source: what may hang attributes on a request.
SOURCE_DIRECTORIES = ("accounts", "config", "organization", "schema")
# The module that owns the one attribute the context lives in.
CONTEXT_MODULE = "accounts/request_context.py"
# Django's own request attributes, which Django and its libraries read.
DJANGO_ATTRIBUTES = {"user", "current_app"}


def _is_request(node: ast.expr) -> bool:
    """`request`, `self.request` or `info.context` (graphene's context is the request)."""
    if isinstance(node, ast.Name):
        return node.id == "request"
    return isinstance(node, ast.Attribute) and (
        node.attr == "request" or (node.attr == "context" and _is_name(node.value, "info"))
    )


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def request_attributes(source: str) -> list[tuple[str, str]]:
    """Every request attribute `source` sets or looks up by name: (how, attribute)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        found += [
            ("set", target.attr)
            for target in targets
            if isinstance(target, ast.Attribute) and _is_request(target.value)
        ]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("setattr", "getattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and _is_request(node.args[0])
            and isinstance(node.args[1], ast.Constant)
        ):
            found.append((node.func.id.removesuffix("attr") or "get", node.args[1].value))
    return found


def source_request_attributes() -> dict[str, list[tuple[str, str]]]:
    base = Path(settings.BASE_DIR)
    found = {}
    for directory in SOURCE_DIRECTORIES:
        for path in sorted((base / directory).rglob("*.py")):
            name = path.relative_to(base).as_posix()
            if name == CONTEXT_MODULE or "/migrations/" in name:
                continue
            attributes = request_attributes(path.read_text(encoding="utf-8"))
            if attributes:
                found[name] = attributes
    return found


def test_the_scan_finds_ad_hoc_request_attributes():
    # given: the ways an attribute was hung on a request before the context existed
    source = (
        "def view(request, info):\n"
        "    request.graphql_log = {}\n"
        "    info.context.authentication_failure = None\n"
        "    self.request.seen: bool = True\n"
        "    request.count += 1\n"
        "    setattr(request, 'flag', 1)\n"
        "    getattr(request, 'graphql_log', None)\n"
        "    hasattr(info.context, 'authentication_failure')\n"
        "    other.graphql_log = {}\n"
    )

    # when
    found = request_attributes(source)

    # then: every one but the attribute of something that is not a request
    assert found == [
        ("set", "graphql_log"),
        ("set", "authentication_failure"),
        ("set", "seen"),
        ("set", "count"),
        ("set", "flag"),
        ("get", "graphql_log"),
        ("has", "authentication_failure"),
    ]


def test_no_module_hangs_its_own_attributes_on_a_request():
    # given: every module of the application but the context's own
    found = source_request_attributes()

    # when: Django's own attributes are set aside
    ad_hoc = {
        name: [entry for entry in attributes if entry[1] not in DJANGO_ATTRIBUTES]
        for name, attributes in found.items()
    }

    # then: none is left; share it through accounts.request_context instead
    assert {name: entries for name, entries in ad_hoc.items() if entries} == {}
    # and the scan saw the Django attributes the application does set and read
    assert found == {
        "accounts/admin_site.py": [("set", "current_app")],
        "config/middleware.py": [("get", "user")],
        "schema/core/budget.py": [("get", "user"), ("get", "user")],
        "schema/core/views.py": [("set", "user"), ("set", "user")],
    }


def test_one_context_per_request(rf):
    # given
    request = rf.post("/graphql/")

    # when
    first = request_context(request)
    first.graphql().error_codes.append("BAD_REQUEST")

    # then: the same object later, other requests their own
    assert request_context(request) is first
    assert request_context(request).graphql_log == GraphQLLog(error_codes=["BAD_REQUEST"])
    assert request_context(rf.post("/graphql/")) == RequestContext()


@pytest.mark.parametrize("logged", [True, False], ids=["graphql", "not-graphql"])
def test_the_log_entry_exists_only_once_started(rf, logged):
    # given
    context = request_context(rf.get("/healthz"))

    # when
    if logged:
        context.graphql()

    # then
    assert (context.graphql_log is not None) is logged
