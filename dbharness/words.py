"""Counts in words, as messages say them: '1 error', '2 errors', '1 file', '3 files'."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """count with its noun in the singular or plural (many: an irregular plural)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"
