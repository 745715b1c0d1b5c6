"""The breaking-change gate: schema.graphql against the released schema, and CHANGELOG.md."""

import subprocess
import sys
from pathlib import Path

import pytest
from graphql import BreakingChangeType, build_schema, find_breaking_changes

from config.settings.base import BASE_DIR
from schema.compatibility import breaking_entries, check, coordinates, main, render

RELEASED = '''# Release 0.1.0 of the API schema.
"""Every query."""
type Query {
  organization(id: ID, slug: String @deprecated(reason: "Use `id`.")): Organization
  organizations(first: Int, orderBy: String): [Organization]
}

type Organization {
  id: ID!
  name: String
  website: String @deprecated(reason: "Use `links`.")
  members: [Membership]
}

type Membership {
  role: Role
}

enum Role {
  OWNER
  ADMIN
  MEMBER
  GUEST @deprecated(reason: "Use `MEMBER`.")
}
'''

# Each of the four kinds the issue names: a field removed, a field's type changed, a required
# argument added, an enum value removed.
BROKEN = '''"""Every query."""
type Query {
  organization(id: ID, slug: String @deprecated(reason: "Use `id`."), by: ID!): Organization
  organizations(first: Int, orderBy: String): [Organization]
}

type Organization {
  id: ID!
  website: String @deprecated(reason: "Use `links`.")
  members: MembershipConnection!
}

type MembershipConnection {
  edges: [Membership!]!
}

type Membership {
  role: Role
}

enum Role {
  OWNER
  MEMBER
  GUEST @deprecated(reason: "Use `MEMBER`.")
}
'''

BROKEN_COORDINATES = [
    "`Query.organization(by:)`: not listed in CHANGELOG.md",
    "`Organization.name`: not listed in CHANGELOG.md",
    "`Organization.members`: not listed in CHANGELOG.md",
    "`Role.ADMIN`: not listed in CHANGELOG.md",
]

ENTRIES_FOR_BROKEN = [
    "`Query.organization(by:)` is required. Migration: pass `by` instead of `id`.",
    "`Organization.name` is gone. Migration: ask for `Organization.slug`.",
    "`Organization.members` is a `MembershipConnection!`.\n  Migration: select"
    " `members { edges { role } }`.",
    "`Role.ADMIN` is gone. **Migration:** treat former admins as `MEMBER`.",
]


def changelog(breaking: list[str], release: str = "0.1.0") -> str:
    """A CHANGELOG.md with these bullets under Unreleased > Breaking."""
    bullets = "".join(f"- {entry}\n" for entry in breaking)
    return (
        "# Changelog\n\n## Unreleased\n\n### Breaking\n\n"
        f"{bullets}\n### Added\n\n- `Query.me`.\n\n### Deprecated\n\n### Changed\n\n"
        f"## {release}\n\nThe first release.\n"
    )


def test_a_broken_schema_fails_the_gate_naming_each_unlisted_change():
    # when
    report = check(RELEASED, BROKEN, changelog([]))

    # then
    assert report.failures == BROKEN_COORDINATES
    output = render(report)
    assert output.count("NOT LISTED") == 4
    assert "- `Role.ADMIN`: what changed. Migration: what a client does instead." in output
    # Removed without a deprecation first: said, and allowed before 1.0.0 with an entry.
    assert output.count("not deprecated in 0.1.0: allowed before 1.0.0") == 2
    assert output.endswith("Schema check FAILED\n  " + "\n  ".join(BROKEN_COORDINATES))


def test_the_broken_schema_passes_once_the_changelog_lists_each_change_with_a_migration_note():
    # when
    report = check(RELEASED, BROKEN, changelog(ENTRIES_FOR_BROKEN))

    # then
    assert report.failures == []
    assert [finding.entry.text[:24] for finding in report.findings if finding.entry] == [
        "`Query.organization(by:)",
        "`Organization.name` is g",
        "`Organization.members` i",
        "`Role.ADMIN` is gone. **",
    ]
    assert render(report).endswith("Schema check passed")


