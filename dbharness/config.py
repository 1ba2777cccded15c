"""One frozen settings object: paths, engine, timeouts and environments, read at call time."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbharness.errors import ConfigError
from dbharness.project_files import harness_table, supabase_config, urls

ENGINES = ("local", "docker", "auto")
DEFAULT_IMAGE = "supabase/postgres:15.8.1.085"


@dataclass(frozen=True)
class Environment:
    """A database the migrations are promoted to; its URL lives in an environment variable."""

    name: str
    url_env: str
    requires: str | None = None


@dataclass(frozen=True)
class LintException:
    """A lint finding declared acceptable, with the reason."""

    rule: str
    target: str
    reason: str


@dataclass(frozen=True)
class LockScenario:
    """The lock benchmark of a project, as data: what to load, which table to write and watch.

    Migrations up to `after` are applied, `load` (SQL; `:rows` is replaced by the row count) fills
    the tables, then the newer migrations run while writers run `write` with keys from `keys`.
    """

    after: str
    load: Path
    table: str
    write: str
    keys: str


@dataclass(frozen=True)
class CoverageSettings:
    """[tool.dbharness.coverage]: which schemas, the bar, helpers that pin, exclusions with reasons."""

    schemas: tuple[str, ...] = ("public",)
    required: float | None = None  # None: dbharness test does not measure unless asked (--coverage)
    comments: bool = False  # comments are facts the suite must pin
    helpers: tuple[tuple[str, str], ...] = ()  # (function, kind of fact it pins)
    exclusions: tuple[tuple[str, str], ...] = ()  # (fact id, reason)

    @property
    def bar(self) -> float:
        """The coverage a run must reach: required, or all of it."""
        return 100.0 if self.required is None else self.required


@dataclass(frozen=True)
class Settings:
    """Everything the harness needs to know about a project, resolved once."""

    root: Path
    engine: str = "local"
    pg_bindir: str | None = None
    lock_timeout: str = "5s"
    statement_timeout: str = "5min"
    test_timeout: str = "60s"
    docker_image: str = DEFAULT_IMAGE
    seed_after: str | None = None
    environments: dict[str, Environment] = field(default_factory=dict)
    lint_exceptions: tuple[LintException, ...] = ()
    rollback_excluded_rules: tuple[str, ...] = ()
    bench: LockScenario | None = None
    test_paths: tuple[str, ...] | None = None  # None: see pgtap_patterns
    coverage: CoverageSettings = field(default_factory=CoverageSettings)
    stub_extensions: tuple[str, ...] = ()  # create extension skipped (and said) for these
    setup_extensions: tuple[str, ...] = ()  # installed by setup besides those the migrations create
    lint_from: str | None = None  # migrations older than this version are not gated by lint
    lint_levels: tuple[tuple[str, str], ...] = ()  # (rule, level) the project chose over the default
    lint_shipped: tuple[str, ...] = ("environments", "git")  # how lint knows what already shipped

    rollbacks: str = "supabase/rollbacks"  # relative to root
    test_setup: str = "pgtap/setup"  # helper files run before the suite, relative to root
    seed_enabled: bool = True  # supabase/config.toml [db.seed] enabled
    seed_paths: tuple[str, ...] = ("./seed.sql",)  # [db.seed] sql_paths, relative to supabase/
    major_version: int | None = None  # supabase/config.toml [db] major_version
    supabase_cli: bool = False  # setup also installs the pinned Supabase CLI (for cli-check)
    webhooks: bool = False  # database webhooks enabled: supabase_functions and pg_net, as on the platform
    loosen_timeouts: tuple[str, ...] = ()  # versions whose files may turn off or loosen the timeouts
    # The URL of each environment that has one (its variable, else .env), never shown.
    urls: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    dotenv_error: str | None = None  # why .env could not be read, said when a URL is needed

    @property
    def platform_options(self) -> frozenset[str]:
        """The opt-in platform features the project turned on (compat adds what they add)."""
        return frozenset({"webhooks"} if self.webhooks else ())

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

    @property
    def seed_files(self) -> list[Path]:
        """The seed files in the order the Supabase CLI runs them: each pattern of sql_paths in
        turn (relative to supabase/, globs sorted), each file once."""
        if not self.seed_enabled:
            return []
        found: list[Path] = []
        for pattern in self.seed_paths:
            matches = sorted(self.supabase_dir.glob(pattern.removeprefix("./"))) if pattern else []
            found += [m for m in matches if m.is_file() and m not in found]
        return found

    @property
    def pgtap_dir(self) -> Path:
        return self.root / "pgtap"

    @property
    def pgtap_setup_dir(self) -> Path:
        return self.root / self.test_setup

    @property
    def pgtap_patterns(self) -> tuple[str, ...]:
        """Globs (relative to root) of the pgTAP files: test_paths, or pgtap/**/*.test.sql plus
        supabase/tests/**/*.sql and *.pg when that folder exists (where `supabase test db` looks)."""
        if self.test_paths is not None:
            return self.test_paths
        found = ("pgtap/**/*.test.sql",)
        if (self.supabase_dir / "tests").is_dir():
            found += ("supabase/tests/**/*.sql", "supabase/tests/**/*.pg")
        return found

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".dbharness-cache"


def _environments(raw: dict[str, Any]) -> dict[str, Environment]:
    envs = {
        "staging": Environment("staging", "STAGING_DATABASE_URL"),
        "production": Environment("production", "PRODUCTION_DATABASE_URL", "staging"),
    }
    for name, spec in raw.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"[tool.dbharness.environments.{name}] must be a table")
        default = envs.get(name)
        url_env = spec.get("url_env", f"{name.upper()}_DATABASE_URL")  # the defaults follow this pattern
        requires = spec.get("requires", default.requires if default else None)
        envs[name] = Environment(name, url_env, requires)
    for env in envs.values():
        if env.requires and env.requires not in envs:
            raise ConfigError(f"environment {env.name!r} requires unknown environment {env.requires!r}")
    return envs


DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)\s*$")
UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def duration_seconds(value: str) -> float:
    """A PostgreSQL duration with its unit ('5s', '250ms', '5min') in seconds; '0' means none."""
    if value.strip() == "0":
        return 0.0
    match = DURATION.match(value)
    if not match:
        raise ConfigError(f"{value!r} is not a duration: write a number with its unit (us, ms, s, min, "
                          "h, d), e.g. '5s'")
    return float(match.group(1)) * UNIT_SECONDS[match.group(2)]


def _durations(raw: dict[str, Any]) -> None:
    for key in ("lock_timeout", "statement_timeout", "test_timeout"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, str):
                raise ConfigError(f"[tool.dbharness] {key} = {value!r}: write it as a string with its "
                                  f"unit, e.g. {key} = \"5s\" (PostgreSQL reads a bare number as ms)")
            try:
                duration_seconds(value)
            except ConfigError as exc:
                raise ConfigError(f"[tool.dbharness] {key}: {exc}") from None


def _lint_exceptions(raw: dict[str, Any]) -> tuple[LintException, ...]:
    items = []
    specs = raw.get("exceptions", [])
    if not isinstance(specs, list) or not all(isinstance(x, dict) for x in specs):
        raise ConfigError("[tool.dbharness.lint] exceptions must be a list of tables: "
                          'exceptions = [{ rule = "...", target = "...", reason = "..." }]')
    for i, spec in enumerate(specs):
        missing = [k for k in ("rule", "target", "reason") if not spec.get(k)]
        if missing:
            raise ConfigError(
                f"[tool.dbharness.lint] exceptions[{i}] lacks {', '.join(missing)}: "
                "every exception needs a rule, a target and a reason"
            )
        items.append(LintException(spec["rule"], spec["target"], spec["reason"]))
    return tuple(items)


LEVEL_NAMES = ("error", "warn", "info")
SHIPPED_SOURCES = ("environments", "git")


def _lint_choices(lint: dict[str, Any]) -> dict[str, Any]:
    """[tool.dbharness.lint] levels (rule -> level) and shipped (the sources of what shipped)."""
    out: dict[str, Any] = {}
    levels = lint.get("levels", {})
    if not isinstance(levels, dict) or not all(v in LEVEL_NAMES for v in levels.values()):
        raise ConfigError('[tool.dbharness.lint] levels must map a rule to error, warn or info, e.g. '
                          'levels = { "security-definer-search-path" = "error" }')
    out["lint_levels"] = tuple(sorted(levels.items()))
    if "shipped" in lint:
        shipped = lint["shipped"]
        if not isinstance(shipped, list) or not all(s in SHIPPED_SOURCES for s in shipped):
            raise ConfigError('[tool.dbharness.lint] shipped must list where shipped migrations are known '
                              'from, of "environments" and "git", e.g. shipped = ["environments"]')
        out["lint_shipped"] = tuple(shipped)
    return out


def _bench(raw: dict[str, Any]) -> LockScenario | None:
    if not raw:
        return None
    keys = ("after", "load", "table", "write", "keys")
    missing = [k for k in keys if not isinstance(raw.get(k), str) or not raw[k]]
    if missing:
        raise ConfigError(f"[tool.dbharness.bench] lacks {', '.join(missing)}: the lock scenario needs "
                          "after, load, table, write and keys, each a string (see README, Performance)")
    return LockScenario(raw["after"], Path(raw["load"]), raw["table"], raw["write"], raw["keys"])


def _coverage(raw: dict[str, Any]) -> CoverageSettings:
    where = "[tool.dbharness.coverage]"
    schemas = raw.get("schemas", ["public"])
    if not isinstance(schemas, list) or not schemas or not all(isinstance(s, str) for s in schemas):
        raise ConfigError(f'{where} schemas must be a list of schema names, e.g. schemas = ["public"]')
    required = raw.get("required")
    if required is not None and (not isinstance(required, int | float) or not 0 <= required <= 100):
        raise ConfigError(f"{where} required must be a percentage between 0 and 100, e.g. required = 100")
    helpers = raw.get("helpers", {})
    if not isinstance(helpers, dict) or not all(isinstance(v, str) for v in helpers.values()):
        raise ConfigError(f'{where} helpers must map a function to a kind of fact, e.g. '
                          'helpers = { "tests.index_def" = "index" }')
    exclusions = raw.get("exclusions", [])
    if not isinstance(exclusions, list) or not all(isinstance(e, dict) and e.get("fact") and e.get("reason")
                                                   for e in exclusions):
        raise ConfigError(f'{where} exclusions must be a list of {{ fact = "kind key", reason = "why" }}')
    return CoverageSettings(tuple(schemas), float(required) if required is not None else None,
                            bool(raw.get("comments", False)), tuple(sorted(helpers.items())),
                            tuple((e["fact"], e["reason"]) for e in exclusions))


def _names(raw: dict[str, Any], key: str, where: str, example: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where} must be a list of names, e.g. {example}")
    return tuple(value)


def _check_types(values: dict[str, Any]) -> None:
    for key in ("rollbacks", "test_setup"):
        if key in values and (not isinstance(values[key], str) or not values[key]):
            raise ConfigError(f'[tool.dbharness] {key} must be a folder relative to the project, '
                              f'e.g. {key} = "{getattr(Settings, key)}"')
    for key in ("supabase_cli", "webhooks"):
        if not isinstance(values.get(key, False), bool):
            raise ConfigError(f"[tool.dbharness] {key} must be true or false")


# Settings read from [tool.dbharness] as they are, and the variables that win over them.
_PLAIN = ("engine", "pg_bindir", "lock_timeout", "statement_timeout", "test_timeout", "docker_image",
          "rollbacks", "test_setup", "supabase_cli", "webhooks")
_VARIABLES = {"engine": "DBHARNESS_ENGINE", "pg_bindir": "DBHARNESS_PG_BINDIR",
              "docker_image": "DBHARNESS_DOCKER_IMAGE"}


def load(root: Path | str, variables: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read the project at root once: pyproject.toml's [tool.dbharness], what the harness honours
    of supabase/config.toml, the environments' URLs (variables, else .env) and the DBHARNESS_*
    variables (variables defaults to the process environment); overrides win.

    Defaults live only on the Settings class: a key absent everywhere keeps its field default.
    """
    base = Path(root).resolve()
    env = os.environ if variables is None else variables
    raw = harness_table(base)
    _durations(raw)
    values: dict[str, Any] = {k: raw[k] for k in _PLAIN if k in raw}
    values.update({k: env[v] for k, v in _VARIABLES.items() if env.get(v)})
    values.update(supabase_config(base))
    if raw.get("seed_after"):
        values["seed_after"] = str(raw["seed_after"])
    values["environments"] = _environments(raw.get("environments", {}))
    wanted = {name: e.url_env for name, e in values["environments"].items()}
    values["urls"], values["dotenv_error"] = urls(base, wanted, env)
    values["lint_exceptions"] = _lint_exceptions(raw.get("lint", {}))
    values["rollback_excluded_rules"] = tuple(raw.get("lint", {}).get("rollback_excluded_rules", []))
    # Equivalent mutants: _bench treats a missing table and an empty one alike.
    # pragma: no mutate start
    values["bench"] = _bench(raw.get("bench", {}))
    # pragma: no mutate end
    values["coverage"] = _coverage(raw.get("coverage", {}))
    values["stub_extensions"] = _names(raw, "stub_extensions", "[tool.dbharness] stub_extensions",
                                       'stub_extensions = ["pg_graphql"]')
    values["setup_extensions"] = _names(raw, "setup_extensions", "[tool.dbharness] setup_extensions",
                                        'setup_extensions = ["pg_cron"]')
    values["loosen_timeouts"] = _names(raw, "loosen_timeouts", "[tool.dbharness] loosen_timeouts",
                                       'loosen_timeouts = ["20240101000000"]')
    values.update(_lint_choices(raw.get("lint", {})))
    lint_from = raw.get("lint", {}).get("lint_from")
    if lint_from is not None:
        if not isinstance(lint_from, str | int) or not str(lint_from).isdigit():
            raise ConfigError(f"[tool.dbharness.lint] lint_from = {lint_from!r}: write a migration "
                              'version, e.g. lint_from = "20250101000000"')
        values["lint_from"] = str(lint_from)
    if "test_paths" in raw:
        paths = raw["test_paths"]
        if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
            raise ConfigError('test_paths must be a list of globs relative to the project, '
                              'e.g. test_paths = ["pgtap/**/*.test.sql", "supabase/tests/**/*.sql"]')
        values["test_paths"] = tuple(paths)
    _check_types(values)
    values.update({k: v for k, v in overrides.items() if v is not None})
    if values.get("engine", "local") not in ENGINES:
        raise ConfigError(f"unknown engine {values['engine']!r}: choose one of {', '.join(ENGINES)}")
    return Settings(root=base, **values)
