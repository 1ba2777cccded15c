"""dbharness mutation: mutmut over the pure modules with the unit tests; a score per module and every
survivor as file:line with its mutation. A mutant that no test reaches counts as surviving."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dbharness.errors import PrerequisiteError

KILLED = {1, 3, 24, -24, 36, 37, 152, 255}  # tests failed, pytest error, timeouts, caught by type check
SKIPPED = {34}  # mutmut's own "skipped"
FUNCTION = re.compile(r"\.x[_ǁ](?:(?P<cls>[^ǁ]+)ǁ)?(?P<name>.+)__mutmut_\d+$")


@dataclass
class Survivor:
    """A mutant no test killed: where it is and what it changes."""

    key: str
    location: str
    change: str


@dataclass
class ModuleScore:
    """Killed and total mutants of one source file, and its survivors."""

    path: str
    killed: int = 0
    total: int = 0
    survivors: list[Survivor] = field(default_factory=list)

    @property
    def percent(self) -> float:
        """Killed mutants as a percentage of all (100 when there are none)."""
        return 100.0 * self.killed / self.total if self.total else 100.0


def run_mutmut(root: Path, report: Callable[[str], None], fresh: bool = True) -> None:
    """mutmut run in the project (settings in [tool.mutmut]), from scratch unless told to reuse
    mutants/; its progress is not echoed."""
    if fresh:
        shutil.rmtree(root / "mutants", ignore_errors=True)
    report("mutmut run (the pure modules, with tests/unit) ...")
    out = subprocess.run([sys.executable, "-m", "mutmut", "run"], cwd=root, capture_output=True, text=True)
    if out.returncode != 0:
        tail = (out.stderr or out.stdout).strip().splitlines()[-15:]
        raise PrerequisiteError("mutmut failed (pip install -e '.[dev]' installs it):\n" + "\n".join(tail))


def _show(root: Path, key: str) -> tuple[str, str]:
    out = subprocess.run([sys.executable, "-m", "mutmut", "show", key], cwd=root, capture_output=True,
                         text=True).stdout
    removed = [ln[1:] for ln in out.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    added = [ln[1:] for ln in out.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    return "\n".join(removed), "\n".join(added)


def locate(source: list[str], key: str, removed: str) -> int:
    """The 1-based line of the mutated code: the removed text, searched from its function's def."""
    match = FUNCTION.search(key)
    name = match.group("name") if match else ""
    pattern = re.compile(rf"\s*(async\s+)?def {re.escape(name)}\(")
    start = next((i for i, ln in enumerate(source) if pattern.match(ln)), 0)
    first = removed.splitlines()[0].strip() if removed.strip() else ""
    for i in range(start, len(source)):
        if first and source[i].strip() == first:
            return i + 1
    return start + 1


def scores(root: Path) -> list[ModuleScore]:
    """Read mutmut's results (mutants/**/*.meta): a score per source file, survivors located."""
    found = []
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        path = meta.relative_to(root / "mutants").with_suffix("")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        score = ModuleScore(str(path))
        source = (root / path).read_text().splitlines()
        for key, code in sorted(codes.items()):
            if code in SKIPPED:
                continue
            score.total += 1
            if code in KILLED:
                score.killed += 1
                continue
            removed, added = _show(root, key)
            change = f"{removed.strip()}  ->  {added.strip()}"
            score.survivors.append(Survivor(key, f"{path}:{locate(source, key, removed)}", change))
        found.append(score)
    return found


def lines(found: list[ModuleScore], bar: float) -> list[str]:
    """The report: a line per module, then every survivor; the last line is the verdict."""
    out = [f"{s.path}: {s.killed} of {s.total} killed ({s.percent:.1f}%)"
           + ("" if s.percent >= bar else f"  BELOW {bar:.0f}%") for s in found]
    for s in found:
        out += [f"  survived {v.location}: {v.change}" for v in s.survivors]
    low = [s.path for s in found if s.percent < bar]
    out.append(f"mutation: every module at {bar:.0f}% or more" if not low
               else f"mutation: below {bar:.0f}%: {', '.join(low)}")
    return out
