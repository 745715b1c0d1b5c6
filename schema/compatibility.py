"""The breaking-change gate: schema.graphql against the last released schema.

`make schema-check` runs this file as a script (`python -P schema/compatibility.py`):
graphql-core and the standard library only, so no Django starts (`-m schema.compatibility`
would import the root schema, and the models with it). Nothing in the request path imports it.

Rules (README, "Versioning"): every breaking change is listed under "## Unreleased" >
"### Breaking" in CHANGELOG.md by a bullet that names its coordinate in backticks and carries a
"Migration:" note. A field, argument, input field or enum value removed without a deprecation
in the released schema is noted before 1.0.0 and refused from 1.0.0 on, entry or not.
Dangerous changes are warnings.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    BreakingChange,
    BreakingChangeType,
    DangerousChange,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
)

ROOT = Path(__file__).resolve().parent.parent
RELEASED = ROOT / "docs" / "schema" / "released.graphql"
CURRENT = ROOT / "schema.graphql"
CHANGELOG = ROOT / "CHANGELOG.md"

Kind = BreakingChangeType
# graphql-core's description of each kind of breaking change, as its f-strings write them
# (graphql/utilities/find_breaking_changes.py; "..." is any text), and the coordinates a
# CHANGELOG entry names for it.
_DESCRIPTIONS: dict[BreakingChangeType, tuple[str, str]] = {
    Kind.TYPE_REMOVED: ("...{t} was removed...", "{t}"),
    Kind.TYPE_CHANGED_KIND: ("{t} changed from ...", "{t}"),
    Kind.TYPE_REMOVED_FROM_UNION: ("{m} was removed from union type {t}.", "{t} {m}"),
    Kind.VALUE_REMOVED_FROM_ENUM: ("{v} was removed from enum type {t}.", "{t}.{v}"),
    Kind.REQUIRED_INPUT_FIELD_ADDED: (
        "A required field {f} on input type {t} was added.",
        "{t}.{f}",
    ),
    Kind.IMPLEMENTED_INTERFACE_REMOVED: ("{t} no longer implements interface {i}.", "{t} {i}"),
    Kind.FIELD_REMOVED: ("{t}.{f} was removed.", "{t}.{f}"),
    Kind.FIELD_CHANGED_KIND: ("{t}.{f} changed type from ...", "{t}.{f}"),
    Kind.REQUIRED_ARG_ADDED: ("A required arg {a} on {t}.{f} was added.", "{t}.{f}({a}:)"),
    Kind.ARG_REMOVED: ("{t}.{f} arg {a} was removed.", "{t}.{f}({a}:)"),
    Kind.ARG_CHANGED_KIND: ("{t}.{f} arg {a} has changed type from ...", "{t}.{f}({a}:)"),
    Kind.DIRECTIVE_REMOVED: ("{d} was removed.", "@{d}"),
    Kind.DIRECTIVE_ARG_REMOVED: ("{a} was removed from {d}.", "@{d}({a}:)"),
    Kind.REQUIRED_DIRECTIVE_ARG_ADDED: (
        "A required arg {a} on directive {d} was added.",
        "@{d}({a}:)",
    ),
    Kind.DIRECTIVE_REPEATABLE_REMOVED: ("Repeatable flag was removed from {d}.", "@{d}"),
    Kind.DIRECTIVE_LOCATION_REMOVED: ("{l} was removed from {d}.", "@{d} {l}"),
}
_VERSION_LINE = re.compile(r"\A# Release (\d+\.\d+\.\d+)\b")
_RELEASE_HEADING = re.compile(r"^## \[?(\d+\.\d+\.\d+)\]?", re.MULTILINE)
_BACKTICKED = re.compile(r"`([^`\n]+)`")
_MIGRATION = re.compile(r"\bmigration\b[*_]*:[*_]*(?P<note>.*)", re.IGNORECASE | re.DOTALL)
_PLACEHOLDER = re.compile(r"\W*(?:todo|tbd|fixme|n/?a|none|\.\.\.)?\W*", re.IGNORECASE)


def _pattern(description: str) -> re.Pattern[str]:
    literal = re.escape(description).replace(r"\.\.\.", ".*?")
    return re.compile(re.sub(r"\\\{(\w)\\\}", r"(?P<\1>\\w+)", literal))


_PATTERNS = {kind: (_pattern(text), names) for kind, (text, names) in _DESCRIPTIONS.items()}


def coordinates(change: BreakingChange) -> tuple[str, ...]:
    """The schema coordinates a CHANGELOG entry names for this change, e.g. `Query.me(id:)`."""
    pattern, names = _PATTERNS[change.type]
    match = pattern.fullmatch(change.description)
    if match is None:  # graphql-core reworded it: tests/schema/test_compatibility.py fails too
        raise ValueError(f"unrecognised {change.type.name} description: {change.description!r}")
    return tuple(names.format(**match.groupdict()).split())


def was_deprecated(released: GraphQLSchema, change: BreakingChange) -> bool | None:
    """Whether the released schema deprecated what this change removes; None if no removal."""
    if change.type not in (Kind.FIELD_REMOVED, Kind.ARG_REMOVED, Kind.VALUE_REMOVED_FROM_ENUM):
        return None
    # `Type.member` or `Type.field(argument:)`, as the templates above write them.
    type_name, member, argument = re.split(r"[.(:)]+", coordinates(change)[0] + ":")[:3]
    owner = released.get_type(type_name)
    if isinstance(owner, GraphQLEnumType):
        return bool(owner.values[member].deprecation_reason)
    if not isinstance(owner, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        raise TypeError(f"{type_name} has no fields")
    field = owner.fields[member]
    removed = field.args[argument] if isinstance(field, GraphQLField) and argument else field
    return bool(removed.deprecation_reason)


@dataclass(frozen=True)
class Entry:
    """One bullet of the Unreleased "Breaking" section."""

    text: str

    @property
    def names(self) -> set[str]:
        return {name.strip() for name in _BACKTICKED.findall(self.text)}

    @property
    def has_migration_note(self) -> bool:
        note = _MIGRATION.search(self.text)
        return note is not None and not _PLACEHOLDER.fullmatch(note["note"])

    def lists(self, change_coordinates: tuple[str, ...]) -> bool:
        return set(change_coordinates) <= self.names


def _section(text: str, heading: str, level: str) -> str | None:
    match = re.search(
        rf"^{heading}[ \t]*$(?P<body>.*?)(?=^#{{1,{len(level)}}} |\Z)", text, re.M | re.S
    )
    return match["body"] if match else None


def breaking_entries(changelog: str) -> list[Entry]:
    """The bullets under "## Unreleased" > "### Breaking"; ValueError if that section is missing."""
    unreleased = _section(changelog, r"## \[?Unreleased\]?", "##")
    breaking = _section(unreleased or "", "### Breaking", "###")
    if breaking is None:
        raise ValueError(
            'CHANGELOG.md has no "## Unreleased" section with a "### Breaking" heading'
        )
    bullets = re.split(r"^[-*] ", breaking, flags=re.MULTILINE)[1:]
    return [Entry(" ".join(bullet.split())) for bullet in bullets]


def latest_release(changelog: str) -> str | None:
    """The version of CHANGELOG.md's newest release heading."""
    match = _RELEASE_HEADING.search(changelog)
    return match[1] if match else None


