"""Settings from pyproject.toml and the environment."""

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
