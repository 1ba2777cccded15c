"""The progress callback every long-running function takes: one line of text at a time."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str], None]


def quiet(_line: str) -> None:
    """A Progress that says nothing."""
    return None
