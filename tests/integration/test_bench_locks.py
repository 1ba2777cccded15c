"""The lock benchmark's machinery on a small table: it measures, it rolls back, it compares.

No timing is asserted here (figures belong to invoke bench); only that every figure is produced
and that the naive variant really holds the ACCESS EXCLUSIVE lock the project's files avoid.
"""

from dbharness import bench_locks, config
from tests.conftest import REPO, DatabaseEngine


def test_both_variants_are_measured_and_only_the_naive_one_holds_access_exclusive(server):
    settings = config.load(REPO)
    with DatabaseEngine(server).running() as db:
        result = bench_locks.run(db, settings, 20_000, lambda _m: None, steady_s=0.05)
    for name in ("project", "naive"):
        figures = result[name]
        assert figures["writes"] > 0
        assert set(figures) >= {"longest_stall_ms", "p99_ms", "access_exclusive_longest_ms", "migrate_s"}
    assert result["rows"] == 20_000 and result["writers"] == bench_locks.WRITERS
    naive, project = result["naive"]["access_exclusive_longest_ms"], result["project"]["access_exclusive_longest_ms"]
    assert naive > project, (naive, project)
