"""Discovery, naming, ordering and run mode of migration files, without a database."""

from pathlib import Path

import pytest

from dbharness.errors import ConfigError, MigrationError
from dbharness.sql.migrations import discover, pair_rollbacks, parse_name, select_range, skipped


def write(directory: Path, name: str, sql: str = "select 1;") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(sql)
    return path


def test_files_are_ordered_by_version_as_text(tmp_path):
    for name in ("20251112120100_b.sql", "20251101000000_a.sql", "20251112120000_c.sql"):
        write(tmp_path, name)
    write(tmp_path, "README.md", "not a migration")
    assert [f.stem for f in discover(tmp_path)] == [
        "20251101000000_a", "20251112120000_c", "20251112120100_b"]


def test_version_and_name_are_split_like_the_supabase_cli():
    mf = parse_name(Path("20251112120000_mt5_sync_logs.sql"))
    assert (mf.version, mf.name) == ("20251112120000", "mt5_sync_logs")


@pytest.mark.parametrize("name, version, recorded", [
    ("20250811015147_create projects.sql", "20250811015147", "create projects"),
    ("20250811015148_add.notes-v2.sql", "20250811015148", "add.notes-v2"),
    ("20250811015149_.sql", "20250811015149", ""),
    ("7_é ü.sql", "7", "é ü"),
])
def test_every_name_the_supabase_cli_applies_is_applied_with_the_name_it_records(tmp_path, name, version, recorded):
    write(tmp_path, name)
    assert [(f.version, f.name) for f in discover(tmp_path)] == [(version, recorded)]
    assert skipped(tmp_path) == []


@pytest.mark.parametrize("name", ["mt5_sync_logs.sql", "2025-11-12_x.sql", "123.sql",
                                  "20251112120000_x.SQL", "README.md"])
def test_files_that_will_not_run_are_skipped_with_a_warning_naming_them(tmp_path, name):
    write(tmp_path, "1_ok.sql")
    write(tmp_path, name)
    assert [f.name for f in discover(tmp_path)] == ["ok"]
    warnings = skipped(tmp_path)
    assert len(warnings) == 1 and warnings[0].startswith(f"warning: skipping {tmp_path / name}: not named")


def test_hidden_files_are_not_warned_about(tmp_path):
    write(tmp_path, ".gitkeep")
    assert skipped(tmp_path) == []


def test_duplicate_versions_are_refused(tmp_path):
    write(tmp_path, "1_a.sql")
    write(tmp_path, "1_b.sql")
    with pytest.raises(ConfigError, match="version 1 is used twice"):
        discover(tmp_path)


def test_missing_directory_means_no_migrations(tmp_path):
    assert discover(tmp_path / "nope") == []


def test_plain_file_is_transactional(tmp_path):
    mf = parse_name(write(tmp_path, "1_a.sql", "create table t (a int);\ncreate index i on t (a);"))
    assert mf.transactional is True


def test_concurrent_only_file_runs_outside_a_transaction(tmp_path):
    sql = "set lock_timeout = '5s';\ncreate index concurrently i on t (a);\ndrop index concurrently j;"
    assert parse_name(write(tmp_path, "1_a.sql", sql)).transactional is False


def test_a_file_mixing_concurrently_with_other_statements_is_sent_in_parts_as_the_cli_sends_it(tmp_path):
    sql = "create table t (a int);\n\ncreate index concurrently i on t (a);"
    mf = parse_name(write(tmp_path, "1_a.sql", sql))
    assert mf.transactional is False
    assert [(p.statements, p.batch, p.history) for p in mf.plan.parts] == [
        ((0,), True, False), ((1,), False, False), ((), True, True)]


def test_rollbacks_pair_by_version_and_report_gaps(tmp_path):
    ups = [parse_name(write(tmp_path / "m", n)) for n in ("1_a.sql", "2_b.sql", "3_c.sql")]
    write(tmp_path / "r", "1_a.sql")
    write(tmp_path / "r", "3_c.sql")
    write(tmp_path / "r", "4_orphan.sql")
    pairs = pair_rollbacks(ups, tmp_path / "r")
    assert [(u.version, d.version) for u, d in pairs.pairs] == [("1", "1"), ("3", "3")]
    assert [m.version for m in pairs.missing] == ["2"]
    assert [o.stem for o in pairs.orphans] == ["4_orphan"]


def test_rollback_none_marker_gives_its_reason(tmp_path):
    mf = parse_name(write(tmp_path, "1_a.sql", "-- rollback: none - baseline schema\nselect 1;"))
    assert mf.rollback_none_reason == "baseline schema"
    assert parse_name(write(tmp_path, "2_b.sql")).rollback_none_reason is None


def test_select_range_by_from_only_and_to(tmp_path):
    files = [parse_name(write(tmp_path, f"{v}_x{v}.sql")) for v in ("1", "2", "3")]
    assert [f.version for f in select_range(files, from_version="2")] == ["2", "3"]
    assert [f.version for f in select_range(files, only="2")] == ["2"]
    assert [f.version for f in select_range(files, to="2")] == ["1", "2"]
    with pytest.raises(ConfigError, match="--from 9: no migration has this version"):
        select_range(files, from_version="9")


