"""Every setting read exactly, every refusal worded exactly (these also pin the mutation score)."""

import os
from pathlib import Path

import pytest

from dbharness.config import Environment, LintException, LockScenario, load
from dbharness.errors import ConfigError
from dbharness.project_files import project_root

FULL = '''
[tool.dbharness]
engine = "auto"
pg_bindir = "/opt/pg/bin"
lock_timeout = "2s"
statement_timeout = "1min"
test_timeout = "9s"
docker_image = "img:1"
seed_after = 20240101
test_paths = ["a/*.sql", "b/**/*.pg"]

[tool.dbharness.environments.staging]
url_env = "S_URL"

[tool.dbharness.environments.qa]

[tool.dbharness.environments.prod]
url_env = "P_URL"
requires = "qa"

[tool.dbharness.lint]
rollback_excluded_rules = ["ban-drop-table", "ban-drop-column"]
exceptions = [{ rule = "r1", target = "public.t", reason = "because" }]

[tool.dbharness.bench]
after = "1"
load = "bench/l.sql"
table = "public.t"
write = "update public.t set n = n + 1 where id = %s"
keys = "select id from public.t"
'''


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(text)
    return tmp_path


def test_every_setting_is_read(tmp_path, monkeypatch):
    for var in ("DBHARNESS_ENGINE", "DBHARNESS_PG_BINDIR", "DBHARNESS_DOCKER_IMAGE", "DBHARNESS_ROOT"):
        monkeypatch.delenv(var, raising=False)
    s = load(write(tmp_path, FULL))
    assert (s.root, s.engine, s.pg_bindir) == (tmp_path.resolve(), "auto", "/opt/pg/bin")
    assert (s.lock_timeout, s.statement_timeout, s.test_timeout) == ("2s", "1min", "9s")
    assert (s.docker_image, s.seed_after, s.test_paths) == ("img:1", "20240101", ("a/*.sql", "b/**/*.pg"))
    assert s.environments == {
        "staging": Environment("staging", "S_URL", None),
        "production": Environment("production", "PRODUCTION_DATABASE_URL", "staging"),
        "qa": Environment("qa", "QA_DATABASE_URL", None),
        "prod": Environment("prod", "P_URL", "qa"),
    }
    assert s.rollback_excluded_rules == ("ban-drop-table", "ban-drop-column")
    assert s.lint_exceptions == (LintException("r1", "public.t", "because"),)
    assert s.bench == LockScenario("1", Path("bench/l.sql"), "public.t",
                                   "update public.t set n = n + 1 where id = %s", "select id from public.t")
    assert s.pgtap_patterns == ("a/*.sql", "b/**/*.pg")


def test_variables_win_over_the_file_and_overrides_over_both(tmp_path, monkeypatch):
    monkeypatch.setenv("DBHARNESS_ENGINE", "docker")
    monkeypatch.setenv("DBHARNESS_PG_BINDIR", "/env/bin")
    monkeypatch.setenv("DBHARNESS_DOCKER_IMAGE", "env:2")
    s = load(write(tmp_path, FULL))
    assert (s.engine, s.pg_bindir, s.docker_image) == ("docker", "/env/bin", "env:2")
    assert load(tmp_path, engine="local", docker_image=None).engine == "local"
    assert load(tmp_path, docker_image=None).docker_image == "env:2"


def test_the_project_is_found_upwards_as_the_supabase_cli_finds_it(tmp_path, monkeypatch):
    project = tmp_path / "app"
    (project / "supabase" / "migrations").mkdir(parents=True)
    (project / "supabase" / "config.toml").write_text("")
    (project / "src" / "deep").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text("")  # an outer project: config.toml wins
    assert project_root(project / "src" / "deep") == project.resolve()
    assert project_root(project) == project.resolve()
    (project / "supabase" / "config.toml").unlink()
    assert project_root(project / "src") == project.resolve()  # supabase/ alone still marks it
    lone = tmp_path / "lone"
    lone.mkdir()
    assert project_root(lone) == tmp_path.resolve()  # the outer pyproject.toml
    assert load(lone).root == lone.resolve()