@dataclass(frozen=True)
class Finding:
    """One breaking change, what it needs, and what covers it."""

    change: BreakingChange
    coordinates: tuple[str, ...]
    deprecated: bool | None
    entry: Entry | None
    entry_without_migration: Entry | None


@dataclass(frozen=True)
class Report:
    """Everything the gate found; `failures` empty means it passes."""

    version: str
    findings: list[Finding]
    dangerous: list[DangerousChange]
    entries: list[Entry]
    failures: list[str]

    @property
    def stable(self) -> bool:
        """From 1.0.0 on, removals need a deprecation in the released schema."""
        return int(self.version.split(".")[0]) >= 1


def check(released_sdl: str, current_sdl: str, changelog: str) -> Report:
    """Compare the released schema with the current one, against the CHANGELOG's entries."""
    version_line = _VERSION_LINE.match(released_sdl)
    if version_line is None:
        raise ValueError('the released schema does not start with "# Release X.Y.Z"')
    released, current = build_schema(released_sdl), build_schema(current_sdl)
    entries = breaking_entries(changelog)
    findings = []
    for change in find_breaking_changes(released, current):
        names = coordinates(change)
        listing = [entry for entry in entries if entry.lists(names)]
        findings.append(
            Finding(
                change,
                names,
                was_deprecated(released, change),
                next((entry for entry in listing if entry.has_migration_note), None),
                next((entry for entry in listing if not entry.has_migration_note), None),
            )
        )
    report = Report(
        version_line[1], findings, find_dangerous_changes(released, current), entries, []
    )
    if latest_release(changelog) != report.version:
        report.failures.append(
            f"the released schema is {report.version}, CHANGELOG.md's latest release is "
            f"{latest_release(changelog)}: a release writes both (README, Versioning)"
        )
    for finding in findings:
        if finding.entry is None:
            report.failures.append(f"{_names(finding.coordinates)}: not listed in CHANGELOG.md")
        if report.stable and finding.deprecated is False:
            report.failures.append(
                f"{_names(finding.coordinates)}: removed without a deprecation in {report.version}"
            )
    return report


