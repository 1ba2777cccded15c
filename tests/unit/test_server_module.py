"""The native modules' stamps: what each covers, and when an installed build counts as current."""

from __future__ import annotations

import hashlib
import re

import pytest

from dbharness.engines import pgbin
from dbharness.errors import PrerequisiteError
from dbharness.hosted import server_module
from dbharness.hosted.server_module import RULES, VECTOR

BUILD_PRODUCTS = re.compile(r"\.(o|so|bc)$")


def test_the_rules_modules_stamp_is_the_one_its_installed_builds_carry():
    """Unchanged by the second module: a rebuild of dbharness_rules is never needed for it."""
    digest = hashlib.sha256()
    for name in ("dbharness_rules.c", "Makefile"):
        digest.update((RULES.source_dir / name).read_bytes())
    assert server_module.source_key() == RULES.source_key() == digest.hexdigest()
    assert server_module.NAME == "dbharness_rules"


@pytest.mark.parametrize("module", server_module.MODULES, ids=lambda m: m.name)
def test_the_stamp_covers_every_source_file(module):
    files = {p.name for p in module.source_dir.iterdir() if p.is_file() and not BUILD_PRODUCTS.search(p.name)}
    assert set(module.sources) == files
    assert set(module.extension_files) <= files


def test_the_vector_control_file_names_the_script_it_installs():
    control = (VECTOR.source_dir / "vector.control").read_text()
    version = re.search(r"default_version = '([^']+)'", control).group(1)
    assert f"vector--{version}.sql" == server_module.VECTOR_SCRIPT
    assert "module_pathname = '$libdir/vector'" in control and "relocatable = true" in control


def test_a_build_is_current_only_with_its_library_its_stamp_and_its_extension_files(tmp_path):
    libdir, extdir = tmp_path / "lib", tmp_path / "ext"
    libdir.mkdir()
    extdir.mkdir()
    assert not VECTOR.current(libdir, extdir)
    VECTOR.library(libdir).write_bytes(b"\x7fELF")
    VECTOR.stamp(libdir).write_text("0" * 64 + "\n")
    assert not VECTOR.current(libdir)  # a stamp of other sources
    VECTOR.stamp(libdir).write_text(VECTOR.source_key() + "\n")
    assert VECTOR.current(libdir)
    assert not VECTOR.current(libdir, extdir)  # no control file, no script
    for path in VECTOR.extension_paths():
        (extdir / path.name).write_bytes(path.read_bytes())
    assert VECTOR.current(libdir, extdir)
    (extdir / server_module.VECTOR_SCRIPT).write_text("-- an older script\n")
    assert not VECTOR.current(libdir, extdir)


def test_the_engine_refuses_a_server_without_the_current_vector_build(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    libdir = pgbin.libdir(pgbin.PgBinaries(bindir, 15))
    libdir.mkdir()
    RULES.library(libdir).write_bytes(b"\x7fELF")
    RULES.stamp(libdir).write_text(RULES.source_key())
    with pytest.raises(PrerequisiteError, match="has no build of the harness's vector extension .offline pgvector."):
        pgbin.preload_settings(pgbin.PgBinaries(bindir, 15))
    VECTOR.library(libdir).write_bytes(b"\x7fELF")
    VECTOR.stamp(libdir).write_text("stale")
    with pytest.raises(PrerequisiteError, match="has an older build of the harness's vector extension.*"
                                                "dbharness setup"):
        pgbin.preload_settings(pgbin.PgBinaries(bindir, 15))
    VECTOR.stamp(libdir).write_text(VECTOR.source_key())
    assert pgbin.preload_settings(pgbin.PgBinaries(bindir, 15))["shared_preload_libraries"].startswith(
        "dbharness_rules")
