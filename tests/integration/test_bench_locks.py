"""The lock benchmark's machinery on a small table: it measures, it rolls back, it compares.

No timing is asserted here (figures belong to dbharness bench); only that every figure is produced
and that the naive variant really holds the ACCESS EXCLUSIVE lock the project's files avoid.
"""

import pytest

from dbharness import config
from dbharness.benchmarks import locks, picture
from dbharness.progress import quiet
from tests.support import REPO, DatabaseEngine


def test_both_variants_are_measured_and_only_the_naive_one_holds_access_exclusive(server, tmp_path):
    settings = config.load(REPO)
    with DatabaseEngine(server).running() as db:
        result = locks.run(db, settings, 20_000, quiet, steady_s=0.05)
    naive_windows = result["naive"]["exclusive_windows"]
    assert naive_windows and all(a <= b for a, b in naive_windows)
    assert max(b - a for a, b in naive_windows) * 1000 == pytest.approx(
        result["naive"]["access_exclusive_longest_ms"], abs=0.2)  # both rounded to 0.1 ms
    assert len(result["project"]["series"]) >= result["project"]["writes"] > 0  # the whole run, in time order
    assert [t for t, _ in result["naive"]["series"]] == sorted(t for t, _ in result["naive"]["series"])
    drawn = picture.draw(result, tmp_path / "locks.svg")
    text = drawn.read_text()
    assert text.startswith("<?xml") and "<svg" in text and "naive variant" in text
    for name in ("project", "naive"):
        figures = result[name]
        assert figures["writes"] > 0
        assert set(figures) >= {"longest_stall_ms", "p99_ms", "access_exclusive_longest_ms", "migrate_s"}
    assert result["rows"] == 20_000 and result["writers"] == locks.WRITERS
    naive, project = result["naive"]["access_exclusive_longest_ms"], result["project"]["access_exclusive_longest_ms"]
    assert naive > project, (naive, project)