@pytest.mark.parametrize(
    "entry",
    [
        "`Role.ADMIN` is gone.",
        "`Role.ADMIN` is gone. Migration:",
        "`Role.ADMIN` is gone. Migration: TODO.",
        "Role.ADMIN is gone. Migration: use `MEMBER`.",  # the coordinate is not in backticks
        "`Role` lost a value. Migration: use `MEMBER`.",  # the type, not the value
    ],
)
def test_an_entry_without_a_migration_note_or_the_coordinate_does_not_count(entry):
    # given
    entries = [e for e in ENTRIES_FOR_BROKEN if not e.startswith("`Role.ADMIN`")] + [entry]

    # when
    report = check(RELEASED, BROKEN, changelog(entries))

    # then
    assert report.failures == ["`Role.ADMIN`: not listed in CHANGELOG.md"]
    has_coordinate = "`Role.ADMIN`" in entry
    assert ("its entry has no" in render(report)) is has_coordinate


def test_a_dangerous_change_only_warns():
    # given: a value added to an enum a client may switch on, an optional argument added
    current = RELEASED.replace("  GUEST", "  AUDITOR\n  GUEST").replace(
        "orderBy: String)", "orderBy: String, search: String)"
    )

    # when
    report = check(RELEASED, current, changelog([]))

    # then
    assert report.failures == []
    assert sorted(change.description for change in report.dangerous) == [
        "AUDITOR was added to enum type Role.",
        "An optional arg search on Query.organizations was added.",
    ]
    assert "  warning    AUDITOR was added to enum type Role." in render(report)


def test_an_additive_change_passes_with_an_empty_breaking_section():
    # given
    current = RELEASED.replace("  name: String\n", "  name: String\n  slug: String\n")

    # when
    report = check(RELEASED, current, changelog([]))

    # then
    assert (report.findings, report.dangerous, report.failures) == ([], [], [])


def test_from_1_0_0_a_removal_needs_a_deprecation_in_the_released_schema_entry_or_not():
    # given: Organization.name was never deprecated; website, slug and GUEST were
    released = RELEASED.replace("0.1.0", "1.0.0")
    current = (
        RELEASED.replace("  name: String\n", "")
        .replace("  website: String @deprecated", "  homepage: String @deprecated")
        .replace(', slug: String @deprecated(reason: "Use `id`.")', "")
        .replace('  GUEST @deprecated(reason: "Use `MEMBER`.")\n', "")
    )
    entries = [
        f"`{name}` is gone. Migration: see its deprecation reason."
        for name in ("Organization.name", "Organization.website", "Query.organization(slug:)")
    ] + ["`Role.GUEST` is gone. Migration: use `MEMBER`."]

    # when
    report = check(released, current, changelog(entries, release="1.0.0"))

    # then
    assert report.failures == ["`Organization.name`: removed without a deprecation in 1.0.0"]
    assert "refused: deprecate it (deprecation_reason), release, then remove it" in render(report)


def test_a_snapshot_of_another_release_than_the_changelog_s_latest_fails():
    # when
    report = check(RELEASED, RELEASED, changelog([], release="0.2.0 - 2026-01-05"))

    # then
    assert report.failures == [
        "the released schema is 0.1.0, CHANGELOG.md's latest release is 0.2.0: "
        "a release writes both (README, Versioning)"
    ]


def test_the_breaking_section_ends_at_the_next_heading_and_bullets_span_lines():
    # when
    entries = breaking_entries(changelog(ENTRIES_FOR_BROKEN))

    # then: the Added bullet is not a Breaking entry; a bullet's wrapped lines are one text
    assert len(entries) == 4
    assert entries[2].text == (
        "`Organization.members` is a `MembershipConnection!`. Migration: select"
        " `members { edges { role } }`."
    )


