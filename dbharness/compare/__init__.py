"""dbharness compare: two builds of a project (its migrations, a squash, a declarative schema,
another branch's migrations) or an environment, compared on everything a Supabase project can
change; see compare()."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import replace

from dbharness.compare import builds, data, diff, picture, sides
from dbharness.compare.result import CompareResult
from dbharness.config import Settings
from dbharness.config_values import CompareIgnore
from dbharness.progress import Progress, quiet

__all__ = ["CompareResult", "compare"]

GIVEN = "given with --ignore"  # the reason of an entry from the command line


def _entries(settings: Settings, ignore: Iterable[str | CompareIgnore]) -> tuple[CompareIgnore, ...]:
    given = tuple(e if isinstance(e, CompareIgnore) else CompareIgnore(e, GIVEN) for e in ignore)
    return given + settings.compare_ignore


def _labels(a: sides.Side, b: sides.Side) -> tuple[sides.Side, sides.Side]:
    """Two sides written alike (migrations and migrations) are told apart as A and B."""
    if a.label != b.label:
        return a, b
    return replace(a, label=f"{a.label} (A)"), replace(b, label=f"{b.label} (B)")


def compare(settings: Settings, a: str, b: str, *, ignore: Iterable[str | CompareIgnore] = (),
            report: Progress = quiet) -> CompareResult:
    """Build (or read) both sides and compare them; see CompareResult.failed. A built side is seeded
    with the project's seed, unless the other side is an environment (no environment is seeded)."""
    started = time.perf_counter()
    one, other = _labels(sides.parse(a, settings), sides.parse(b, settings))
    seeded = one.built and other.built
    if not seeded:
        report("the seed is not applied: an environment is compared, and no environment is seeded")
    with ExitStack() as stack:
        opened = [stack.enter_context(builds.opened(settings, s, seeded, report)) for s in (one, other)]
        pictures = [picture.objects(o.conn) for o in opened]
        found = diff.diff(pictures[0], pictures[1], (one.label, other.label))
        rows = data.compare(opened[0], opened[1])
    ordered = sorted(found + rows.differences, key=diff.order(picture.KINDS))
    kept, taken, unused = diff.apply_ignores(ordered, _entries(settings, ignore))
    counts = Counter(key.partition(" ")[0] for key in pictures[0].keys() | pictures[1].keys())
    return CompareResult(one.label, other.label, kept, taken, unused, rows.notes,
                         counts={**counts, "data": rows.tables}, seconds=time.perf_counter() - started)
