"""Running a verb at the edge: SIGTERM and Ctrl-C turned into a clean stop, every HarnessError into
its message and exit code, and every report the verb owns rewritten by the run whatever its outcome
(a report the run could not write gets the error as its one case), so a CI never uploads a green
report left by an earlier run."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dbharness.edge.output import Output
from dbharness.edge.spec import Args, Verb
from dbharness.errors import INTERRUPTED, HarnessError
from dbharness.reports import junit


def _sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


@contextmanager
def signals() -> Iterator[None]:
    """SIGTERM stops like Ctrl-C (the servers are removed), also when the process was started with
    SIGINT ignored (from a script with &, some CI runners)."""
    previous = {sig: signal.signal(sig, handler) for sig, handler in
                ((signal.SIGTERM, _sigterm), (signal.SIGINT, signal.default_int_handler))}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def forget_interrupt() -> None:
    """The interrupt was handled: make sure the process still exits with the code it returns.
    CPython (3.8 to 3.12) marks an interrupt as unhandled when it lands inside code run by exec() of
    a string (dataclasses make their methods so, while a module is imported) and, even when the
    KeyboardInterrupt is caught later, ends the process with SIGINT instead of its exit code; each
    exec() of a string clears that mark, so an empty one does."""
    exec("None")  # noqa: S102 - a constant, run for its side effect on the interpreter's mark


def rewrite_unwritten(out: Output, verb: str, why: str) -> None:
    """Each report the verb owns that this run did not write: written now, with why as its one
    error case."""
    for path in out.owned:
        if path.resolve() in out.written:
            continue
        try:
            junit.write(path, [junit.error_suite(verb, why)])
        except OSError:
            continue  # the error already on its way says why nothing could be written


def execute(verb: Verb, args: Args, out: Output,
            interrupted: str = "every started server was stopped and removed") -> int:
    """Run verb with args; its exit code (0 when everything checked holds)."""
    with signals():
        try:
            return verb.run(args, out)
        except HarnessError as exc:
            out.error(f"error: {exc}")
            rewrite_unwritten(out, verb.name, f"{type(exc).__name__}: {exc}")
            return exc.exit_code
        except KeyboardInterrupt:
            forget_interrupt()
            out.error(f"interrupted: {interrupted}")
            rewrite_unwritten(out, verb.name, f"interrupted: {interrupted}")
            return INTERRUPTED
