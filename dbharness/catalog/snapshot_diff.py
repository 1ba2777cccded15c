"""Pure: what differs between two catalog snapshots (see snapshot.py), worded for people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Snapshot = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Difference:
    """One object whose presence or properties differ between two snapshots."""

    key: str
    what: str

    def __str__(self) -> str:
        kind, _, name = self.key.partition(" ")
        return f"{name} ({kind}): {self.what}"


def _show(value: object) -> str:
    return "none" if value is None or value == "" else repr(value)


def _blank(value: object) -> object:
    """An empty value and a missing one are the same fact."""
    return None if value == "" else value


def diff(before: Snapshot, after: Snapshot) -> list[Difference]:
    """What differs: objects missing after, objects left behind, and changed properties."""
    out: list[Difference] = []
    for key in sorted(before.keys() - after.keys()):
        out.append(Difference(key, "existed before, missing after"))
    for key in sorted(after.keys() - before.keys()):
        out.append(Difference(key, "did not exist before, left behind"))
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key], after[key]
        for prop in sorted(set(old) | set(new)):
            if _blank(old.get(prop)) != _blank(new.get(prop)):
                out.append(Difference(key, f"{prop} differs: before {_show(old.get(prop))}, "
                                           f"after {_show(new.get(prop))}"))
    return out
