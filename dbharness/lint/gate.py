"""Which migrations already shipped: lint gates only the newer ones, since a shipped file cannot change.

A migration has shipped when its version is older than `lint_from` ([tool.dbharness.lint]), or,
by the sources `shipped` names (both by default): it is not newer than the newest version in the
history of an environment whose URL is set ("environments"), or the project's git repository has
it, byte for byte, in its default branch ("git"). Findings in shipped files (migrations and their
rollbacks) are counted and listed, not gated.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from dbharness.builder import history
from dbharness.config import Settings
from dbharness.pg import psycopg
from dbharness.sql.migrations import discover

VERSION = re.compile(r"(?:^|/)(\d+)_[^/:]*\.sql:")


@dataclass(frozen=True)
class Gate:
    """Versions at or below `shipped_upto` and below `lint_from` have shipped."""

    lint_from: str | None = None
    shipped_upto: str | None = None
    description: str = ""
    notes: tuple[str, ...] = ()  # environments whose history could not be read
    in_branch: frozenset[str] = frozenset()  # versions unchanged in the git default branch

    def shipped(self, version: str) -> bool:
        """True when a migration with this version has shipped (its findings are not gated)."""
        if self.lint_from is not None and version < self.lint_from:
            return True
        if version in self.in_branch:
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


def _git(root: Path, *args: str, text_in: str | None = None) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    out = subprocess.run([git, "-C", str(root), *args], capture_output=True, text=True, input=text_in)
    return out.stdout.strip() if out.returncode == 0 else None


def default_branch(root: Path) -> str | None:
    """The git default branch of the repository holding root: origin's HEAD, else main or master
    (remote first), else None (not a repository, or no such branch)."""
    remote_head = _git(root, "symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD")
    if remote_head:
        return remote_head
    for ref in ("origin/main", "origin/master", "main", "master"):
        if _git(root, "rev-parse", "--verify", "-q", ref + "^{commit}"):
            return ref
    return None


def in_default_branch(settings: Settings) -> tuple[frozenset[str], str | None]:
    """The versions of the migrations whose file the default branch holds byte for byte, and the
    branch (None when git cannot tell)."""
    branch = default_branch(settings.root)
    top = _git(settings.root, "rev-parse", "--show-toplevel") if branch else None
    files = [mf for mf in discover(settings.migrations_dir)]
    if branch is None or top is None or not files:
        return frozenset(), branch
    paths = [str(mf.path.resolve().relative_to(Path(top).resolve())) for mf in files]
    listed = _git(settings.root, "ls-tree", "-r", branch, "--", *paths) or ""
    committed = {line.split("\t", 1)[1]: line.split()[2] for line in listed.splitlines() if "\t" in line}
    hashes = (_git(settings.root, "hash-object", "--stdin-paths",
                   text_in="\n".join(str(mf.path) for mf in files)) or "").split()
    same = {mf.version for mf, rel, blob in zip(files, paths, hashes, strict=False)
            if committed.get(rel) == blob}
    return frozenset(same), branch


def gate(settings: Settings) -> Gate:
    """The gate for this project: lint_from, and the sources of `shipped` (the environments'
    histories, the git default branch)."""
    read = newest_recorded(settings) if "environments" in settings.lint_shipped else []
    recorded = [(n, v) for n, v, _ in read if v]
    upto = max((v for _, v in recorded), default=None)
    in_branch, branch = in_default_branch(settings) if "git" in settings.lint_shipped else (frozenset(), None)
    parts = []
    if settings.lint_from:
        parts.append(f"older than lint_from {settings.lint_from}")
    if upto:
        where = ", ".join(n for n, v in recorded if v == upto)
        parts.append(f"up to {upto}, recorded in {where}")
    if in_branch:
        parts.append(f"unchanged in the git default branch {branch}")
    return Gate(settings.lint_from, upto, " or ".join(parts), tuple(note for _, _, note in read if note),
                in_branch)


def version_of(target: str) -> str | None:
    """The migration version of a file:line target, or None for a database object."""
    match = VERSION.search(target)
    return match.group(1) if match else None


def is_shipped(target: str, g: Gate) -> bool:
    """True when a finding's target lies in a migration (or rollback) that has shipped."""
    version = version_of(target)
    return version is not None and g.shipped(version)
