"""What dbharness compare found: the differences by kind, those the ignore list took, the
entries that took none, and what was left out of the comparison (notes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dbharness.catalog.snapshot_diff import Difference
from dbharness.compare.picture import KINDS
from dbharness.config_values import CompareIgnore


def kind_of(difference: Difference) -> str:
    """The kind of object a difference is about ('column', 'bucket', 'data', ...)."""
    return difference.key.partition(" ")[0]


@dataclass
class CompareResult:
    """Two sides compared: a and b are the sides as the user named them."""

    a: str
    b: str
    differences: list[Difference] = field(default_factory=list)
    ignored: list[tuple[Difference, CompareIgnore]] = field(default_factory=list)
    unused: list[CompareIgnore] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # objects of either side by kind (data: tables)
    seconds: float = 0.0
    kinds: tuple[str, ...] = KINDS

    @property
    def compared(self) -> int:
        """How many objects (and tables of data) were compared."""
        return sum(self.counts.values())

    @property
    def failed(self) -> bool:
        """True when any difference is left that no ignore entry takes."""
        return bool(self.differences)

    def of_kind(self, kind: str) -> list[Difference]:
        """The differences about objects of kind."""
        return [d for d in self.differences if kind_of(d) == kind]

    def ignored_of_kind(self, kind: str) -> list[tuple[Difference, CompareIgnore]]:
        """The ignored differences about objects of kind, each with its entry."""
        return [(d, e) for d, e in self.ignored if kind_of(d) == kind]

    @property
    def failed_kinds(self) -> list[str]:
        """The kinds with a difference left, in the order of kinds."""
        return [k for k in self.kinds if self.of_kind(k)]
