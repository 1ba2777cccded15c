"""The lock benchmark's machinery on a small table: it measures, it rolls back, it compares.

No timing is asserted here (figures belong to invoke bench); only that every figure is produced
and that the naive variant really takes the ACCESS EXCLUSIVE lock the project's files avoid.
"""

from dbharness import bench_locks, config
from tests.conftest import REPO, DatabaseEngine


def test_both_variants_are_measured_under_write_load(server):
    settings = config.load(REPO)
    with DatabaseEngine(server).running() as db:
        result = bench_locks.run(db, settings, 2000, lambda _m: None)
    for name in ("project", "naive"):
        figures = result[name]
        assert figures["writes"] > 0
        assert set(figures) >= {"longest_stall_ms", "p99_ms", "access_exclusive_longest_ms", "migrate_s"}
    assert result["rows"] == 2000 and result["writers"] == bench_locks.WRITERS
