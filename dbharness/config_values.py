"""The settings' values checked one table at a time: each reader takes the raw TOML of its table and
the name of the place it came from (for messages), and returns plain values for `Settings`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbharness.errors import ConfigError

LEVEL_NAMES = ("error", "warn", "info")
SHIPPED_SOURCES = ("environments", "git")
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)\s*$")
UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


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
class CompareIgnore:
    """A difference dbharness compare takes as known: the object (a glob, as the line names it),
    and the reason."""

    object: str
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
    """The coverage table: which schemas, the bar, helpers that pin, exclusions with reasons."""

    schemas: tuple[str, ...] = ("public",)
    required: float | None = None  # None: no bar (dbharness test measures only when asked)
    comments: bool = False  # comments are facts the suite must pin
    helpers: tuple[tuple[str, str], ...] = ()  # (function, kind of fact it pins)
    exclusions: tuple[tuple[str, str], ...] = ()  # (fact id, reason)

    @property
    def bar(self) -> float | None:
        """The coverage a run must reach, or None when the project set no bar."""
        return self.required


def duration_seconds(value: str) -> float:
    """A PostgreSQL duration with its unit ('5s', '250ms', '5min') in seconds; '0' means none."""
    if value.strip() == "0":
        return 0.0
    match = DURATION.match(value)
    if not match:
        raise ConfigError(f"{value!r} is not a duration: write a number with its unit (us, ms, s, min, "
                          "h, d), e.g. '5s'")
    return float(match.group(1)) * UNIT_SECONDS[match.group(2)]


def durations(raw: dict[str, Any], where: str) -> None:
    """Refuse a timeout that is not a string with its unit."""
    for key in ("lock_timeout", "statement_timeout", "test_timeout"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, str):
                raise ConfigError(f"{where} {key} = {value!r}: write it as a string with its "
                                  f"unit, e.g. {key} = \"5s\" (PostgreSQL reads a bare number as ms)")
            try:
                duration_seconds(value)
            except ConfigError as exc:
                raise ConfigError(f"{where} {key}: {exc}") from None


def environments(raw: dict[str, Any], where: Callable[[str], str]) -> dict[str, Environment]:
    """staging and production (declared or not), and every environment the table declares (where
    names a table of the settings in messages)."""
    envs = {
        "staging": Environment("staging", "STAGING_DATABASE_URL"),
        "production": Environment("production", "PRODUCTION_DATABASE_URL", "staging"),
    }
    for name, spec in raw.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{where('environments.' + name)} must be a table")
        default = envs.get(name)
        url_env = spec.get("url_env", f"{name.upper()}_DATABASE_URL")  # the defaults follow this pattern
        requires = spec.get("requires", default.requires if default else None)
        envs[name] = Environment(name, url_env, requires)
    for env in envs.values():
        if env.requires and env.requires not in envs:
            raise ConfigError(f"environment {env.name!r} requires unknown environment {env.requires!r}")
    return envs


def lint_exceptions(raw: dict[str, Any], where: str) -> tuple[LintException, ...]:
    """[lint] exceptions: each a rule, a target and a reason."""
    items = []
    specs = raw.get("exceptions", [])
    if not isinstance(specs, list) or not all(isinstance(x, dict) for x in specs):
        raise ConfigError(f"{where} exceptions must be a list of tables: "
                          'exceptions = [{ rule = "...", target = "...", reason = "..." }]')
    for i, spec in enumerate(specs):
        missing = [k for k in ("rule", "target", "reason") if not spec.get(k)]
        if missing:
            raise ConfigError(
                f"{where} exceptions[{i}] lacks {', '.join(missing)}: "
                "every exception needs a rule, a target and a reason"
            )
        items.append(LintException(spec["rule"], spec["target"], spec["reason"]))
    return tuple(items)


def compare_ignores(raw: dict[str, Any], where: str) -> tuple[CompareIgnore, ...]:
    """[compare] ignore: each an object and a reason."""
    specs = raw.get("ignore", [])
    if not isinstance(specs, list) or not all(isinstance(x, dict) for x in specs):
        raise ConfigError(f"{where} ignore must be a list of tables: "
                          'ignore = [{ object = "...", reason = "..." }]')
    items = []
    for i, spec in enumerate(specs):
        missing = [k for k in ("object", "reason") if not spec.get(k)]
        if missing:
            raise ConfigError(f"{where} ignore[{i}] lacks {', '.join(missing)}: every entry needs "
                              "an object and a reason")
        items.append(CompareIgnore(str(spec["object"]), str(spec["reason"])))
    return tuple(items)


def lint_choices(lint: dict[str, Any], where: str) -> dict[str, Any]:
    """[lint] levels (rule -> level), shipped (the sources of what shipped), lint_from and
    rollback_excluded_rules."""
    out: dict[str, Any] = {}
    levels = lint.get("levels", {})
    if not isinstance(levels, dict) or not all(v in LEVEL_NAMES for v in levels.values()):
        raise ConfigError(f'{where} levels must map a rule to error, warn or info, e.g. '
                          'levels = { "security-definer-search-path" = "error" }')
    out["lint_levels"] = tuple(sorted(levels.items()))
    if "shipped" in lint:
        shipped = lint["shipped"]
        if not isinstance(shipped, list) or not all(s in SHIPPED_SOURCES for s in shipped):
            raise ConfigError(f'{where} shipped must list where shipped migrations are known '
                              'from, of "environments" and "git", e.g. shipped = ["environments"]')
        out["lint_shipped"] = tuple(shipped)
    lint_from = lint.get("lint_from")
    if lint_from is not None:
        if not isinstance(lint_from, str | int) or not str(lint_from).isdigit():
            raise ConfigError(f"{where} lint_from = {lint_from!r}: write a migration "
                              'version, e.g. lint_from = "20250101000000"')
        out["lint_from"] = str(lint_from)
    out["rollback_excluded_rules"] = names(lint, "rollback_excluded_rules",
                                           f"{where} rollback_excluded_rules",
                                           'rollback_excluded_rules = ["ban-drop-column"]')
    return out


def bench(raw: dict[str, Any], where: str) -> LockScenario | None:
    """The lock scenario of [bench], or None when the project declares none."""
    if not raw:
        return None
    keys = ("after", "load", "table", "write", "keys")
    missing = [k for k in keys if not isinstance(raw.get(k), str) or not raw[k]]
    if missing:
        raise ConfigError(f"{where} lacks {', '.join(missing)}: the lock scenario needs "
                          "after, load, table, write and keys, each a string (see README, Performance)")
    return LockScenario(raw["after"], Path(raw["load"]), raw["table"], raw["write"], raw["keys"])


def coverage(raw: dict[str, Any], where: str) -> CoverageSettings:
    """The coverage table's schemas, bar, helpers and exclusions."""
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


def names(raw: dict[str, Any], key: str, where: str, example: str) -> tuple[str, ...]:
    """A list of non-empty strings, or a ConfigError with an example."""
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where} must be a list of names, e.g. {example}")
    return tuple(value)


def globs(raw: dict[str, Any], where: str) -> tuple[str, ...] | None:
    """test_paths: globs relative to the project, or None when not set."""
    if "test_paths" not in raw:
        return None
    paths = raw["test_paths"]
    if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
        raise ConfigError(f'{where} test_paths must be a list of globs relative to the project, '
                          'e.g. test_paths = ["supabase/tests/**/*.sql"]')
    return tuple(paths)


def check_types(values: dict[str, Any], where: str, folders: tuple[str, ...],
                switches: tuple[str, ...]) -> None:
    """Folders are non-empty strings; switches are true or false."""
    for key in folders:
        if key in values and (not isinstance(values[key], str) or not values[key]):
            raise ConfigError(f'{where} {key} must be a folder relative to the project, '
                              f'e.g. {key} = "supabase/{key}"')
    for key in switches:
        if not isinstance(values.get(key, False), bool):
            raise ConfigError(f"{where} {key} must be true or false")