def test_the_dbharness_root_variable_names_the_project_for_the_tasks(tmp_path, monkeypatch):
    from dbharness.api import settings

    monkeypatch.setenv("DBHARNESS_ROOT", str(tmp_path))
    assert settings().root == tmp_path.resolve()
    monkeypatch.delenv("DBHARNESS_ROOT")
    (tmp_path / "supabase").mkdir()
    (tmp_path / "x").mkdir()
    monkeypatch.chdir(tmp_path / "x")
    assert settings().root == Path(os.getcwd()).parent.resolve()


def test_supabase_config_toml_gives_the_seed_files_and_major_version(tmp_path):
    supabase = tmp_path / "supabase"
    (supabase / "seeds").mkdir(parents=True)
    for name in ("b.sql", "a.sql", "notes.txt"):
        (supabase / "seeds" / name).write_text("")
    (supabase / "seed.sql").write_text("")
    (supabase / "config.toml").write_text(
        '[db]\nmajor_version = 15\n[db.seed]\nenabled = true\n'
        'sql_paths = ["./seeds/b.sql", "./seeds/*.sql", "./missing.sql", "seed.sql"]\n')
    s = load(tmp_path)
    assert s.major_version == 15
    assert s.seed_files == [supabase / "seeds/b.sql", supabase / "seeds/a.sql", supabase / "seed.sql"]
    (supabase / "config.toml").write_text("[db.seed]\nenabled = false\n")
    assert load(tmp_path).seed_files == []
    (supabase / "config.toml").write_text("")
    assert load(tmp_path).seed_files == [supabase / "seed.sql"]  # the CLI's default
    (supabase / "config.toml").write_text("[db]\nmajor_version = 'x'\n")
    with pytest.raises(ConfigError, match="major_version must be a number"):
        load(tmp_path)
    (supabase / "config.toml").write_text("[db.seed]\nsql_paths = './seed.sql'\n")
    with pytest.raises(ConfigError, match="sql_paths must be a list of paths"):
        load(tmp_path)


def test_project_folders_come_from_the_harness_table(tmp_path):
    s = load(write(tmp_path, '[tool.dbharness]\nrollbacks = "db/down"\ntest_setup = "tests/helpers"\n'
                             "supabase_cli = true\n"))
    assert (s.rollbacks_dir, s.test_helpers_dir, s.supabase_cli) == (
        tmp_path / "db/down", tmp_path / "tests/helpers", True)
    for text, message in (('rollbacks = ""', "rollbacks must be a folder"), ("test_setup = 3", "test_setup must be"),
                          ('supabase_cli = "yes"', "supabase_cli must be true or false"),
                          ("webhooks = 1", "webhooks must be true or false")):
        with pytest.raises(ConfigError, match=message):
            load(write(tmp_path, f"[tool.dbharness]\n{text}\n"))


def test_webhooks_are_an_opt_in_platform_feature(tmp_path):
    assert load(write(tmp_path, "[tool.dbharness]\n")).platform_options == frozenset()
    on = load(write(tmp_path, "[tool.dbharness]\nwebhooks = true\n"))
    assert (on.webhooks, on.platform_options) == (True, frozenset({"webhooks"}))
    assert load(write(tmp_path, "[tool.dbharness]\nwebhooks = false\n")).platform_options == frozenset()


def test_environment_urls_come_from_variables_then_dotenv_and_are_never_shown(tmp_path):
    (tmp_path / ".env").write_text("STAGING_DATABASE_URL=postgresql://u:dotenvpw@h/db\n"
                                   "PRODUCTION_DATABASE_URL=postgresql://u:prodpw@h/db\n")
    s = load(tmp_path, variables={"STAGING_DATABASE_URL": "postgresql://u:varpw@h/db"})
    assert s.urls == {"staging": "postgresql://u:varpw@h/db", "production": "postgresql://u:prodpw@h/db"}
    assert "pw@" not in repr(s)
    (tmp_path / ".env").write_bytes(b"STAGING_DATABASE_URL=\xff\n")
    s = load(tmp_path, variables={})
    assert s.urls == {} and "is not UTF-8 text" in (s.dotenv_error or "")


