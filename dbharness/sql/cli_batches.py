"""Pure: how the Supabase CLI (2.117.0) sends a migration file to the server, and what a failure
part-way leaves committed.

The CLI sends a file in one of three ways, chosen from its text (each checked against the real CLI
by tests/integration/test_cli_transactions.py):

- its first line is `-- pg-delta: transaction=false`: every statement on its own, in autocommit;
  then the history row on its own;
- it has a transaction statement (BEGIN, START TRANSACTION, COMMIT, END, ABORT, ROLLBACK but not
  ROLLBACK TO, PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED): every statement on its own, so only
  what the file's own BEGIN ... COMMIT encloses shares a transaction; on an error it sends
  ROLLBACK; then the history row on its own, after the file's last statement;
- any other file goes in batches: statements sent together (extended protocol, one Sync), which
  the server runs as one implicit transaction. CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY,
  REINDEX ... CONCURRENTLY, VACUUM, ALTER SYSTEM and CLUSTER end the batch before them and run on
  their own; the history row goes at the end of the last batch.

The CLI tells these statements by their text (leading comments skipped); so does this module, with
the same tests, so a file is cut where the CLI cuts it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dbharness.errors import MigrationError
from dbharness.sql.statements import Statement

NO_TRANSACTION_MARKER = "-- pg-delta: transaction=false"
BATCHES, EACH, NONE = "batches", "each", "none"  # the three ways, as above

_ALONE = [re.compile(p) for p in (
    r"^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY(?:\s|$)", r"^DROP\s+INDEX\s+CONCURRENTLY(?:\s|$)",
    r"^REINDEX(?:\s|\().*\sCONCURRENTLY(?:\s|$)", r"^VACUUM(?:\s|\(|$)", r"^ALTER\s+SYSTEM(?:\s|$)",
    r"^CLUSTER(?:\s|$)")]
_CONTROL = re.compile(r"^(?:BEGIN|START\s+TRANSACTION|COMMIT|END|ABORT|PREPARE\s+TRANSACTION)(?:\s|$)")
_SPACE = " \t\n\r"


def _head(sql: str) -> str:
    """The statement's text from its first token, upper case: leading space and byte order marks,
    then comments skipped (a block comment ends at its first */), as the CLI reads it."""
    text = sql.lstrip(_SPACE)
    while text.startswith("\ufeff"):
        text = text[1:].lstrip(_SPACE)
    while True:
        if text.startswith("--"):
            _, newline, rest = text.partition("\n")
            text = rest.lstrip(_SPACE) if newline else ""
        elif text.startswith("/*") and "*/" in text:
            text = text.split("*/", 1)[1].lstrip(_SPACE)
        else:
            return text.strip().upper()


def runs_alone(stmt: Statement) -> bool:
    """True for a statement the CLI sends on its own, outside any batch (CONCURRENTLY and the like)."""
    head = _head(stmt.sql)
    return any(p.search(head) for p in _ALONE)


def is_control(stmt: Statement) -> bool:
    """True for a statement that makes the CLI send the file statement by statement."""
    words = _head(stmt.sql).split()
    if words[:1] == ["ROLLBACK"]:
        return words[2 if words[1:2] in (["WORK"], ["TRANSACTION"]) else 1:][:1] != ["TO"]
    return bool(_CONTROL.search(_head(stmt.sql)))


@dataclass(frozen=True)
class Part:
    """What the CLI sends in one go: statements (indexes into the file's) as one batch, or one
    statement on its own; history: the file's history row ends this part."""

    statements: tuple[int, ...]
    batch: bool
    history: bool = False


@dataclass(frozen=True)
class SendPlan:
    """A file as the CLI sends it: the way (BATCHES, EACH or NONE) and its parts, in order."""

    way: str
    parts: tuple[Part, ...]
    alone_only: bool = False  # every statement that leaves something runs on its own

    @property
    def one_transaction(self) -> bool:
        """True when the whole file and its history row are one transaction."""
        return len(self.parts) == 1

    def describe(self) -> str:
        """How the file runs, for plans and progress lines."""
        if self.way == NONE:
            return "statement by statement, no transaction (pg-delta: transaction=false)"
        if self.way == EACH:
            return "statement by statement, in the transactions it opens and commits itself"
        if self.one_transaction:
            return "in a transaction"
        if self.alone_only:
            return "outside a transaction (CONCURRENTLY)"
        return f"in {len(self.parts)} parts: CONCURRENTLY-like statements on their own"


def send_plan(text: str, statements: list[Statement], source: str) -> SendPlan:
    """The parts the CLI sends for a file; a BEGIN never committed is a MigrationError."""
    first_line = text.lstrip("\ufeff").split("\n", 1)[0].removesuffix("\r")
    if first_line == NO_TRANSACTION_MARKER or any(is_control(s) for s in statements):
        _refuse_open_begin(statements, source)
        each = tuple(Part((i,), batch=False) for i in range(len(statements)))
        return SendPlan(NONE if first_line == NO_TRANSACTION_MARKER else EACH,
                        (*each, Part((), batch=False, history=True)))
    parts: list[Part] = []
    pending: list[int] = []
    for i, stmt in enumerate(statements):
        if runs_alone(stmt):
            if pending:
                parts.append(Part(tuple(pending), batch=True))
            parts.append(Part((i,), batch=False))
            pending = []
        else:
            pending.append(i)
    alone_only = all(runs_alone(s) for s in statements if effective(s))
    return SendPlan(BATCHES, (*parts, Part(tuple(pending), batch=True, history=True)), alone_only)


def _refuse_open_begin(statements: list[Statement], source: str) -> None:
    opened = _walk(statements, len(statements)).opened
    if opened is not None:
        stmt = statements[opened]
        raise MigrationError(
            f"{source}:{stmt.line}: {stmt.first_line} is never committed: the Supabase CLI would "
            "leave its transaction open, write the history row inside it, report success and lose "
            "this file (and every later one) when it disconnects. End the transaction with commit;")


@dataclass
class _Walk:
    """Where a walk through statements run one by one stands: what is committed, what is open."""

    committed: list[int]
    block: list[int | tuple[str, int]]  # statements of the open transaction; savepoints as (name, at)
    opened: int | None = None  # the BEGIN of the open transaction
    points: list[int] = field(default_factory=list)  # the statements after which more was committed


def _walk(statements: list[Statement], upto: int) -> _Walk:
    """Run statements[:upto] one by one in the server's manner: outside a BEGIN each commits on its
    own; COMMIT keeps, ROLLBACK drops, ROLLBACK TO drops back to its savepoint."""
    state = _Walk([], [])
    for i, stmt in enumerate(statements[:upto]):
        kind = stmt.transaction
        if state.opened is None:
            if kind == "begin":
                state.opened, state.block = i, []
            elif kind is None and effective(stmt):
                state.committed.append(i)
                state.points.append(i)
        elif kind in ("commit", "rollback", "prepare"):  # a prepared transaction is not committed
            kept = [x for x in state.block if isinstance(x, int)] if kind == "commit" else []
            state.committed += kept
            state.points += [i] if kept else []
            chained = bool(getattr(stmt.node, "chain", False))  # AND CHAIN opens the next one
            state.opened, state.block = (i, []) if chained else (None, [])
        elif kind == "savepoint":
            state.block.append((str(getattr(stmt.node, "savepoint_name", "")), i))
        elif kind == "rollback_to":
            name = str(getattr(stmt.node, "savepoint_name", ""))
            marks = [k for k, x in enumerate(state.block) if isinstance(x, tuple) and x[0] == name]
            if marks:
                del state.block[marks[-1] + 1:]
        elif kind is None and effective(stmt):
            state.block.append(i)
    return state


def effective(stmt: Statement) -> bool:
    """False for statements that leave nothing in the database (transaction control, SET, SHOW)."""
    return stmt.transaction is None and stmt.kind not in ("VariableSetStmt", "VariableShowStmt")


def left_committed(plan: SendPlan, statements: list[Statement], failed: int) -> list[int]:
    """The statements (indexes) a failure at statements[failed] leaves committed, as the CLI
    leaves them; failed == len(statements) is the history row."""
    if plan.way != BATCHES:
        return _walk(statements, failed).committed
    done: list[int] = []
    for part in plan.parts:
        if failed in part.statements or part.history:
            break
        done += [i for i in part.statements if effective(statements[i])]
    return done


def commit_points(plan: SendPlan, statements: list[Statement]) -> list[int]:
    """The statements after which the file has committed something while more of it is still to
    run: where a failure further on leaves part of the file applied and the version unrecorded."""
    if plan.way != BATCHES:
        points = _walk(statements, len(statements)).points
    else:
        points = [p.statements[-1] for p in plan.parts
                  if not p.history and any(effective(statements[i]) for i in p.statements)]
    later = [False] * (len(statements) + 1)  # later[i]: an effective statement at i or after
    for i in range(len(statements) - 1, -1, -1):
        later[i] = later[i + 1] or effective(statements[i])
    return [p for p in points if later[p + 1]]
