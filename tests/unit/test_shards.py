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