def test_exact_words_of_discovery_and_naming(tmp_path):
    write(tmp_path / "d", "1_a.sql")
    (tmp_path / "d" / "sub").mkdir()
    write(tmp_path / "d", "x.sql")
    assert skipped(tmp_path / "d") == [
        f"warning: skipping {tmp_path / 'd' / 'sub'}: a directory, so neither the harness nor the Supabase CLI "
        "runs it (e.g. 20251112120000_add_table.sql)",
        f"warning: skipping {tmp_path / 'd' / 'x.sql'}: not named <version>_<name>.sql, so neither the harness "
        "nor the Supabase CLI runs it (e.g. 20251112120000_add_table.sql)"]
    assert skipped(tmp_path / "none") == []
    with pytest.raises(ConfigError) as err:
        parse_name(Path("notes.sql"))
    assert str(err.value) == ("notes.sql: migration files must be named <digits>_<name>.sql (for example "
                              "20251112120000_add_table.sql), as the Supabase CLI expects; rename it")
    write(tmp_path / "e", "1_b.sql")
    write(tmp_path / "e", "1_a.sql")
    with pytest.raises(ConfigError) as err:
        discover(tmp_path / "e")
    assert str(err.value) == "version 1 is used twice: 1_a.sql and 1_b.sql; give one of them a new version"


@pytest.mark.parametrize("sql, wrapped", [
    ("begin;\nselect 1;\ncommit;", True),
    ("begin;\ncommit;", True),
    ("start transaction;\nselect 1;\nend;", True),
    ("select 1;\nselect 2;", False),
    ("begin;\nselect 1;\ncommit;\nselect 2;", False),
    ("savepoint a;\nselect 1;\nrelease a;", False),
])
def test_the_body_is_every_statement_and_wrapped_says_whether_the_file_wraps_itself(tmp_path, sql, wrapped):
    mf = parse_name(write(tmp_path, "1_a.sql", sql))
    assert mf.body == mf.statements  # the file's own BEGIN and COMMIT run, as the CLI runs them
    assert mf.wrapped is wrapped  # lint shows squawk the file's own wrapper


@pytest.mark.parametrize("sql, line", [
    ("begin;\nselect 1;", 1),
    ("select 1;\nbegin;\nselect 2;\ncommit;\nbegin;\nselect 3;", 5),
    ("begin;\nselect 1;\ncommit and chain;\nselect 2;", 3),
])
def test_a_begin_never_committed_is_refused_with_its_line_before_anything_runs(tmp_path, sql, line):
    mf = parse_name(write(tmp_path, "1_a.sql", sql))
    with pytest.raises(MigrationError) as err:
        _ = mf.transactional
    first = mf.statements[[s.line for s in mf.statements].index(line)].first_line
    assert str(err.value) == (
        f"{mf.path}:{line}: {first} is never committed: the Supabase CLI would leave its transaction "
        "open, write the history row inside it, report success and lose this file (and every later one) "
        "when it disconnects. End the transaction with commit;")


@pytest.mark.parametrize("sql", ["select 1;\ncommit;", "commit;", "begin;\nselect 1;\nrollback;",
                                 "begin;\ncommit;\nbegin;\ncommit;", "begin;\nprepare transaction 'x';",
                                 "select 1;\nrollback;\nselect 2;"])
def test_transaction_control_part_way_is_sent_statement_by_statement(tmp_path, sql):
    mf = parse_name(write(tmp_path, "1_a.sql", sql))
    assert mf.plan.way == "each" and mf.transactional is False
    assert [p.statements for p in mf.plan.parts] == [(i,) for i in range(len(mf.statements))] + [()]


def test_orphans_are_sorted_by_version_and_range_messages_list_known_versions(tmp_path):
    for name in ("9_z.sql", "10_y.sql", "5_x.sql"):
        write(tmp_path / "r", name)
    assert [o.version for o in pair_rollbacks([], tmp_path / "r").orphans] == ["10", "5", "9"]
    files = [parse_name(write(tmp_path / "m", f"{v}_x{v}.sql")) for v in ("2", "1")]
    for label, kwargs in (("--from", {"from_version": "7"}), ("--only", {"only": "7"}), ("--to", {"to": "7"})):
        with pytest.raises(ConfigError) as err:
            select_range(files, **kwargs)
        assert str(err.value) == f"{label} 7: no migration has this version; known versions: 1, 2"
    with pytest.raises(ConfigError) as err:
        select_range([], only="7")
    assert str(err.value) == "--only 7: no migration has this version; known versions: none"
    assert [f.version for f in select_range(files, from_version="1", to="1")] == ["1"]
    assert select_range(files) == files


def test_rollback_none_without_a_reason_and_stems(tmp_path):
    mf = parse_name(write(tmp_path, "1_a.sql", "-- Rollback: None\nselect 1;"))
    assert mf.rollback_none_reason == "(no reason given)" and mf.stem == "1_a"
    assert parse_name(write(tmp_path, "2_b.sql", "-- rollback: none: kept forever\n")).rollback_none_reason == \
        "kept forever"
