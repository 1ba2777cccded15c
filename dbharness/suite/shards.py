"""Split the pgTAP files into N balanced parts: by the durations of the last JUnit report, else by name."""

from __future__ import annotations

import re
import statistics
from pathlib import Path
from xml.etree import ElementTree

from dbharness.errors import ConfigError

SHARD = re.compile(r"^(\d+)/(\d+)$")


def parse(text: str) -> tuple[int, int]:
    """'K/N' as (K, N) with 1 <= K <= N."""
    match = SHARD.match(text.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ConfigError(f"--shard {text!r}: write K/N with 1 <= K <= N, e.g. --shard 2/4")
    return int(match.group(1)), int(match.group(2))


def durations(reports: list[Path]) -> dict[str, float]:
    """Seconds per pgTAP file (testsuite name) from earlier JUnit reports; unreadable ones skipped."""
    found: dict[str, float] = {}
    for path in reports:
        try:
            root = ElementTree.parse(path).getroot()
        except (OSError, ElementTree.ParseError):
            continue
        for suite in root.iter("testsuite"):
            try:
                found[suite.get("name", "")] = float(suite.get("time") or 0)
            except ValueError:
                continue
    return found


def assign(names: list[str], count: int, seconds: dict[str, float]) -> list[list[str]]:
    """Longest first, each to the part with the least time so far (ties: the lower part); a file
    the report does not know weighs the median. Deterministic for the same names and report."""
    known = [seconds[n] for n in names if n in seconds]
    default = statistics.median(known) if known else 1.0
    parts: list[list[str]] = [[] for _ in range(count)]
    totals = [0.0] * count
    for name in sorted(names, key=lambda n: (-seconds.get(n, default), n)):
        i = min(range(count), key=lambda j: (totals[j], j))
        parts[i].append(name)
        totals[i] += seconds.get(name, default)
    return [sorted(p) for p in parts]
