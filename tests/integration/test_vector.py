"""The offline vector extension (pgvector 0.8's interface): created as on the platform, its text
and binary forms, type modifiers and casts; the fixture project's verdict under pg_prove. Its
operators, functions and aggregates: test_vector_functions.py; its indexes and settings:
test_vector_index.py."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.adapt import Dumper

from dbharness import config
from dbharness.builder import database
from dbharness.hosted import compat
from dbharness.suite import pgtap
from tests.support import REPO
from tests.vector_support import one, refused, rolled_back, vector_database

FIXTURE = REPO / "tests" / "platform" / "vector"


@pytest.fixture(scope="module")
def vector_db(server):
    with vector_database(server, "vector_types") as db:
        yield db


@pytest.fixture
def conn(vector_db) -> Iterator[psycopg.Connection]:
    with rolled_back(vector_db) as c:
        yield c


def test_postgres_creates_it_in_extensions_and_public_tables_use_it(server):
    with database.scratch(server, "vector_create") as db:
        with psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
            compat.install(admin)
        with psycopg.connect(db.conninfo(), autocommit=True) as conn:
            assert one(conn, "select rolsuper from pg_roles where rolname = current_user") is False
            conn.execute("create extension if not exists vector with schema extensions")
            assert conn.execute("select extversion, extnamespace::regnamespace::text from pg_extension "
                                "where extname = 'vector'").fetchone() == ("0.8.0", "extensions")
            conn.execute("create table public.docs (a extensions.vector(1536), b vector(1536), c halfvec(4))")
            types = conn.execute("select format_type(atttypid, atttypmod) from pg_attribute "
                                 "where attrelid = 'public.docs'::regclass and attnum > 0 order by attnum").fetchall()
            assert types == [("vector(1536)",), ("vector(1536)",), ("halfvec(4)",)]
            conn.execute("drop table public.docs")
            conn.execute("drop extension vector")
            conn.execute("create extension vector")  # in public, as older projects did, then moved
            conn.execute("alter extension vector set schema extensions")
            assert one(conn, "select '[1,2]'::extensions.vector::text") == "[1,2]"


@pytest.mark.parametrize("text, shown", [
    ("[1,2,3]", "[1,2,3]"), (" [ 1.5 , -2e3 ,3 ] ", "[1.5,-2000,3]"), ("[0.1]", "[0.1]"),
    ("[1e-45]", "[1e-45]"), ("[-0]", "[-0]"), ("[3.4028235e38]", "[3.4028235e+38]"),
])
def test_text_input_and_output(conn, text, shown):
    assert one(conn, "select %s::vector::text", text) == shown
    # the shortest decimal that reads back the same float, as real's output writes it
    assert shown == "[" + one(conn, "select %s::vector::real[]::text", text)[1:-1] + "]"


@pytest.mark.parametrize("sql, sqlstate, message", [
    ("select '[]'::vector", "22000", "vector must have at least 1 dimension"),
    ("select '1,2'::vector", "22P02", 'invalid input syntax for type vector: "1,2"'),
    ("select '[1,2'::vector", "22P02", 'invalid input syntax for type vector: "[1,2"'),
    ("select '[1,,2]'::vector", "22P02", 'invalid input syntax for type vector: "[1,,2]"'),
    ("select '[1,2] x'::vector", "22P02", 'invalid input syntax for type vector: "[1,2] x"'),
    ("select '[1,nan]'::vector", "22000", "NaN not allowed in vector"),
    ("select '[1,inf]'::vector", "22000", "infinite value not allowed in vector"),
    ("select '[1e39]'::vector", "22003", '"1e39" is out of range for type vector'),
    ("select '[1,2]'::vector(3)", "22000", "expected 3 dimensions, not 2"),
    ("select '[1]'::vector(0)", "22023", "dimensions for type vector must be at least 1"),
    ("select '[1]'::vector(16001)", "22023", "dimensions for type vector cannot exceed 16000"),
    ("select '[1]'::vector(2, 3)", "22023", "invalid type modifier"),
    ("select ('[' || repeat('1,', 16000) || '1]')::vector", "54000",
     "vector cannot have more than 16000 dimensions"),
])
def test_input_is_checked_with_pgvectors_messages(conn, sql, sqlstate, message):
    error = refused(conn, sql)
    assert (error.sqlstate, error.diag.message_primary) == (sqlstate, message)


def test_dimensions_are_checked_on_insert_update_and_cast(conn):
    conn.execute("create table public.t (e vector(3))")
    conn.execute("insert into public.t values ('[1,2,3]'), (array[4,5,6]), ('{7,8,9}'::real[])")
    assert refused(conn, "insert into public.t values ('[1,2]')").diag.message_primary == \
        "expected 3 dimensions, not 2"
    assert refused(conn, "update public.t set e = '[1,2,3,4]'::vector").diag.message_primary == \
        "expected 3 dimensions, not 4"
    assert refused(conn, "insert into public.t values (array[1,2])").diag.message_primary == \
        "expected 3 dimensions, not 2"
    assert refused(conn, "select '[1,2,3]'::vector::vector(2)").diag.message_primary == \
        "expected 2 dimensions, not 3"
    assert one(conn, "select count(*) from public.t") == 3


# pgvector's casts and their contexts (a: assignment, i: implicit, e: explicit)
CASTS = {
    ("vector", "vector"): "i", ("vector", "real[]"): "i", ("integer[]", "vector"): "a",
    ("real[]", "vector"): "a", ("double precision[]", "vector"): "a", ("numeric[]", "vector"): "a",
    ("halfvec", "halfvec"): "i", ("halfvec", "vector"): "a", ("vector", "halfvec"): "i",
    ("halfvec", "real[]"): "a", ("integer[]", "halfvec"): "a", ("real[]", "halfvec"): "a",
    ("double precision[]", "halfvec"): "a", ("numeric[]", "halfvec"): "a",
    ("sparsevec", "sparsevec"): "i", ("sparsevec", "vector"): "a", ("vector", "sparsevec"): "i",
    ("sparsevec", "halfvec"): "a", ("halfvec", "sparsevec"): "i", ("integer[]", "sparsevec"): "a",
    ("real[]", "sparsevec"): "a", ("double precision[]", "sparsevec"): "a", ("numeric[]", "sparsevec"): "a",
}


def test_the_casts_are_pgvectors_with_its_contexts(conn):
    rows = conn.execute("select format_type(castsource, null), format_type(casttarget, null), castcontext "
                        "from pg_cast c join pg_depend d on d.classid = 'pg_cast'::regclass and d.objid = c.oid "
                        "join pg_extension e on e.oid = d.refobjid where e.extname = 'vector'").fetchall()
    assert {(s.removeprefix("extensions."), t.removeprefix("extensions.")): c for s, t, c in rows} == CASTS


@pytest.mark.parametrize("sql, expected", [
    ("select array[1,2,3]::vector::text", "[1,2,3]"),
    ("select array[1.5,2.25]::double precision[]::vector::text", "[1.5,2.25]"),
    ("select array[0.1,2]::numeric[]::vector::text", "[0.1,2]"),
    ("select '[1,2.5]'::vector::real[]::text", "{1,2.5}"),
    ("select '[1.5,2]'::vector::halfvec::text", "[1.5,2]"),
    ("select '[1,0,2]'::vector::sparsevec::text", "{1:1,3:2}/3"),
    ("select '{1:1,3:2}/4'::sparsevec::vector::text", "[1,0,2,0]"),
    ("select '{2:0.5}/3'::sparsevec::halfvec::text", "[0,0.5,0]"),
    ("select '[0,1.5]'::halfvec::sparsevec::text", "{2:1.5}/2"),
    ("select array[0,0,3]::sparsevec::text", "{3:3}/3"),
    ("select array[1,2]::halfvec(2)::text", "[1,2]"),
])
def test_casts_convert(conn, sql, expected):
    assert one(conn, sql) == expected


def test_a_vector_goes_where_real_array_is_wanted(conn):
    conn.execute("create function public.total(xs real[]) returns real language sql "
                 "as 'select sum(x) from unnest(xs) x'")
    assert one(conn, "select public.total('[1,2,3.5]'::vector)") == 6.5
    assert refused(conn, "select public.total('[1,2]'::halfvec)").sqlstate == "42883"  # assignment only


@pytest.mark.parametrize("sql, message", [
    ("select array[[1,2],[3,4]]::vector", "array must be 1-D"),
    ("select array[1,null]::vector", "array must not contain nulls"),
    ("select '{}'::real[]::vector", "vector must have at least 1 dimension"),
    ("select array['NaN']::numeric[]::vector", "NaN not allowed in vector"),
    ("select array[1,2]::vector(3)", "expected 3 dimensions, not 2"),
    ("select '[70000]'::vector::halfvec", "value out of range: overflow"),
    ("select array[1,2]::sparsevec(3)", "expected 3 dimensions, not 2"),
])
def test_casts_refuse(conn, sql, message):
    assert refused(conn, sql).diag.message_primary == message


class Raw:
    """Bytes sent as a parameter of a given type, in binary."""

    def __init__(self, data: bytes) -> None:
        self.data = data


def binary_dumper(oid: int) -> type[Dumper]:
    class RawDumper(Dumper):
        format = psycopg.pq.Format.BINARY

        def dump(self, obj: Raw) -> bytes:
            return obj.data

    RawDumper.oid = oid
    return RawDumper


@pytest.mark.parametrize("typ, text, wire", [
    ("vector", "[1,-2.5,3]", struct.pack(">hh3f", 3, 0, 1, -2.5, 3)),
    ("halfvec", "[1,-2.5]", struct.pack(">hh2e", 2, 0, 1, -2.5)),
    ("sparsevec", "{2:1.5,4:-1}/5", struct.pack(">iiiiiff", 5, 2, 0, 1, 3, 1.5, -1)),
])
def test_binary_send_and_receive_are_pgvectors(conn, typ, text, wire):
    assert one(conn, f"select {typ}_send(%s::{typ})", text) == wire
    oid = one(conn, "select %s::regtype::oid", f"extensions.{typ}")
    conn.adapters.register_dumper(Raw, binary_dumper(oid))
    assert one(conn, "select %b::text", Raw(wire)) == text


def test_binary_receive_checks_what_text_input_checks(conn):
    oid = one(conn, "select 'extensions.vector'::regtype::oid")
    conn.adapters.register_dumper(Raw, binary_dumper(oid))
    conn.execute("savepoint s")
    with pytest.raises(psycopg.Error, match="expected unused to be 0, not 1"):
        conn.execute("select %b::text", [Raw(struct.pack(">hhf", 1, 1, 1))])
    conn.execute("rollback to savepoint s")
    with pytest.raises(psycopg.Error, match="NaN not allowed in vector"):
        conn.execute("select %b::text", [Raw(struct.pack(">hhf", 1, 0, float("nan")))])


def test_the_fixture_projects_tests_get_the_verdict_pg_prove_gives(server):
    """tests/platform/vector's pgTAP files, on its migrated database: the harness and pg_prove agree."""
    exe = shutil.which("pg_prove")
    assert exe, "pg_prove is missing: apt-get install libtap-parser-sourcehandler-pgtap-perl"
    files = sorted((FIXTURE / "supabase" / "tests").rglob("*.sql"))
    with database.scratch(server, "vector_fixture", config.load(FIXTURE), database.EVERYTHING) as db:
        ours = {r.path: (r.passed, len(r.assertions)) for r in pgtap.run_files(db.conninfo(), files, 1, "30s")}
        for path in files:
            out = subprocess.run([exe, "--verbose", "-h", db.socket_dir or db.host, "-p", str(db.port),
                                  "-U", db.user, "-d", db.dbname, str(path)],
                                 capture_output=True, text=True, timeout=60)
            count = len(re.findall(r"^(?:not )?ok \d+", out.stdout, re.MULTILINE))
            assert (out.returncode == 0, count) == ours[str(path)] == (True, 9), out.stdout + out.stderr
