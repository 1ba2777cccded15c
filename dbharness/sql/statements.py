"""Split SQL into statements with PostgreSQL's own parser (pglast) and classify them.

pglast is imported when something is first parsed, not with this module: a run whose test files
come from the cache of loaded files (testrun) never pays for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from dbharness import lazy
from dbharness.errors import MigrationError, ScriptError

ast = lazy.Module("pglast.ast")
parser = lazy.Module("pglast.parser")
stream = lazy.Module("pglast.stream")

CONTROL = frozenset({"begin", "commit", "rollback"})  # what the harness manages itself


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a file: its text, 1-based first line, its parse tree node (None when
    kept without it), and for a transaction statement its kind (begin, commit, ...)."""

    sql: str
    line: int
    node: object
    transaction: str | None = None

    def __post_init__(self) -> None:
        if self.node is not None and type(self.node).__name__ == "TransactionStmt":
            name = self.node.kind.name.removeprefix("TRANS_STMT_").lower()  # type: ignore[attr-defined]
            object.__setattr__(self, "transaction", {"start": "begin"}.get(name, name))

    def without_tree(self) -> Statement:
        """The same statement without its parse tree (what the cache of loaded files keeps)."""
        return replace(self, node=None)

    @property
    def first_line(self) -> str:
        """The statement's first non-empty line, for messages."""
        for text in self.sql.splitlines():
            if text.strip():
                return text.strip()
        return ""

    @property
    def kind(self) -> str:
        """The parse node's class name, such as IndexStmt."""
        return type(self.node).__name__


def read_sql(path: Path) -> str:
    """A SQL file's text; a one-line ScriptError naming the file and the byte offset when it is not
    UTF-8 (PostgreSQL's encoding here), or when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScriptError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        # Equivalent mutant: codec names ignore case, "UTF-8" is the same codec.
        # pragma: no mutate start
        return data.decode("utf-8")
        # pragma: no mutate end
    except UnicodeDecodeError as exc:
        raise ScriptError(f"{path}: not valid UTF-8 at byte {exc.start}; save it as UTF-8") from None


def split_statements(sql: str, source: str = "<sql>") -> list[Statement]:
    """Statements of sql in order, each with the line it starts on."""
    try:
        slices = parser.split(sql, only_slices=True)  # with_parser=True is the default
        nodes = [raw.stmt for raw in parser.parse_sql(sql)]
    except parser.ParseError as exc:
        message, location = exc.args  # pglast: (message, offset)
        line = sql[:location].count("\n") + 1
        raise MigrationError(f"{source}:{line}: SQL syntax error: {message}") from exc
    statements = []
    # Equivalent mutants: the parser and the splitter give as many items, so `strict` never fires.
    # pragma: no mutate start
    pairs = zip(slices, nodes, strict=True)
    # pragma: no mutate end
    for piece, node in pairs:
        text = sql[piece]
        statements.append(Statement(text, sql[: piece.start].count("\n") + 1, node))
    return statements


def is_concurrent(stmt: Statement) -> bool:
    """True for statements PostgreSQL refuses inside a transaction block."""
    node = stmt.node
    if isinstance(node, ast.IndexStmt):
        return bool(node.concurrent)
    if isinstance(node, ast.DropStmt):
        return bool(node.concurrent)
    if isinstance(node, ast.ReindexStmt):
        return any(p.defname == "concurrently" for p in node.params or ())
    return isinstance(node, ast.VacuumStmt | ast.CreatedbStmt | ast.DropdbStmt)


def transaction_kind(stmt: Statement) -> str | None:
    """begin, commit, rollback, savepoint, release, rollback_to, prepare, commit_prepared or
    rollback_prepared for a transaction statement; None for any other statement."""
    return stmt.transaction


def is_transaction_control(stmt: Statement) -> bool:
    """BEGIN, COMMIT, ROLLBACK or END (not savepoints), which the harness manages itself."""
    return stmt.transaction in CONTROL


def quoted_end(sql: str, i: int) -> tuple[int, bool]:
    """(end, closed) of the literal, identifier, comment or dollar quote starting at i; (i, True)
    when none starts there. A plain scanner: used where the parser cannot be (psql's variables,
    and splitting as the Supabase CLI does)."""
    c = sql[i]
    if c in "'\"":
        backslash = c == "'" and i > 0 and sql[i - 1] in "eE" and (i < 2 or not sql[i - 2].isalnum())
        j = i + 1
        while j < len(sql):
            if (backslash and sql[j] == "\\") or sql.startswith(c + c, j):
                j += 2
            elif sql[j] == c:
                return j + 1, True
            else:
                j += 1
        return len(sql), False
    if sql.startswith("--", i):
        line = sql[i:].partition("\n")[0]
        return i + len(line), True  # the newline, or the end of the text
    if sql.startswith("/*", i):
        depth, j = 0, i
        while j < len(sql):
            if sql.startswith("/*", j):
                depth, j = depth + 1, j + 2
            elif sql.startswith("*/", j):
                depth, j = depth - 1, j + 2
                if depth == 0:
                    return j, True
            else:
                j += 1
        return len(sql), False
    match = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", sql[i:]) if c == "$" else None
    if match and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] == "_")):
        tag = match.group(0)
        body, closing, _ = sql[i + len(tag):].partition(tag)
        return (i + 2 * len(tag) + len(body), True) if closing else (len(sql), False)
    return i, True


def normalized(statements: list[str]) -> list[str]:
    """What PostgreSQL would execute, comments and layout aside: each statement deparsed by pglast
    (pieces that hold only comments drop out), so rows written by the CLI, by this harness and by
    its older versions compare equal while any real edit, a constant included, differs."""
    out = []
    for text in statements:
        try:
            out += [stream.RawStream()(raw.stmt) for raw in parser.parse_sql(text)]
        except parser.ParseError:
            out.append(text.strip())
    return out


INLINE_BLOCK = re.compile(r"PL/pgSQL function inline_code_block line (\d+)")
DOLLAR_OPEN = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")


def error_line(sql: str, first: int, position: str | None, context: str | None) -> int:
    """The file's line where PostgreSQL places an error in a statement that starts on line
    first: at the character statement_position names (a syntax error, an unknown column), or, for
    an error raised while a DO block ran, at the block's line its context names."""
    if position and position.isdigit():
        return first + sql[: int(position) - 1].count("\n")
    found = INLINE_BLOCK.search(context or "")
    body = DOLLAR_OPEN.search(sql)
    if found and body:
        return first + sql[: body.start()].count("\n") + int(found.group(1)) - 1
    return first