def test_paths_and_default_patterns(tmp_path):
    s = load(write(tmp_path, ""))
    assert (s.rollbacks_dir, s.exercise_dir) == (tmp_path / "supabase/rollbacks", tmp_path / "supabase/rollbacks/exercise")
    assert (s.seed_files, s.test_helpers_dir, s.reports_dir) == ([], None, tmp_path / "reports")
    assert s.pgtap_patterns == ("supabase/tests/**/*.sql", "supabase/tests/**/*.pg")  # where `supabase test db` looks
    assert s.seed_unmatched == ["./seed.sql"]  # the CLI's default seed, which this project lacks
    assert (s.seed_after, s.bench, s.rollback_excluded_rules, s.lint_exceptions) == (None, None, (), ())


@pytest.mark.parametrize("text, message", [
    ("[tool.dbharness\n", None),
    ("[tool.dbharness]\nengine = \"podman\"\n", "unknown engine 'podman': choose one of local, docker, auto"),
    ("[tool.dbharness.environments]\nqa = 1\n", "[tool.dbharness.environments.qa] must be a table"),
    ("[tool.dbharness.environments.x]\nrequires = \"nope\"\n", "environment 'x' requires unknown environment 'nope'"),
    ("[tool.dbharness.lint]\nexceptions = [{ rule = \"r\", target = \"t\" }]\n",
     "[tool.dbharness.lint] exceptions[0] lacks reason: every exception needs a rule, a target and a reason"),
    ("[tool.dbharness.lint]\nexceptions = [{ reason = \"why\" }]\n",
     "[tool.dbharness.lint] exceptions[0] lacks rule, target: every exception needs a rule, a target and a reason"),
    ("[tool.dbharness.lint]\nexceptions = { rule = \"r\" }\n",
     "[tool.dbharness.lint] exceptions must be a list of tables: "
     'exceptions = [{ rule = "...", target = "...", reason = "..." }]'),
    ("[tool.dbharness]\ntest_paths = [\"a\", \"\"]\n",
     '[tool.dbharness] test_paths must be a list of globs relative to the project, e.g. test_paths = '
     '["supabase/tests/**/*.sql"]'),
    ("[tool.dbharness]\ntest_paths = [1]\n", "[tool.dbharness] test_paths must be a list of globs"),
    ("[tool.dbharness.bench]\nafter = \"1\"\nload = 2\n",
     "[tool.dbharness.bench] lacks load, table, write, keys: the lock scenario needs after, load, table, write "
     "and keys, each a string (see README, Performance)"),
    ("[tool.dbharness]\nstatement_timeout = \"5 minutes\"\n",
     "[tool.dbharness] statement_timeout: '5 minutes' is not a duration: write a number with its unit (us, ms, s, "
     "min, h, d), e.g. '5s'"),
    ("[tool.dbharness]\nlock_timeout = 5\n",
     '[tool.dbharness] lock_timeout = 5: write it as a string with its unit, e.g. lock_timeout = "5s" '
     "(PostgreSQL reads a bare number as ms)"),
])
def test_each_refusal_is_worded_exactly(tmp_path, text, message):
    with pytest.raises(ConfigError) as err:
        load(write(tmp_path, text))
    if message is None:
        assert str(err.value).startswith(f"{tmp_path / 'pyproject.toml'} is not valid TOML: ")
    elif message.endswith("globs"):
        assert str(err.value).startswith(message)
    else:
        assert str(err.value) == message


def test_durations():
    from dbharness.config import duration_seconds

    assert [duration_seconds(v) for v in ("0", " 0 ", "1us", "3ms", "2s", "1.5min", "2h", "1d", " 7 s ")] == \
        [0.0, 0.0, 1e-6, 0.003, 2.0, 90.0, 7200.0, 86400.0, 7.0]
    for bad in ("5", "s", "-1s", "1 sec", ""):
        with pytest.raises(ConfigError, match=r"is not a duration: write a number with its unit"):
            duration_seconds(bad)


