"""Small modules: no file in schema/core/ over 200 lines (the developers' guide)."""

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
