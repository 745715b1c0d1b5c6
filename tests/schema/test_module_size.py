"""Small modules: no file in schema/core/ over 200 lines (the developers' guide), each named
in the README's layout."""

import re
from fnmatch import fnmatch
from pathlib import Path

from django.conf import settings

MAX_LINES = 200


def test_no_module_of_schema_core_is_over_the_limit():
    # given
    modules = sorted((Path(settings.BASE_DIR) / "schema" / "core").glob("*.py"))
    assert len(modules) > 10, "schema/core/ not found"

    # when
    lengths = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in modules}

    # then
    offenders = {name: lines for name, lines in lengths.items() if lines > MAX_LINES}
    assert offenders == {}, f"over {MAX_LINES} lines, split them by what they do: {offenders}"


def test_the_readme_layout_names_every_module_of_schema_core():
    # given: the file names in backticks in the README's "Layout" section (globs allowed)
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    layout = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"`([\w*]+\.py)`", layout)
    modules = sorted((Path(settings.BASE_DIR) / "schema" / "core").glob("*.py"))

    # when
    unnamed = [
        path.name
        for path in modules
        if path.name != "__init__.py" and not any(fnmatch(path.name, name) for name in named)
    ]
    stale = [name for name in named if "*" not in name and name not in {p.name for p in modules}]

    # then
    assert unnamed == [], "README, Layout: say what these schema/core modules do"
    assert stale == [], "README, Layout: no such module in schema/core/"
