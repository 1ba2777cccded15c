"""The record of each pgTAP file's last duration: the slowest isolated files start first, and a
record that is missing, damaged or not kept changes only that order."""

from __future__ import annotations

import json

from dbharness.config import Storage
from dbharness.suite import durations


def test_the_slowest_known_file_goes_first_and_a_file_never_run_before_all():
    names = ["a", "b", "c", "d"]
    known = {"a": 0.01, "b": 0.30, "c": 0.05}
    assert durations.slowest_first([0, 1, 2, 3], names, known) == [3, 1, 2, 0]
    assert durations.slowest_first([0, 2], names, known) == [2, 0]  # only the indexes given
    assert durations.slowest_first([0, 1, 2], names, {}) == [0, 1, 2]  # nothing known: as given


def test_what_ran_is_recorded_over_what_was_known(tmp_path):
    storage = Storage(cache_dir=tmp_path / "cache")
    assert durations.load(storage) == {}
    durations.save(storage, {}, [("a", 0.2), ("b", 0.1)])
    assert durations.load(storage) == {"a": 0.2, "b": 0.1}
    durations.save(storage, durations.load(storage), [("b", 0.4)])
    assert durations.load(storage) == {"a": 0.2, "b": 0.4}
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["durations.json"]  # no partial file left


def test_at_most_so_many_files_are_remembered_the_latest_first(tmp_path):
    storage = Storage(cache_dir=tmp_path)
    old = {f"old{i}": 1.0 for i in range(durations.KEPT)}
    durations.save(storage, old, [("new", 0.5)])
    kept = durations.load(storage)
    assert len(kept) == durations.KEPT and kept["new"] == 0.5 and f"old{durations.KEPT - 1}" not in kept


def test_a_damaged_or_foreign_record_is_nothing_known(tmp_path):
    storage = Storage(cache_dir=tmp_path)
    (tmp_path / durations.RECORD).write_text('{"a": 0.1, "b": "x"')
    assert durations.load(storage) == {}
    (tmp_path / durations.RECORD).write_text(json.dumps({"a": 0.1, "b": "slow", "c": 2}))
    assert durations.load(storage) == {"a": 0.1, "c": 2.0}
    (tmp_path / durations.RECORD).write_text("[1, 2]")
    assert durations.load(storage) == {}


def test_nothing_is_read_or_written_when_nothing_is_kept(tmp_path):
    storage = Storage(cache_dir=tmp_path / "cache", keep=False)
    durations.save(storage, {}, [("a", 0.2)])
    assert not (tmp_path / "cache").exists() and durations.load(storage) == {}


def test_a_cache_that_cannot_be_written_is_left_alone(tmp_path):
    (tmp_path / "cache").write_text("a file where the cache should be")
    durations.save(Storage(cache_dir=tmp_path / "cache"), {}, [("a", 0.2)])  # no error
    assert (tmp_path / "cache").read_text() == "a file where the cache should be"
