"""HarnessError and its children: every message says what was checked and how to fix it."""

from __future__ import annotations


class HarnessError(Exception):
    """Base of every expected failure; the edge (the command, the invoke tasks) turns it into a
    message and its exit code. Each child has a code of its own (README: exit codes)."""

    exit_code = 1


class ConfigError(HarnessError):
    """A setting, a file name or a command-line value is wrong."""

    exit_code = 2


class PrerequisiteError(HarnessError):
    """A binary, an OS user, an extension or a package the harness needs is missing."""

    exit_code = 3


class EngineError(HarnessError):
    """A throwaway server could not be started, answered nothing, or died."""

    exit_code = 4


class MigrationError(HarnessError):
    """A migration or rollback file failed; the message names file, line and statement."""

    exit_code = 5


class ScriptError(HarnessError):
    """A SQL or pgTAP file cannot be read or run as written (encoding, a psql meta-command)."""

    exit_code = 6


class TestRunError(HarnessError):
    """The pgTAP run could not start or complete (no test file, a runner fault), distinct from
    tests that ran and failed."""

    exit_code = 8
    __test__ = False


class CheckFailed(HarnessError):
    """A check ran to its end and found problems (tests, lint, rollback-check, coverage, compare)."""

    exit_code = 1


class PromotionRefused(HarnessError):
    """A promotion or environment rollback was refused by one of its guards."""

    exit_code = 7


EXIT_CODES = {cls.__name__: cls.exit_code for cls in (CheckFailed, ConfigError, PrerequisiteError,
                                                      EngineError, MigrationError, ScriptError,
                                                      PromotionRefused, TestRunError)}
INTERRUPTED = 130  # Ctrl-C or SIGTERM, after every started server was removed
