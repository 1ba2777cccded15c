"""Pure: what differs between the two sides' pictures, said with the side that has it, and which
differences the project's ignore list takes (and which entries take none)."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from dbharness.catalog.snapshot_diff import Difference
from dbharness.config_values import CompareIgnore

Snapshot = dict[str, dict[str, Any]]


def show(value: object) -> str:
    """A property's value as a line shows it; an empty one is none."""
    return "none" if value is None or value == "" else repr(value)


def _blank(value: object) -> object:
    """An empty value and a missing one are the same fact (a column one side's platform lacks)."""
    return None if value == "" else value


def order(kinds: tuple[str, ...]) -> Any:
    """A sort key for differences: by kind in the order of kinds, then by object."""
    rank = {k: i for i, k in enumerate(kinds)}
    return lambda d: (rank.get(d.key.partition(" ")[0], len(rank)), d.key)


def diff(a: Snapshot, b: Snapshot, names: tuple[str, str]) -> list[Difference]:
    """Objects only one side has, and each property that differs, in key order."""
    out: list[Difference] = []
    for key in sorted(a.keys() | b.keys()):
        if key not in b:
            out.append(Difference(key, f"only in {names[0]}"))
        elif key not in a:
            out.append(Difference(key, f"only in {names[1]}"))
        else:
            for prop in sorted(set(a[key]) | set(b[key])):
                one, other = a[key].get(prop), b[key].get(prop)
                if _blank(one) != _blank(other):
                    out.append(Difference(key, _changed(prop, one, other, names)))
    return out


def _changed(prop: str, one: object, other: object, names: tuple[str, str]) -> str:
    """How a property differs; a list of privileges says which grants only one side has."""
    if prop == "privileges" and isinstance(one, str | None) and isinstance(other, str | None):
        mine, theirs = (set(filter(None, (v or "").split(", "))) for v in (one, other))
        parts = [f"{', '.join(sorted(extra))} only in {name}"
                 for extra, name in ((mine - theirs, names[0]), (theirs - mine, names[1])) if extra]
        return f"privileges differ: {'; '.join(parts)}"
    return f"{prop} differs: {names[0]} {show(one)}, {names[1]} {show(other)}"


def matches(entry: CompareIgnore, difference: Difference) -> bool:
    """True when the entry's object (a glob) is the difference's object, written as a line shows
    it ('public.t.a (column)'), by its name alone ('public.t.a') or as '<kind> <name>'."""
    kind, _, name = difference.key.partition(" ")
    return any(fnmatchcase(text, entry.object) for text in (name, f"{name} ({kind})", difference.key))


def apply_ignores(differences: list[Difference], entries: tuple[CompareIgnore, ...]) -> tuple[
        list[Difference], list[tuple[Difference, CompareIgnore]], list[CompareIgnore]]:
    """(the differences no entry takes, each taken one with its entry, the entries that took none)."""
    kept: list[Difference] = []
    taken: list[tuple[Difference, CompareIgnore]] = []
    used: set[int] = set()
    for d in differences:
        hit = next((i for i, e in enumerate(entries) if matches(e, d)), None)
        if hit is None:
            kept.append(d)
        else:
            used.add(hit)
            taken.append((d, entries[hit]))
    return kept, taken, [e for i, e in enumerate(entries) if i not in used]