def _run_gate(*paths: Path) -> subprocess.CompletedProcess[str]:
    # The way `make schema-check` runs it: a script, no Django.
    return subprocess.run(  # noqa: S603 (this repository's file, fixed arguments)
        [sys.executable, "-P", "schema/compatibility.py", *map(str, paths)],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_repository_schema_passes_against_the_released_snapshot():
    # when: what CI runs
    result = _run_gate()

    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.endswith("Schema check passed\n")
    assert main([]) == 0


def test_the_script_fails_on_a_broken_schema_and_on_a_changelog_without_its_sections(tmp_path):
    # given
    (tmp_path / "released.graphql").write_text(RELEASED)
    (tmp_path / "schema.graphql").write_text(BROKEN)
    (tmp_path / "CHANGELOG.md").write_text(changelog([]))
    (tmp_path / "EMPTY.md").write_text("# Changelog\n\n## 0.1.0\n")
    released, current = tmp_path / "released.graphql", tmp_path / "schema.graphql"

    # when
    broken = _run_gate(released, current, tmp_path / "CHANGELOG.md")
    no_section = _run_gate(released, released, tmp_path / "EMPTY.md")

    # then
    assert broken.returncode == 1
    assert broken.stdout.count("NOT LISTED") == 4
    assert no_section.returncode == 1
    assert no_section.stdout == (
        "Schema check FAILED\n"
        '  CHANGELOG.md has no "## Unreleased" section with a "### Breaking" heading\n'
    )


# Every kind of breaking change graphql-core reports, and the coordinates an entry names for it.
DIRECTIVE = "directive @cached(ttl: Int) repeatable on FIELD_DEFINITION | OBJECT\n"
KINDS = [
    ("type Extra { a: Int }", "", "TYPE_REMOVED", ["Extra"]),
    ("scalar Stamp", "enum Stamp { NOW }", "TYPE_CHANGED_KIND", ["Stamp"]),
    ("union R = A | B type A { a: Int } type B { b: Int }", "union R = A type A { a: Int }"
     " type B { b: Int }", "TYPE_REMOVED_FROM_UNION", ["R", "B"]),
    ("enum Role { OWNER ADMIN }", "enum Role { OWNER }", "VALUE_REMOVED_FROM_ENUM", ["Role.ADMIN"]),
    ("input L { id: ID }", "input L { id: ID slug: String! }", "REQUIRED_INPUT_FIELD_ADDED",
     ["L.slug"]),
    ("interface Node { id: ID } type U implements Node { id: ID }", "interface Node { id: ID }"
     " type U { id: ID }", "IMPLEMENTED_INTERFACE_REMOVED", ["U", "Node"]),
    ("type T { a: Int b: Int }", "type T { a: Int }", "FIELD_REMOVED", ["T.b"]),
    ("input L { id: ID slug: String }", "input L { id: ID }", "FIELD_REMOVED", ["L.slug"]),
    ("type T { a: Int }", "type T { a: String }", "FIELD_CHANGED_KIND", ["T.a"]),
    ("type T { a: Int }", "type T { a(x: ID!): Int }", "REQUIRED_ARG_ADDED", ["T.a(x:)"]),
    ("type T { a(x: String): Int }", "type T { a: Int }", "ARG_REMOVED", ["T.a(x:)"]),
    ("type T { a(x: Int): Int }", "type T { a(x: Int!): Int }", "ARG_CHANGED_KIND", ["T.a(x:)"]),
    (DIRECTIVE, "", "DIRECTIVE_REMOVED", ["@cached"]),
    (DIRECTIVE, DIRECTIVE.replace("(ttl: Int)", ""), "DIRECTIVE_ARG_REMOVED", ["@cached(ttl:)"]),
    (DIRECTIVE, DIRECTIVE.replace("Int)", "Int, scope: String!)"),
     "REQUIRED_DIRECTIVE_ARG_ADDED", ["@cached(scope:)"]),
    (DIRECTIVE, DIRECTIVE.replace("repeatable ", ""), "DIRECTIVE_REPEATABLE_REMOVED", ["@cached"]),
    (DIRECTIVE, DIRECTIVE.replace(" | OBJECT", ""), "DIRECTIVE_LOCATION_REMOVED",
     ["@cached", "OBJECT"]),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "kind", "expected"), KINDS)
def test_each_kind_of_breaking_change_has_its_coordinates(old, new, kind, expected):
    # given
    query = "type Query { q: Int }\n"

    # when
    changes = find_breaking_changes(build_schema(query + old), build_schema(query + new))

    # then
    assert [(change.type.name, list(coordinates(change))) for change in changes] == [
        (kind, expected)
    ]


def test_a_removed_standard_scalar_is_named_by_its_type():
    # when
    changes = find_breaking_changes(
        build_schema("type Query { q: Float }"), build_schema("type Query { q: Int }")
    )

    # then
    assert sorted(coordinates(change) for change in changes) == [("Float",), ("Query.q",)]


def test_the_kinds_above_are_every_kind_graphql_core_knows():
    # A new kind in a graphql-core upgrade fails here before it reaches the gate.
    assert {kind for _, _, kind, _ in KINDS} == {kind.name for kind in BreakingChangeType}
