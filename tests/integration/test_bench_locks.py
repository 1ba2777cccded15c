"""The lock benchmark's machinery on a small table: it measures, it rolls back, it compares.

No timing is asserted here (figures belong to dbharness bench); only that every figure is produced
and that the naive variant really holds the ACCESS EXCLUSIVE lock the project's files avoid.
"""

from dbharness import config
from dbharness.bench import locks
from dbharness.progress import quiet
from tests.conftest import REPO, DatabaseEngine


def test_both_variants_are_measured_and_only_the_naive_one_holds_access_exclusive(server):
    settings = config.load(REPO)
    with DatabaseEngine(server).running() as db:
        result = locks.run(db, settings, 20_000, quiet, steady_s=0.05)
    for name in ("project", "naive"):
        figures = result[name]
        assert figures["writes"] > 0
        assert set(figures) >= {"longest_stall_ms", "p99_ms", "access_exclusive_longest_ms", "migrate_s"}
    assert result["rows"] == 20_000 and result["writers"] == locks.WRITERS
    naive, project = result["naive"]["access_exclusive_longest_ms"], result["project"]["access_exclusive_longest_ms"]
    assert naive > project, (naive, project)
