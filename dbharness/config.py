"""One frozen settings object: the project's paths, engine, timeouts, environments and where its
throwaway servers and kept builds live, read once (every default written once, on the classes)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbharness import config_values as values_of
from dbharness.config_values import (
    CompareIgnore,
    CoverageSettings,
    Environment,
    LintException,
    LockScenario,
    duration_seconds,
)
from dbharness.errors import ConfigError
from dbharness.project_files import SettingsSource, settings_source, supabase_config, urls

__all__ = ["ENGINES", "CompareIgnore", "CoverageSettings", "Environment", "LintException", "LockScenario",
           "Settings", "Storage", "duration_seconds", "load"]

ENGINES = ("local", "docker", "auto")  # every engine, for settings, --engine and messages
DEFAULT_IMAGE = "supabase/postgres:15.8.1.085"  # the PostgreSQL 15 tag the Supabase CLI pins
NO_CACHE_VARIABLES = ("DBHARNESS_NO_CACHE", "DBHARNESS_NO_TEMPLATE")  # the second: its older name


@dataclass(frozen=True)
class Storage:
    """Where throwaway servers and kept builds live, from the environment: DBHARNESS_TMPDIR (the
    scratch folder, which must exist), DBHARNESS_CACHE_DIR (the kept builds alone), and
    DBHARNESS_NO_CACHE=1 (keep nothing: every run builds from initdb)."""

    tmpdir: Path | None = None
    cache_dir: Path | None = None
    keep: bool = True

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> Storage:
        """The storage the variables of env (default: this process's) name."""
        env = os.environ if env is None else env
        tmpdir, cache = env.get("DBHARNESS_TMPDIR"), env.get("DBHARNESS_CACHE_DIR")
        return cls(Path(tmpdir) if tmpdir else None, Path(cache) if cache else None,
                   not any(env.get(name) for name in NO_CACHE_VARIABLES))


@dataclass(frozen=True)
class Settings:
    """Everything the harness needs to know about a project, resolved once."""

    root: Path
    source: SettingsSource = field(default_factory=SettingsSource, compare=False)
    engine: str = "local"
    pg_bindir: str | None = None
    lock_timeout: str = "5s"
    statement_timeout: str = "5min"
    test_timeout: str = "60s"
    docker_image: str = DEFAULT_IMAGE
    seed_after: str | None = None
    environments: dict[str, Environment] = field(default_factory=dict)
    lint_exceptions: tuple[LintException, ...] = ()
    compare_ignore: tuple[CompareIgnore, ...] = ()  # differences dbharness compare takes as known
    rollback_excluded_rules: tuple[str, ...] = ()
    bench: LockScenario | None = None
    test_paths: tuple[str, ...] | None = None  # None: see pgtap_patterns
    coverage: CoverageSettings = field(default_factory=CoverageSettings)
    stub_extensions: tuple[str, ...] = ()  # create extension skipped (and said) for these
    setup_extensions: tuple[str, ...] = ()  # installed by setup besides those the migrations create
    lint_from: str | None = None  # migrations older than this version are not gated by lint
    lint_levels: tuple[tuple[str, str], ...] = ()  # (rule, level) the project chose over the default
    lint_shipped: tuple[str, ...] = values_of.SHIPPED_SOURCES  # how lint knows what already shipped

    rollbacks: str = "supabase/rollbacks"  # relative to root
    test_setup: str | None = None  # a folder of SQL helpers run before the suite, relative to root
    seed_enabled: bool = True  # supabase/config.toml [db.seed] enabled
    seed_paths: tuple[str, ...] = ("./seed.sql",)  # [db.seed] sql_paths, relative to supabase/
    major_version: int | None = None  # supabase/config.toml [db] major_version
    supabase_cli: bool = False  # setup also installs the pinned Supabase CLI (for cli-check)
    webhooks: bool = False  # database webhooks enabled: supabase_functions and pg_net, as on the platform
    loosen_timeouts: tuple[str, ...] = ()  # versions whose files may turn off or loosen the timeouts
    queues_api: bool = False  # "Expose Queues via PostgREST" switched on: pgmq_public, and pgmq
    storage: Storage = field(default_factory=Storage, compare=False)
    # The URL of each environment that has one (its variable, else .env), never shown.
    urls: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    dotenv_error: str | None = None  # why .env could not be read, said when a URL is needed

    @property
    def platform_options(self) -> frozenset[str]:
        """The opt-in platform features the project turned on (compat adds what they add)."""
        return frozenset(name for name, on in (("webhooks", self.webhooks),
                                               ("queues_api", self.queues_api)) if on)

    @property
    def supabase_dir(self) -> Path:
        return self.root / "supabase"

    @property
    def migrations_dir(self) -> Path:
        return self.supabase_dir / "migrations"

    @property
    def rollbacks_dir(self) -> Path:
        return self.root / self.rollbacks

    @property
    def exercise_dir(self) -> Path:
        return self.rollbacks_dir / "exercise"

    def _seed_matches(self) -> list[tuple[str, list[Path]]]:
        out = []
        for pattern in self.seed_paths if self.seed_enabled else ():
            found = sorted(self.supabase_dir.glob(pattern.removeprefix("./"))) if pattern else []
            out.append((pattern, [m for m in found if m.is_file()]))
        return out

    @property
    def seed_files(self) -> list[Path]:
        """The seed files in the order the Supabase CLI runs them: each pattern of sql_paths in
        turn (relative to supabase/, globs sorted), each file once."""
        found: list[Path] = []
        for _pattern, matches in self._seed_matches():
            found += [m for m in matches if m not in found]
        return found

    @property
    def seed_unmatched(self) -> list[str]:
        """The sql_paths patterns that match no file (the CLI says `no files matched pattern`)."""
        return [pattern for pattern, matches in self._seed_matches() if not matches]

    @property
    def test_helpers_dir(self) -> Path | None:
        """The folder of SQL helpers run before the suite (test_setup), or None."""
        return self.root / self.test_setup if self.test_setup else None

    @property
    def pgtap_patterns(self) -> tuple[str, ...]:
        """Globs (relative to root) of the pgTAP files: test_paths, or where `supabase test db`
        looks: supabase/tests/**/*.sql and *.pg."""
        if self.test_paths is not None:
            return self.test_paths
        return ("supabase/tests/**/*.sql", "supabase/tests/**/*.pg")

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def where(self, section: str = "") -> str:
        """How a message names a table of this project's settings (`dbharness.toml [lint]`)."""
        return self.source.where(section)


# Settings read from the settings table as they are, and the variables that win over them.
_PLAIN = ("engine", "pg_bindir", "lock_timeout", "statement_timeout", "test_timeout", "docker_image",
          "rollbacks", "test_setup", "supabase_cli", "webhooks", "queues_api")
_FOLDERS = ("rollbacks", "test_setup")
_SWITCHES = ("supabase_cli", "webhooks", "queues_api")
_VARIABLES = {"engine": "DBHARNESS_ENGINE", "pg_bindir": "DBHARNESS_PG_BINDIR",
              "docker_image": "DBHARNESS_DOCKER_IMAGE"}


def _table(raw: dict[str, Any], name: str, source: SettingsSource) -> dict[str, Any]:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{source.where(name)} must be a table")
    return table


def _read(raw: dict[str, Any], source: SettingsSource) -> dict[str, Any]:
    """The settings table's values, checked."""
    where = source.where()
    values_of.durations(raw, where)
    values: dict[str, Any] = {k: raw[k] for k in _PLAIN if k in raw}
    if raw.get("seed_after"):
        values["seed_after"] = str(raw["seed_after"])
    values["environments"] = values_of.environments(_table(raw, "environments", source), source.where)
    lint = _table(raw, "lint", source)
    values["lint_exceptions"] = values_of.lint_exceptions(lint, source.where("lint"))
    values.update(values_of.lint_choices(lint, source.where("lint")))
    values["compare_ignore"] = values_of.compare_ignores(_table(raw, "compare", source),
                                                        source.where("compare"))
    values["bench"] = values_of.bench(_table(raw, "bench", source), source.where("bench"))
    values["coverage"] = values_of.coverage(_table(raw, "coverage", source), source.where("coverage"))
    values["stub_extensions"] = values_of.names(raw, "stub_extensions", f"{where} stub_extensions",
                                                'stub_extensions = ["pg_graphql"]')
    values["setup_extensions"] = values_of.names(raw, "setup_extensions", f"{where} setup_extensions",
                                                 'setup_extensions = ["pg_cron"]')
    values["loosen_timeouts"] = values_of.names(raw, "loosen_timeouts", f"{where} loosen_timeouts",
                                                'loosen_timeouts = ["20240101000000"]')
    paths = values_of.globs(raw, where)
    if paths is not None:
        values["test_paths"] = paths
    values_of.check_types(values, where, _FOLDERS, _SWITCHES)
    return values


def load(root: Path | str, variables: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read the project at root once: its settings (dbharness.toml, supabase/dbharness.toml or
    pyproject.toml's [tool.dbharness], the first found), what the harness honours of
    supabase/config.toml, the environments' URLs (variables, else .env) and the DBHARNESS_*
    variables (variables defaults to the process environment); overrides win.

    Defaults live only on the classes: a key absent everywhere keeps its field default.
    """
    base = Path(root).resolve()
    env = os.environ if variables is None else variables
    source = settings_source(base)
    values = _read(source.table, source)
    values.update({k: env[v] for k, v in _VARIABLES.items() if env.get(v)})
    values.update(supabase_config(base))
    wanted = {name: e.url_env for name, e in values["environments"].items()}
    values["urls"], values["dotenv_error"] = urls(base, wanted, env)
    values["storage"] = Storage.from_environment(env)
    values.update({k: v for k, v in overrides.items() if v is not None})
    if values.get("engine", "local") not in ENGINES:
        raise ConfigError(f"unknown engine {values['engine']!r}: choose one of {', '.join(ENGINES)}")
    return Settings(root=base, source=source, **values)
