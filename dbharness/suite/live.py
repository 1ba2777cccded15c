"""A pgTAP file with \\gset or \\gexec, interpreted at run time as psql runs it: each query
goes to the server when psql would send it, \\gset stores its row before the next line is read,
\\gexec runs what its query returned, \\if sees the values set so far.

Each query the load already split (same file, line and text) is taken from the load's program;
only a query whose text depends on a result (a \\gset variable, a \\gexec value) is parsed here.
"""

from __future__ import annotations

from pathlib import Path

from dbharness.paths import shown
from dbharness.sql import psqlscript
from dbharness.sql.psqlscript import Echo, MetaError, Query, Rows, Said
from dbharness.sql.statements import is_transaction_control
from dbharness.suite.filerun import FileRun, StatementFailed, Stopped
from dbharness.suite.testfiles import Located, split_for_run


class Live:
    """The executor that runs what the interpreter sends, on the file's connection."""

    def __init__(self, run: FileRun) -> None:
        self.run = run
        program = run.test_file.program
        assert program is not None
        self.sends = program.sends

    def send(self, query: Query) -> Rows | None:
        """Run the query's statements; for \\gset and \\gexec, the last one's rows."""
        key = (str(query.path), query.line, query.text)
        known = key in self.sends
        statements = self.sends[key] if known else split_for_run(query.text, query.line)
        named = shown(query.path, self.run.output.root)
        rows = None
        for i, statement in enumerate(statements):
            step = Located(statement, query.path, named)
            if self.run.isolated and is_transaction_control(statement):
                if not known:
                    where = f"{step.shown}:{statement.line}"
                    raise StatementFailed(f"{where}: {statement.first_line}: a transaction statement made "
                                          "at run time (by \\gexec or a \\gset variable) in a file the "
                                          "harness runs in its own transaction; write it in the file", where)
                continue
            keep = query.mode != "plain" and i == len(statements) - 1
            rows = self.run.statement(step, keep) if keep else self.run.statement(step)
        return rows

    def echo(self, unit: Echo) -> None:
        """What psql prints joins the file's output."""
        self.run.output.echo(unit)

    def said(self, unit: Said) -> None:
        """psql's messages join the file's notices."""
        self.run.output.said(unit)


def interpret(run: FileRun) -> Stopped | None:
    """Run the file's program; the first error ends it (psql's ON_ERROR_STOP)."""
    program = run.test_file.program
    assert program is not None
    session = psqlscript.Session(Live(run), program.variables, Path(program.cwd), program.texts)
    try:
        session.run(run.test_file.path)
    except StatementFailed as exc:
        return str(exc), exc.where
    except MetaError as exc:
        return run.failure(exc.message, exc.path, exc.line)
    return None
