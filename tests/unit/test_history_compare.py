"""Did a file change since an environment got it: rows of the CLI, of this harness and of its
older versions compare by what PostgreSQL would execute."""

from dbharness.builder.history import same_statements, statements_of
from dbharness.sql.migrations import MigrationFile


def test_rows_of_either_tool_match_and_edits_do_not(tmp_path):
    path = tmp_path / "1_a.sql"
    path.write_text("-- what and why\ncreate table public.a (id int default 0);\n\n-- an index\n"
                    "create index a_id on public.a (id);\n")
    mf = MigrationFile("1", "a", path)
    cli_row = ["-- what and why\ncreate table public.a (id int default 0)", "-- an index\ncreate index a_id on public.a (id)"]
    old_harness_row = ["create table public.a (id int default 0)", "create index a_id on public.a (id)"]
    assert statements_of(mf) == cli_row
    assert same_statements(cli_row, mf) and same_statements(old_harness_row, mf)
    assert same_statements(None, mf) and same_statements([], mf)  # `migration repair` records none
    assert not same_statements(["create table public.a (id int default 1)", old_harness_row[1]], mf)
    assert not same_statements(old_harness_row[:1], mf)
