"""Settings from pyproject.toml and the environment."""

import re

import pytest

from dbharness.config import load
from dbharness.errors import ConfigError


def test_defaults_without_pyproject(tmp_path):
    s = load(tmp_path)
    assert s.engine == "local"
    assert s.migrations_dir == tmp_path / "supabase" / "migrations"
    assert s.environments["production"].requires == "staging"
    assert s.environments["staging"].url_env == "STAGING_DATABASE_URL"


def test_pyproject_values_and_overrides(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dbharness]\nlock_timeout = "2s"\n'
        '[tool.dbharness.environments.qa]\nurl_env = "QA_URL"\nrequires = "staging"\n')
    s = load(tmp_path, engine="docker")
    assert s.lock_timeout == "2s"
    assert s.engine == "docker"
    assert s.environments["qa"].url_env == "QA_URL"


def test_unknown_engine_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="unknown engine 'podman'"):
        load(tmp_path, engine="podman")


def test_unknown_required_environment_is_refused(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.dbharness.environments.prod2]\nrequires = "qa"\n')
    with pytest.raises(ConfigError, match="requires unknown environment 'qa'"):
        load(tmp_path)


def test_lint_exception_needs_a_reason(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dbharness.lint]\nexceptions = [{rule = "x", target = "y"}]\n')
    with pytest.raises(ConfigError, match="lacks reason"):
        load(tmp_path)


def test_defaults_come_from_one_place(tmp_path):
    from dbharness.config import Settings

    (tmp_path / "pyproject.toml").write_text("[tool.dbharness]\n")
    s = load(tmp_path)
    for name in ("engine", "lock_timeout", "statement_timeout", "test_timeout", "docker_image"):
        assert getattr(s, name) == Settings.__dataclass_fields__[name].default
    assert s.bench is None


def test_the_bench_scenario_is_read_and_checked(tmp_path):
    import pytest

    from dbharness.errors import ConfigError

    (tmp_path / "pyproject.toml").write_text(
        '[tool.dbharness.bench]\nafter = "1"\nload = "b/load.sql"\ntable = "public.t"\n'
        'write = "update public.t set n = n + 1 where id = %s"\nkeys = "select id from public.t"\n')
    s = load(tmp_path)
    assert s.bench is not None and s.bench.table == "public.t" and str(s.bench.load) == "b/load.sql"
    (tmp_path / "pyproject.toml").write_text('[tool.dbharness.bench]\nafter = "1"\n')
    with pytest.raises(ConfigError, match="lacks load, table, write, keys"):
        load(tmp_path)


def test_bad_shapes_are_one_line_errors(tmp_path):
    import pytest

    from dbharness.config import duration_seconds
    from dbharness.errors import ConfigError

    cases = {
        "[tool.dbharness]\nlock_timeout = 5\n": "lock_timeout = 5: write it as a string with its unit",
        '[tool.dbharness]\ntest_timeout = "5 parsecs"\n': "test_timeout: '5 parsecs' is not a duration",
        '[tool.dbharness.lint]\nexceptions = ["x"]\n': "exceptions must be a list of tables",
        '[tool.dbharness.lint]\nexceptions = [{ rule = "r" }]\n': "exceptions[0] lacks target, reason",
        '[tool.dbharness]\ntest_paths = "pgtap"\n': "test_paths must be a list of globs",
    }
    for text, message in cases.items():
        (tmp_path / "pyproject.toml").write_text(text)
        with pytest.raises(ConfigError, match=re.escape(message)):
            load(tmp_path)
    assert duration_seconds("250ms") == 0.25 and duration_seconds("5min") == 300 and duration_seconds("0") == 0
    assert duration_seconds("1.5s") == 1.5 and duration_seconds("2h") == 7200


def test_platform_and_lint_gate_settings(tmp_path):
    assert (load(tmp_path).stub_extensions, load(tmp_path).setup_extensions, load(tmp_path).lint_from) == ((), (), None)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dbharness]\nstub_extensions = ["pg_graphql", "pgsodium"]\nsetup_extensions = ["pg_cron"]\n'
        '[tool.dbharness.lint]\nlint_from = 20250101000000\n')
    s = load(tmp_path)
    assert s.stub_extensions == ("pg_graphql", "pgsodium")
    assert s.setup_extensions == ("pg_cron",)
    assert s.lint_from == "20250101000000"


@pytest.mark.parametrize("text, message", [
    ('[tool.dbharness]\nstub_extensions = "pg_graphql"\n',
     '[tool.dbharness] stub_extensions must be a list of names, e.g. stub_extensions = ["pg_graphql"]'),
    ('[tool.dbharness]\nstub_extensions = [""]\n', "stub_extensions must be a list of names"),
    ('[tool.dbharness]\nsetup_extensions = [1]\n',
     '[tool.dbharness] setup_extensions must be a list of names, e.g. setup_extensions = ["pg_cron"]'),
    ('[tool.dbharness.lint]\nlint_from = "last week"\n',
     "[tool.dbharness.lint] lint_from = 'last week': write a migration version, e.g. lint_from = \"20250101000000\""),
    ('[tool.dbharness.lint]\nlint_from = 1.5\n', "lint_from = 1.5: write a migration version"),
])
def test_platform_settings_of_the_wrong_shape_are_one_line_errors(tmp_path, text, message):
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load(tmp_path)
