"""Which migrations already shipped: lint gates only the newer ones, since a shipped file cannot change.

A migration has shipped when its version is older than `lint_from` ([tool.dbharness.lint]) or
not newer than the newest version in the history of an environment whose URL is set. Findings
in shipped files (migrations and their rollbacks) are counted, not gated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg

from dbharness.build import history
from dbharness.config import Settings

VERSION = re.compile(r"(?:^|/)(\d+)_[^/:]*\.sql:")


@dataclass(frozen=True)
class Gate:
    """Versions at or below `shipped_upto` and below `lint_from` have shipped."""

    lint_from: str | None = None
    shipped_upto: str | None = None
    description: str = ""
    notes: tuple[str, ...] = ()  # environments whose history could not be read

    def shipped(self, version: str) -> bool:
        """True when a migration with this version has shipped (its findings are not gated)."""
        if self.lint_from is not None and version < self.lint_from:
            return True
        return self.shipped_upto is not None and version <= self.shipped_upto


def newest_recorded(settings: Settings) -> list[tuple[str, str | None, str]]:
    """(environment, newest version in its history or None, note) for each environment whose URL
    variable is set; an environment that cannot be read says why and gates nothing."""
    from dbharness import environments

    found = []
    for name in environments.configured(settings):
        try:
            target = environments.resolve(settings, name)
            with psycopg.connect(target.url, connect_timeout=5, autocommit=True) as conn:
                found.append((name, max(history.read(conn), default=None), ""))
        except Exception as exc:  # any failure (URL, network, privileges): say it, gate nothing
            found.append((name, None, f"{name}: history not read ({type(exc).__name__})"))
    return found


def gate(settings: Settings) -> Gate:
    """The gate for this project: lint_from and the environments' histories."""
    read = newest_recorded(settings)
    recorded = [(n, v) for n, v, _ in read if v]
    upto = max((v for _, v in recorded), default=None)
    parts = []
    if settings.lint_from:
        parts.append(f"older than lint_from {settings.lint_from}")
    if upto:
        where = ", ".join(n for n, v in recorded if v == upto)
        parts.append(f"up to {upto}, recorded in {where}")
    return Gate(settings.lint_from, upto, " or ".join(parts), tuple(note for _, _, note in read if note))


def version_of(target: str) -> str | None:
    """The migration version of a file:line target, or None for a database object."""
    match = VERSION.search(target)
    return match.group(1) if match else None


def is_shipped(target: str, g: Gate) -> bool:
    """True when a finding's target lies in a migration (or rollback) that has shipped."""
    version = version_of(target)
    return version is not None and g.shipped(version)