def test_a_declared_default_environment_keeps_its_defaults(tmp_path):
    s = load(write(tmp_path, '[tool.dbharness.environments.production]\nurl_env = "PROD"\n'
                             '[tool.dbharness.environments.staging]\nrequires = "production"\n'))
    assert s.environments["production"] == Environment("production", "PROD", "staging")
    assert s.environments["staging"] == Environment("staging", "STAGING_DATABASE_URL", "production")


def test_coverage_settings_and_their_defaults(tmp_path):
    from dbharness.config import CoverageSettings

    s = load(write(tmp_path, '[tool.dbharness.coverage]\nschemas = ["public", "app"]\nrequired = 95\n'
                             'comments = true\nhelpers = { "tests.b" = "index", "tests.a" = "comment" }\n'
                             'exclusions = [{ fact = "table app.t", reason = "legacy" }]\n'))
    assert s.coverage == CoverageSettings(("public", "app"), 95.0, True, (("tests.a", "comment"), ("tests.b", "index")),
                                          (("table app.t", "legacy"),))
    assert s.coverage.bar == 95.0
    plain = load(write(tmp_path, "")).coverage
    assert plain == CoverageSettings() and plain.schemas == ("public",) and plain.required is None
    assert plain.bar is None and plain.comments is False and plain.helpers == () and plain.exclusions == ()
    assert load(write(tmp_path, "[tool.dbharness.coverage]\nrequired = 0\n")).coverage.required == 0.0
    assert load(write(tmp_path, "[tool.dbharness.coverage]\nrequired = 100\n")).coverage.bar == 100.0


@pytest.mark.parametrize("text, message", [
    ("schemas = []", '[tool.dbharness.coverage] schemas must be a list of schema names, e.g. schemas = ["public"]'),
    ("schemas = \"public\"", '[tool.dbharness.coverage] schemas must be a list of schema names, e.g. schemas = ["public"]'),
    ("schemas = [1]", '[tool.dbharness.coverage] schemas must be a list of schema names, e.g. schemas = ["public"]'),
    ("required = 101", "[tool.dbharness.coverage] required must be a percentage between 0 and 100, e.g. required = 100"),
    ("required = -1", "[tool.dbharness.coverage] required must be a percentage between 0 and 100, e.g. required = 100"),
    ("required = \"all\"", "[tool.dbharness.coverage] required must be a percentage between 0 and 100, e.g. required = 100"),
    ("helpers = [\"x\"]", '[tool.dbharness.coverage] helpers must map a function to a kind of fact, e.g. '
                          'helpers = { "tests.index_def" = "index" }'),
    ("helpers = { \"x\" = 1 }", '[tool.dbharness.coverage] helpers must map a function to a kind of fact, e.g. '
                                'helpers = { "tests.index_def" = "index" }'),
    ("exclusions = { fact = \"x\" }", '[tool.dbharness.coverage] exclusions must be a list of '
                                      '{ fact = "kind key", reason = "why" }'),
    ("exclusions = [{ fact = \"x\" }]", '[tool.dbharness.coverage] exclusions must be a list of '
                                        '{ fact = "kind key", reason = "why" }'),
    ("exclusions = [{ reason = \"x\" }]", '[tool.dbharness.coverage] exclusions must be a list of '
                                          '{ fact = "kind key", reason = "why" }'),
    ("exclusions = [\"x\"]", '[tool.dbharness.coverage] exclusions must be a list of '
                             '{ fact = "kind key", reason = "why" }'),
])
def test_coverage_settings_are_refused_in_exact_words(tmp_path, text, message):
    with pytest.raises(ConfigError) as err:
        load(write(tmp_path, f"[tool.dbharness.coverage]\n{text}\n"))
    assert str(err.value) == message