def _names(names: tuple[str, ...]) -> str:
    return " and ".join(f"`{name}`" for name in names)


_UNDEPRECATED = {
    False: "allowed before 1.0.0 (with its entry), refused from 1.0.0 on",
    True: "refused: deprecate it (deprecation_reason), release, then remove it",
}
_INDENT = " " * 13


def render(report: Report) -> str:
    """The gate's output: each breaking change with its verdict, then warnings and entries."""
    lines = [f"Breaking changes since release {report.version}: {len(report.findings)}"]
    for finding in report.findings:
        status = "listed" if finding.entry else "NOT LISTED"
        lines.append(f"  {status:<10} {_names(finding.coordinates)}: {finding.change.description}")
        if finding.deprecated is False:
            lines.append(
                f"{_INDENT}not deprecated in {report.version}: {_UNDEPRECATED[report.stable]}"
            )
        if finding.entry is None and finding.entry_without_migration is not None:
            lines.append(f'{_INDENT}its entry has no "Migration:" note, so it does not count')
        if finding.entry is None:
            lines.append(f'{_INDENT}add under "## Unreleased" > "### Breaking" in CHANGELOG.md:')
            lines.append(
                f"{_INDENT}- {_names(finding.coordinates)}: what changed. "
                "Migration: what a client does instead."
            )
    lines.append(f"Dangerous changes (warnings, never a failure): {len(report.dangerous)}")
    lines.extend(f"  warning    {change.description}" for change in report.dangerous)
    lines.append(f'CHANGELOG.md "Breaking" entries: {len(report.entries)}')
    for entry in report.entries:
        covered = ", ".join(_names(f.coordinates) for f in report.findings if f.entry == entry)
        if not entry.has_migration_note:
            covered = 'no "Migration:" note, counts for nothing'
        lines.append(f"  {covered or 'matches no change'} <- {entry.text[:72]}")
    verdict = "FAILED" if report.failures else "passed"
    lines.append(f"Schema check {verdict}" + "".join(f"\n  {line}" for line in report.failures))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Exit 0 when schema.graphql may ship as the next release, 1 otherwise."""
    if len(argv) not in (0, 3):
        print("usage: python -P schema/compatibility.py [RELEASED CURRENT CHANGELOG]")
        return 2
    released, current, changelog = [Path(arg) for arg in argv] or [RELEASED, CURRENT, CHANGELOG]
    try:
        texts = [path.read_text(encoding="utf-8") for path in (released, current, changelog)]
        report = check(*texts)
    except (OSError, ValueError, GraphQLError) as error:
        print(f"Schema check FAILED\n  {error}")
        return 1
    print(render(report))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
