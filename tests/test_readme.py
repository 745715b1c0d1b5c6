"""The README documents what an operator needs: every variable, and the deployment guide."""

import re

from config.settings.base import BASE_DIR

README = (BASE_DIR / "README.md").read_text()
# Where the process reads its environment: the settings and gunicorn's configuration.
READ_FROM_ENVIRONMENT = {
    "config/settings/base.py": re.compile(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"'),
    "config/gunicorn.py": re.compile(r'os\.environ\.get\(\s*"([A-Z][A-Z0-9_]+)"'),
}


def test_every_environment_variable_is_in_the_readme_table():
    # given
    variables = {
        name
        for path, pattern in READ_FROM_ENVIRONMENT.items()
        for name in pattern.findall((BASE_DIR / path).read_text())
    }
    table_rows = [line for line in README.splitlines() if line.startswith("| `")]
    documented = {name for row in table_rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)}

    # then
    assert len(variables) > 40
    assert sorted(variables - documented) == []


def test_the_deployment_guide_covers_each_topic():
    # given
    guide = README.split("## Deployment", 1)[1].split("\n## ", 1)[0]

    # then
    for heading in (
        "### What to set",
        "### Start",
        "### Migrations",
        "### Rotating the signing key without signing anyone out",
        "### Backups",
        "### Scaling out",
        "### Failure behaviour",
    ):
        assert heading in guide
    for variable in ("JWT_PREVIOUS_SIGNING_KEYS", "JWT_PREVIOUS_PUBLIC_KEYS", "REDIS_URL"):
        assert variable in guide
