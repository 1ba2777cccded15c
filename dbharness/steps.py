"""A named, timed step of a check and how it ended: the result record of rollback-check and
cli-check, made into JUnit cases and console lines at the edge."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Step:
    """One step of a check, or one thing it could not check: its verdict and details."""

    name: str
    seconds: float = 0.0
    failure: str | None = None
    skipped: str | None = None
    output: str | None = None
