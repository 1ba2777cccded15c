"""Where the seed goes and which migrations a recipe applies: pure decisions of database.py."""

from pathlib import Path

import pytest

from dbharness import config
from dbharness.builder import database
from dbharness.errors import ConfigError
from dbharness.sql import migrations


def project(tmp_path: Path, seed_after: str | None = None) -> config.Settings:
    mig = tmp_path / "supabase" / "migrations"
    mig.mkdir(parents=True)
    for name in ("1_a.sql", "2_b.sql", "3_c.sql"):
        (mig / name).write_text("select 1;\n")
    body = f'[tool.dbharness]\nseed_after = "{seed_after}"\n' if seed_after else ""
    (tmp_path / "pyproject.toml").write_text(body)
    return config.load(tmp_path)


def every(settings):
    return migrations.discover(settings.migrations_dir)


def test_the_seed_goes_last_without_seed_after(tmp_path):
    settings = project(tmp_path)
    files = database.chosen_migrations(database.EVERYTHING, every(settings))
    assert database.seed_position(settings, files, every(settings)) == 3


def test_seed_after_puts_the_seed_right_after_that_version(tmp_path):
    settings = project(tmp_path, seed_after="2")
    files = database.chosen_migrations(database.EVERYTHING, every(settings))
    assert [f.version for f in files[: database.seed_position(settings, files, every(settings))]] == ["1", "2"]


def test_a_recipe_up_to_a_version_seeds_after_what_it_applies(tmp_path):
    settings = project(tmp_path, seed_after="3")
    files = database.chosen_migrations(database.Recipe(up_to="1"), every(settings))
    assert [f.version for f in files] == ["1"]
    assert database.seed_position(settings, files, every(settings)) == 1


def test_seed_after_naming_no_migration_is_refused(tmp_path):
    settings = project(tmp_path, seed_after="9")
    with pytest.raises(ConfigError, match="seed_after = '9' names no migration"):
        database.seed_position(settings, database.chosen_migrations(database.EVERYTHING, every(settings)),
                               every(settings))


def test_no_migrations_recipe(tmp_path):
    settings = project(tmp_path)
    assert database.chosen_migrations(database.Recipe(migrations=False), every(settings)) == []
