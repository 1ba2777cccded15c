"""Shards: balanced by the last report's durations, by name without one, always a partition."""

import pytest

from dbharness.errors import ConfigError
from dbharness.suite import shards


def test_parse():
    assert shards.parse("2/4") == (2, 4)
    for bad in ("0/2", "3/2", "1", "a/b", "1/0"):
        with pytest.raises(ConfigError, match="write K/N"):
            shards.parse(bad)


def test_by_name_without_durations_is_a_partition_in_round_robin():
    names = [f"f{i}.sql" for i in range(7)]
    parts = shards.assign(names, 3, {})
    assert parts == [["f0.sql", "f3.sql", "f6.sql"], ["f1.sql", "f4.sql"], ["f2.sql", "f5.sql"]]


def test_balanced_by_duration_longest_first():
    seconds = {"a": 10.0, "b": 6.0, "c": 5.0, "d": 4.0, "e": 1.0}
    parts = shards.assign(list(seconds), 2, seconds)
    assert parts == [["a", "d"], ["b", "c", "e"]]  # 14 s and 12 s
    assert sorted(sum(parts, [])) == sorted(seconds)


def test_durations_are_read_from_reports(tmp_path):
    (tmp_path / "a.xml").write_text('<testsuites><testsuite name="x.sql" tests="1" time="0.250"/></testsuites>')
    (tmp_path / "b.xml").write_text("not xml")
    assert shards.durations([tmp_path / "a.xml", tmp_path / "b.xml", tmp_path / "none.xml"]) == {"x.sql": 0.25}


def test_every_shard_keeps_name_order_with_the_persistent_files_as_barriers(tmp_path):
    from dbharness import config, testrun
    from dbharness.suite import pgtap
    from dbharness.suite.testfiles import TestFile

    kinds = {"0000-setup.sql": True, "0001-a.sql": False, "0002-b.sql": False, "0003-c.sql": False,
             "5000-middle.sql": True, "6000-d.sql": False, "9999-teardown.sql": True, "zz-e.sql": False}
    files = [TestFile(tmp_path / name, tmp_path, persistent=p) for name, p in kinds.items()]
    isolated: list[str] = []
    for k in (1, 2):
        mine = testrun.select_shard(config.load(tmp_path), files, (k, 2))
        names = [f.shown for f in mine]
        assert names == sorted(names) and {n for n in names if kinds[n]} == {n for n, p in kinds.items() if p}
        runs = [[mine[i].shown for i in part] for part in pgtap.segments(mine)]
        assert [r for r in runs if kinds[r[0]]] == [["0000-setup.sql"], ["5000-middle.sql"], ["9999-teardown.sql"]]
        assert all(len(r) == 1 for r in runs if kinds[r[0]]) and sum(runs, []) == names
        isolated += [n for n in names if not kinds[n]]
    assert sorted(isolated) == sorted(n for n, p in kinds.items() if not p)  # each in exactly one shard
