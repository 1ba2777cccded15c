"""A project's own files, read once: where the project is, its pyproject.toml table, what the
harness honours of supabase/config.toml, and the environments' URLs from its .env."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from dbharness.errors import ConfigError


def project_root(start: Path) -> Path:
    """The project start lies in: the nearest folder upwards holding supabase/config.toml (where
    the Supabase CLI finds its project), else one holding supabase/ or pyproject.toml, else start."""
    start = start.resolve()
    for marker in ("supabase/config.toml", "supabase", "pyproject.toml"):
        for folder in (start, *start.parents):
            if (folder / marker).exists():
                return folder
    return start


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict ({} when it does not exist); a ConfigError when it is not TOML."""
    if not path.exists():
        return {}
    try:
        # Equivalent mutants: TOML is UTF-8, and "UTF-8" or the default name the same codec here.
        # pragma: no mutate start
        return tomllib.loads(path.read_text(encoding="utf-8"))
        # pragma: no mutate end
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def harness_table(root: Path) -> dict[str, Any]:
    """[tool.dbharness] of the project's pyproject.toml ({} when there is none)."""
    return read_toml(root / "pyproject.toml").get("tool", {}).get("dbharness", {})


def supabase_config(root: Path) -> dict[str, Any]:
    """What the harness honours of supabase/config.toml: [db] major_version, [db.seed]."""
    path = root / "supabase" / "config.toml"
    db = read_toml(path).get("db", {})
    out: dict[str, Any] = {}
    if "major_version" in db:
        if not isinstance(db["major_version"], int):
            raise ConfigError(f"{path}: [db] major_version must be a number, e.g. major_version = 15")
        out["major_version"] = db["major_version"]
    seed = db.get("seed", {})
    if "enabled" in seed:
        out["seed_enabled"] = bool(seed["enabled"])
    if "sql_paths" in seed:
        paths = seed["sql_paths"]
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise ConfigError(f'{path}: [db.seed] sql_paths must be a list of paths, e.g. ["./seed.sql"]')
        out["seed_paths"] = tuple(paths)
    return out


def urls(root: Path, wanted: Mapping[str, str],
         variables: Mapping[str, str]) -> tuple[dict[str, str], str | None]:
    """Each environment's URL (wanted maps its name to its variable): the variable, else the
    project's .env, which never overrides; and why .env could not be read, if it could not."""
    dotenv: dict[str, str | None] = {}
    error = None
    path = root / ".env"
    if path.is_file():
        try:
            # Equivalent mutants: python-dotenv reads UTF-8 by default.
            # pragma: no mutate start
            dotenv = dict(dotenv_values(path, encoding="utf-8"))
            # pragma: no mutate end
        except UnicodeDecodeError as exc:
            error = f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
    urls = {}
    for name, variable in wanted.items():
        value = (variables.get(variable) or dotenv.get(variable) or "").strip()
        if value:
            urls[name] = value
    return urls, error
