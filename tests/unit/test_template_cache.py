"""Kept builds survive a concurrent `dbharness clean`, never show half a build, and are trusted only
while every file is what was written."""

import shutil

import pytest

from dbharness.config import Storage
from dbharness.engines import kept


def _build(dest):
    dest.mkdir(parents=True)
    (dest / "PG_VERSION").write_text("15\n")
    (dest / "base").mkdir()
    (dest / "base" / "1234").write_bytes(b"\x00" * 8192)
    return ("warning: a note said while building",)


def test_a_clean_during_the_build_does_not_break_it(tmp_path):
    storage = Storage(cache_dir=tmp_path / "cache")

    def build(dest):
        shutil.rmtree(tmp_path / "cache", ignore_errors=True)  # a concurrent clean, mid-build
        notes = _build(dest)
        assert not (tmp_path / "cache" / "k1").exists()  # nobody sees it before it is whole
        return notes

    entry = kept.store(storage, "k1", build)
    assert (entry.data / "PG_VERSION").read_text() == "15\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]  # no staging left behind
    found = kept.find(storage, "k1")
    assert found == entry and found.notes == ("warning: a note said while building",)
    assert kept.verify(found) is None


def test_a_failed_build_leaves_nothing(tmp_path):
    storage = Storage(cache_dir=tmp_path / "cache")

    def build(dest):
        dest.mkdir(parents=True)
        raise RuntimeError("initdb failed")

    with pytest.raises(RuntimeError):
        kept.store(storage, "k2", build)
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.parametrize("damage, said", [
    (lambda e: (e.data / "base" / "1234").write_bytes(b"\x00" * 100), "has 100 bytes, not the 8192"),
    (lambda e: (e.data / "base" / "1234").write_bytes(b"\x00" * 8191 + b"\x01"), "does not hold the bytes"),
    (lambda e: (e.data / "base" / "1234").unlink(), "base/1234 is missing"),
    (lambda e: (e.data / "base" / "9999").write_bytes(b"x"), "base/9999 is not in its manifest"),
])
def test_a_damaged_file_is_found(tmp_path, damage, said):
    storage = Storage(cache_dir=tmp_path / "cache")
    entry = kept.store(storage, "k3", _build)
    damage(entry)
    assert said in (kept.verify(entry) or "")


def test_a_damaged_manifest_is_a_reason_not_an_entry(tmp_path):
    storage = Storage(cache_dir=tmp_path / "cache")
    entry = kept.store(storage, "k4", _build)
    manifest = entry.path / kept.MANIFEST
    manifest.write_text(manifest.read_text().replace("warning", "wArning"))
    assert kept.find(storage, "k4") == "its manifest is missing or damaged"


def test_a_cache_that_cannot_be_written_is_not_kept_and_leaves_nothing(tmp_path):
    """A file where the cache should be (as a read-only folder, but it stops root too)."""
    (tmp_path / "cache").write_text("not a folder")
    with pytest.raises(kept.NotKept, match="cannot be written"):
        kept.store(Storage(cache_dir=tmp_path / "cache"), "k5", _build)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]


def test_the_base_is_kept_per_account_that_owns_its_files(monkeypatch):
    """A copy keeps its files' owner: a base made while postgres had another uid (a recreated
    account, a chroot sharing /dev/shm) must not be reused."""
    from dbharness.engines.base import ClusterRecipe
    from dbharness.engines.local import LocalEngine, OsUser
    from dbharness.engines.pgbin import find_binaries

    engine, bins = LocalEngine(base=ClusterRecipe("recipe", lambda _s: None)), find_binaries()
    keys = [engine._builds(bins, OsUser("postgres", uid, uid)).base_key for uid in (101, 102, 101)]
    assert keys[0] != keys[1] and keys[0] == keys[2]
