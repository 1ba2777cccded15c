"""A project's own files, read once: where the project is, its settings (dbharness.toml, or
[tool.dbharness] in pyproject.toml), what the harness honours of supabase/config.toml, and the
environments' URLs from its .env."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbharness.errors import ConfigError

# Where a project keeps the harness's settings, in the order they are looked for: the first found
# wins, and a run says which (and which others it ignored).
SETTINGS_FILES = ("dbharness.toml", "supabase/dbharness.toml", "pyproject.toml")


def project_root(start: Path) -> Path:
    """The project start lies in: the nearest folder upwards holding supabase/config.toml (where
    the Supabase CLI finds its project), else one holding dbharness.toml, supabase/ or
    pyproject.toml, else start."""
    start = start.resolve()
    for marker in ("supabase/config.toml", "dbharness.toml", "supabase", "pyproject.toml"):
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


@dataclass(frozen=True)
class SettingsSource:
    """Where the settings came from: the file (None: defaults only), how messages name its tables
    (`dbharness.toml` or `[tool.dbharness]`), and the other settings places found and ignored."""

    path: Path | None = None
    label: str = "dbharness.toml"
    table: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    ignored: tuple[str, ...] = ()

    def where(self, section: str = "") -> str:
        """How a message names a table of the settings: `dbharness.toml [lint]` or
        `[tool.dbharness.lint]`."""
        if self.label.startswith("[tool.dbharness"):
            return f"[tool.dbharness{'.' + section if section else ''}]"
        return f"{self.label}{' [' + section + ']' if section else ''}"

    @property
    def shown(self) -> str:
        """The line a run says about its settings."""
        if self.path is None:
            return "settings: none found, every default (dbharness init writes a dbharness.toml)"
        also = f" (also found, ignored: {', '.join(self.ignored)})" if self.ignored else ""
        return f"settings: {self.label}{also}"


def _tables(root: Path) -> list[tuple[str, Path, dict[str, Any]]]:
    found = []
    for name in SETTINGS_FILES:
        path = root / name
        if name == "pyproject.toml":
            table = read_toml(path).get("tool", {}).get("dbharness")
            if isinstance(table, dict):
                found.append(("pyproject.toml [tool.dbharness]", path, table))
        elif path.is_file():
            found.append((name, path, read_toml(path)))
    return found


def settings_source(root: Path) -> SettingsSource:
    """The project's settings: the first of dbharness.toml, supabase/dbharness.toml and
    pyproject.toml's [tool.dbharness] that exists; every default when none does."""
    found = _tables(root)
    if not found:
        return SettingsSource()
    name, path, table = found[0]
    label = "[tool.dbharness]" if path.name == "pyproject.toml" else name
    return SettingsSource(path, label, table, tuple(n for n, _, _ in found[1:]))


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
        from dotenv import dotenv_values  # only a project with a .env pays for reading one

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
