"""Pure decisions of a deployment: what an environment has and lacks, what is refused, the plan as
printed, the confirmation asked. The database side is in inspect.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dbharness.builder import history
from dbharness.environments import Target
from dbharness.errors import PromotionRefused
from dbharness.sql.migrations import MigrationFile

Ask = Callable[[str], str]


@dataclass
class Status:
    """Local migrations as applied or pending in an environment, and versions only it has."""

    applied: list[MigrationFile]
    pending: list[MigrationFile]
    drift: list[history.HistoryRow]

    @property
    def problems(self) -> list[str]:
        """Drift and out-of-order pending versions: what makes dbharness status fail."""
        return drift_refusals(self, None)


def compare(files: list[MigrationFile], rows: dict[str, history.HistoryRow]) -> Status:
    """Pure: the repository's files against an environment's history rows."""
    local = {f.version for f in files}
    return Status([f for f in files if f.version in rows], [f for f in files if f.version not in rows],
                  [r for v, r in rows.items() if v not in local])


@dataclass
class Plan:
    """What a promotion would apply, and why it is refused if it is."""

    target: Target
    pending: list[MigrationFile]
    refusals: list[str] = field(default_factory=list)


def drift_refusals(st: Status, to: str | None) -> list[str]:
    """Versions the repository lacks, and pending versions older than the newest applied one."""
    out = []
    if st.drift:
        out.append("the environment has versions the repository lacks (drift): "
                   + ", ".join(f"{r.version}_{r.name or '?'}" for r in st.drift))
    newest = max((f.version for f in st.applied), default=None)
    # Equivalent mutant: < and <= agree, since a pending version never equals an applied one.
    # pragma: no mutate start
    late = [f.stem for f in st.pending if newest and f.version < newest and (to is None or f.version <= to)]
    # pragma: no mutate end
    if late:
        out.append(f"pending versions older than the newest applied one ({newest}), out of order: "
                   + ", ".join(late))
    return out


def required_refusals(pending: list[MigrationFile], required: str,
                      rows: dict[str, history.HistoryRow]) -> list[str]:
    """Files the required environment has not got, or got with other statements."""
    out = []
    missing = [f.stem for f in pending if f.version not in rows]
    if missing:
        out.append(f"not yet applied in {required}, which {required} must get first: " + ", ".join(missing))
    changed = [f.stem for f in pending if f.version in rows
               and not history.same_statements(rows[f.version].statements, f)]
    if changed:
        out.append(f"changed since they were applied in {required} (its recorded statements differ "
                   f"from the file): {', '.join(changed)}; restore the file or ship a new migration")
    return out


def plan_lines(plan: Plan) -> list[str]:
    """The plan as printed before anything is applied."""
    if not plan.pending:
        return [f"{plan.target}: up to date, nothing to apply"]
    lines = [f"Plan for {plan.target}:"]
    for f in plan.pending:
        lines.append(f"  {f.stem}  [{f.plan.describe()}]")
    return lines


def confirm(target_name: str, count: int, yes: bool, ask: Ask | None, verb: str) -> None:
    """Go on with --yes, or when the person types the environment's name; refuse otherwise."""
    if yes:
        return
    if ask is None:
        raise PromotionRefused(f"{verb} {target_name} needs confirmation: run it in a terminal, "
                               "or pass --yes")
    answer = ask(f"{verb} {count} file(s) on {target_name}? Type the environment name to go on: ")
    if answer.strip() != target_name:
        raise PromotionRefused(f"{verb} {target_name} was not confirmed; nothing was changed")
