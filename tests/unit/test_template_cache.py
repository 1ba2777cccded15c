"""The cluster cache survives a concurrent `dbharness clean` and never shows half a kept cluster."""

import shutil

from dbharness.config import Storage
from dbharness.engines import cluster_cache


def test_a_clean_during_the_build_does_not_break_it(tmp_path, monkeypatch):
    storage = Storage(cache_dir=tmp_path / "cache")

    def build(dest):
        shutil.rmtree(tmp_path / "cache", ignore_errors=True)  # a concurrent clean, mid-build
        dest.mkdir()
        (dest / "PG_VERSION").write_text("15\n")
        assert not (tmp_path / "cache" / "k1").exists()  # nobody sees it before it is whole

    target = cluster_cache.get_or_build(storage, "k1", build)
    assert (target / "PG_VERSION").read_text() == "15\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]  # no staging left behind


def test_a_failed_build_leaves_nothing(tmp_path, monkeypatch):
    import pytest

    storage = Storage(cache_dir=tmp_path / "cache")

    def build(dest):
        dest.mkdir()
        raise RuntimeError("initdb failed")

    with pytest.raises(RuntimeError):
        cluster_cache.get_or_build(storage, "k2", build)
    assert [p.name for p in tmp_path.iterdir()] == []


def test_the_template_is_kept_per_account_that_owns_its_files(monkeypatch):
    """A copy keeps its files' owner: a template made while postgres had another uid (a recreated
    account, a chroot sharing /dev/shm) must not be reused."""
    from dbharness.engines.base import ClusterRecipe
    from dbharness.engines.local import LocalEngine, OsUser
    from dbharness.engines.pgbin import find_binaries

    keys = []
    monkeypatch.setattr(cluster_cache, "get_or_build", lambda storage, key, build: keys.append(key))
    engine, recipe, bins = LocalEngine(), ClusterRecipe("recipe", lambda _s: None), find_binaries()
    for uid in (101, 102, 101):
        engine._base_cluster(bins, OsUser("postgres", uid, uid), recipe)
    assert keys[0] != keys[1] and keys[0] == keys[2]
