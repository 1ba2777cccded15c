"""dbharness coverage (and dbharness test --coverage): the schema's facts against the suite's assertions."""

from __future__ import annotations

import math
from pathlib import Path

from dbharness.builder import database, inputs, memo
from dbharness.catalog import schema_facts
from dbharness.config import Settings
from dbharness.coverage import pins
from dbharness.coverage.pins import Coverage
from dbharness.paths import shown
from dbharness.pg import psycopg
from dbharness.progress import Progress
from dbharness.suite import testfiles


def measure(conn: psycopg.Connection, settings: Settings,
            files: list[Path] | list[testfiles.TestFile] | None = None, built: str | None = None) -> Coverage:
    """The facts of the migrated database behind conn, and what the pgTAP files pin of them;
    built (the key of the migrated template the database came from) keeps the result, keyed by
    it and by every test file and included file."""
    if built is not None and files and isinstance(files[0], testfiles.TestFile):
        read = {step.path for f in files for step in f.steps if isinstance(step, testfiles.Located)}
        paths = sorted(read | {f.path for f in files})
        of = memo.key(built, inputs.harness(), repr(settings.coverage),
                      memo.files_key(paths, settings.root))
        return memo.remembered(settings.storage, "coverage", of, lambda: measure(conn, settings, files))
    cfg = settings.coverage
    facts = schema_facts.read(conn, cfg.schemas, cfg.comments)
    sources: list[Path] | list[testfiles.TestFile] = (
        files if files is not None else testfiles.discover(settings.root, settings.pgtap_patterns))
    return pins.measure(facts, cfg.schemas, sources, dict(cfg.helpers), dict(cfg.exclusions),
                        lambda p: shown(p, settings.root))


def lines(cov: Coverage, required: float | None) -> list[str]:
    """Per table, each fact and the first assertion that pins it (or UNPINNED); then the total."""
    out: list[str] = []
    table = None
    for fact in cov.facts:
        group = fact.table or "functions"
        if group != table:
            table = group
            out.append(group)
        pin = cov.pins.get(fact.id)
        state = (f"excluded: {cov.excluded[fact.id]}" if fact.id in cov.excluded
                 else f"{pin.where} ({pin.by})" if pin else "UNPINNED")
        out.append(f"  {fact.kind:<17} {fact.key:<60} {state}")
    out += [f"warning: coverage exclusion {name!r} names no fact; remove it" for name in cov.stale]
    return [*out, summary(cov, required)]


def summary(cov: Coverage, required: float | None) -> str:
    """'schema coverage: N of M facts pinned (P%)', never rounded up (99.96% is not 100%)."""
    pinned = len(cov.counted) - len(cov.unpinned)
    bar = f" (required {required:.0f}%)" if required is not None else ""
    shown = math.floor(cov.percent * 10) / 10
    return f"schema coverage: {pinned} of {len(cov.counted)} facts pinned ({shown:g}%){bar}"


def below(cov: Coverage, required: float | None) -> bool:
    """True when a bar is set and coverage is under it."""
    return required is not None and cov.percent < required


def run(settings: Settings, report: Progress) -> Coverage:
    """A fresh database with every migration, its facts measured against the suite."""
    with database.fresh(settings, database.Recipe(pgtap=False), report=report) as ready, \
            database.connect(ready.server.conninfo()) as conn:
        cov = measure(conn, settings)
    return cov
