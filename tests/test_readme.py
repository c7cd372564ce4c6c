"""The README stays true: every environment variable the settings read is in its table."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_environment_variable_read_by_settings_is_documented_in_the_readme():
    settings = (ROOT / "portal" / "settings.py").read_text()
    procfile = (ROOT / "Procfile").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\("([A-Z_]+)"', settings))
    names |= set(re.findall(r"\$\{([A-Z_]+)(?::-[^}]*)?\}", procfile))
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert names and not missing, f"README configuration table lacks: {missing}"


def test_readme_names_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


def test_the_readmes_demo_staff_table_names_every_demo_staff_account_with_its_password_and_role():
    from portal.accounts.demo import STAFF

    readme = (ROOT / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    for username, password, _name, role in STAFF:
        assert any(f"| `{username}` | `{password}` | `{role}`" in row for row in rows), username
