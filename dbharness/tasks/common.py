"""What every task shares: printing, the project's settings, report paths, and turning failures
into exit codes."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from invoke import Exit

from dbharness import config
from dbharness.errors import HarnessError
from dbharness.project_files import project_root

_OUTPUT = threading.Lock()
ENGINE = "local (default), docker, or auto"
YES = "do not ask for confirmation (production asks otherwise)"
JUNIT = "JUnit XML path (default: reports/junit/{}.xml)"


def say(*lines: str) -> None:
    """Print lines at once, whole even when pgTAP workers report at the same time."""
    with _OUTPUT:
        sys.stdout.write("".join(line + "\n" for line in lines))
        sys.stdout.flush()


def _sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


@contextmanager
def guarded(interrupted: str = "every started server was stopped and removed") -> Iterator[None]:
    """Turn HarnessError into a message and exit code; SIGTERM and Ctrl-C clean up first, also
    when the task was started with SIGINT ignored (from a script with &, some CI runners)."""
    previous = {sig: signal.signal(sig, handler) for sig, handler in
                ((signal.SIGTERM, _sigterm), (signal.SIGINT, signal.default_int_handler))}
    try:
        yield
    except HarnessError as exc:
        raise Exit(f"error: {exc}", code=exc.exit_code) from None
    except KeyboardInterrupt:
        raise Exit(f"interrupted: {interrupted}", code=130) from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def settings(**overrides: Any) -> config.Settings:
    """The settings of the project the task runs on, read once here: DBHARNESS_ROOT if set, else
    the project the working directory lies in (see project_files.project_root)."""
    given = os.environ.get("DBHARNESS_ROOT")
    return config.load(Path(given) if given else project_root(Path.cwd()), **overrides)


def junit_path(cfg: config.Settings, given: str | None, name: str) -> Path:
    """--junit when given, else reports/junit/NAME.xml in the project."""
    return Path(given) if given else cfg.reports_dir / "junit" / f"{name}.xml"


def ask() -> Any:
    """input() when a person is at a terminal; None (so: refused without --yes) otherwise."""
    return input if sys.stdin.isatty() else None


