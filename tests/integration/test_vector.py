"""The offline vector extension (pgvector 0.8's interface): created as on the platform, its types,
type modifiers, casts, operators, functions and aggregates, checked against values computed here
(tests/vector_reference.py). Its indexes and settings: test_vector_index.py."""

from __future__ import annotations

import random
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
from tests import vector_reference as ref
from tests.support import REPO

FIXTURE = REPO / "tests" / "platform" / "vector"


@pytest.fixture(scope="module")
def vector_db(server):
    """A database whose migrations (as postgres, not a superuser) created vector in extensions."""
    with database.scratch(server, "vector_types") as db:
        with psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
            compat.install(admin)
        with psycopg.connect(db.conninfo(), autocommit=True) as conn:
            conn.execute("create extension vector with schema extensions")
        yield db


@pytest.fixture
def conn(vector_db) -> Iterator[psycopg.Connection]:
    """postgres's connection; whatever a test does is rolled back."""
    with psycopg.connect(vector_db.conninfo()) as c:
        yield c
        c.rollback()


def one(conn: psycopg.Connection, sql: str, *params):
    return conn.execute(sql, params or None).fetchone()[0]


def refused(conn: psycopg.Connection, sql: str) -> psycopg.Error:
    """The error of a statement that must fail (the transaction goes on after it)."""
    conn.execute("savepoint s")
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(sql)
    conn.execute("rollback to savepoint s")
    return caught.value


def vectors(n: int, dim: int, seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    return [[ref.f32(rng.uniform(-2, 2)) for _ in range(dim)] for _ in range(n)]


def pairs(n: int, dim: int, seed: int) -> list[tuple[list[float], list[float]]]:
    vs = vectors(2 * n, dim, seed)
    return list(zip(vs[::2], vs[1::2], strict=True))


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


DISTANCES = [  # (operator, function, reference)
    ("<->", "l2_distance", ref.l2), ("<+>", "l1_distance", ref.l1), ("<=>", "cosine_distance", ref.cosine),
]


@pytest.mark.parametrize("typ", ["vector", "halfvec", "sparsevec"])
def test_distances_are_those_computed_here(conn, typ):
    rounding = ref.f16 if typ == "halfvec" else ref.f32
    cases = [[[rounding(x) for x in v] for v in pair] for pair in pairs(10, 7, 1)]
    cases.append([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])  # sparse: no index in common
    text = ref.sparse_literal if typ == "sparsevec" else ref.literal
    for a, b in cases:
        for op, fn, expected in DISTANCES:
            by_op, by_fn = conn.execute(f"select %s::{typ} {op} %s::{typ}, {fn}(%s::{typ}, %s::{typ})",
                                        [text(a), text(b)] * 2).fetchone()
            assert by_op == by_fn == expected(a, b), (fn, a, b)
        inner, negative = conn.execute(f"select inner_product(%s::{typ}, %s::{typ}), %s::{typ} <#> %s::{typ}",
                                       [text(a), text(b)] * 2).fetchone()
        assert inner == -negative == ref.dot(a, b)


def test_cosine_distance_of_a_zero_vector_is_nan(conn):
    assert one(conn, "select ('[0,0]'::vector <=> '[1,1]')::text") == "NaN"


@pytest.mark.parametrize("typ, other", [("vector", "halfvec"), ("halfvec", "vector"), ("sparsevec", "vector")])
def test_different_dimensions_are_refused(conn, typ, other):
    a, b = ("{1:1}/2", "{1:1}/3") if typ == "sparsevec" else ("[1,2]", "[1,2,3]")
    assert refused(conn, f"select '{a}'::{typ} <-> '{b}'::{typ}").diag.message_primary == \
        f"different {typ} dimensions 2 and 3"


def test_arithmetic(conn):
    for a, b in pairs(5, 5, 2):
        got = conn.execute("select (%s::vector + %s)::real[]::float8[], (%s::vector - %s)::real[]::float8[], "
                           "(%s::vector * %s)::real[]::float8[], (%s::vector || %s)::real[]::float8[]",
                           [ref.literal(a), ref.literal(b)] * 4).fetchone()
        assert list(got) == [[ref.f32(x + y) for x, y in zip(a, b, strict=True)], [ref.f32(x - y) for x, y in zip(a, b, strict=True)],
                             [ref.f32(x * y) for x, y in zip(a, b, strict=True)], a + b]
    assert one(conn, "select ('[1,2]'::halfvec + '[0.5,0.25]')::text") == "[1.5,2.25]"


@pytest.mark.parametrize("sql, message", [
    ("select '[3e38]'::vector + '[3e38]'", "value out of range: overflow"),
    ("select '[-3e38]'::vector - '[3e38]'", "value out of range: overflow"),
    ("select '[1e-30]'::vector * '[1e-30]'", "value out of range: underflow"),
    ("select '[60000]'::halfvec + '[60000]'", "value out of range: overflow"),
    ("select ('[' || repeat('1,', 8000) || '1]')::vector || ('[' || repeat('1,', 8000) || '1]')::vector",
     "vector cannot have more than 16000 dimensions"),
])
def test_arithmetic_refuses_what_does_not_fit(conn, sql, message):
    assert refused(conn, sql).diag.message_primary == message


@pytest.mark.parametrize("typ", ["vector", "halfvec", "sparsevec"])
def test_comparisons_and_btree_order_as_arrays_do(conn, typ):
    values = [[1.0, 2.0], [1.0, 2.0, 0.0], [0.0, 5.0], [1.0, -1.0], [1.0, 2.0, -1.0], [-3.0]]
    text = ref.sparse_literal if typ == "sparsevec" else ref.literal
    conn.execute(f"create table public.c (id int, e {typ})")
    conn.execute("insert into public.c select i, v::" + typ + " from unnest(%s::text[]) with ordinality u(v, i)",
                 [[text(v) for v in values]])
    conn.execute("create index on public.c (e)")
    conn.execute("set local enable_seqscan = off")
    assert "Index" in "".join(r[0] for r in conn.execute("explain select * from public.c where e = %s::"
                                                         + typ, [text([0.0, 5.0])]))
    order = [r[0] for r in conn.execute("select id from public.c order by e")]
    assert order == [values.index(v) + 1 for v in sorted(values, key=tuple)]
    assert conn.execute(f"select %s::{typ} < %s, %s::{typ} = %s, %s::{typ} <> %s",
                        [text([1.0, 2.0]), text([1.0, 3.0]), text([1.0]), text([1.0]),
                         text([1.0]), text([2.0])]).fetchone() == (True, True, True)


def test_avg_and_sum(conn):
    rows = vectors(9, 4, 3)
    conn.execute("create table public.a (id int, e vector(4), h halfvec(4))")
    for i, v in enumerate(rows):
        conn.execute("insert into public.a values (%s, %s, %s)", [i, ref.literal(v), ref.literal(v)])
    got_avg, got_sum = conn.execute("select avg(e)::real[]::float8[], sum(e order by id)::real[]::float8[] "
                                     "from public.a").fetchone()
    assert got_avg == [ref.f32(sum(col) / len(rows)) for col in zip(*rows, strict=True)]
    expected_sum = [0.0] * 4
    for v in rows:
        expected_sum = [ref.f32(s + x) for s, x in zip(expected_sum, v, strict=True)]
    assert got_sum == expected_sum
    assert one(conn, "select avg(h)::real[]::float8[] from public.a where id < 2") == [
        ref.f16(ref.f32((ref.f16(x) + ref.f16(y)) / 2)) for x, y in zip(rows[0], rows[1], strict=True)]
    assert one(conn, "select avg(e) from public.a where false") is None
    assert refused(conn, "select avg(v) from (values ('[1,2]'::vector), ('[1,2,3]')) t(v)").diag.message_primary == \
        "expected 2 dimensions, not 3"


@pytest.mark.parametrize("start, count, expected", [
    (1, 3, [1, 2, 3]), (2, 3, [2, 3, 4]), (4, 10, [4, 5]), (0, 3, [1, 2]), (-5, 7, [1]),
])
def test_subvector_counts_like_substring(conn, start, count, expected):
    assert one(conn, "select subvector('[1,2,3,4,5]'::vector, %s, %s)::real[]", start, count) == expected
    assert one(conn, "select subvector('[1,2,3,4,5]'::halfvec, %s, %s)::real[]", start, count) == expected


@pytest.mark.parametrize("start, count", [(1, 0), (6, 1), (-5, 5)])
def test_subvector_must_keep_an_element(conn, start, count):
    assert refused(conn, f"select subvector('[1,2,3,4,5]'::vector, {start}, {count})").diag.message_primary == \
        "vector must have at least 1 dimension"


def test_norms_normalization_dims_and_quantization(conn):
    for v in vectors(5, 9, 4):
        text = ref.literal(v)
        got = conn.execute("select vector_dims(%s::vector), vector_norm(%s::vector), l2_normalize(%s::vector)::real[]::float8[], "
                           "binary_quantize(%s::vector)::text, l2_norm(%s::sparsevec)",
                           [text, text, text, text, ref.sparse_literal(v)]).fetchone()
        assert got == (9, ref.norm(v), ref.normalize(v), ref.quantize(v), ref.norm(v))
    assert one(conn, "select l2_normalize('[0,0]'::vector)::text") == "[0,0]"
    assert one(conn, "select l2_normalize('{1:3,2:4}/3'::sparsevec)::text") == "{1:0.6,2:0.8}/3"
    assert one(conn, "select l2_norm('[3,4]'::halfvec)") == 5
    assert one(conn, "select vector_dims('[1,2,3]'::halfvec)") == 3
    assert one(conn, "select binary_quantize('[1,-1,0.5]'::halfvec)::text") == "101"


@pytest.mark.parametrize("text, shown", [
    ("[1.1, 2]", "[1.0996094,2]"), ("[65504]", "[65504]"), ("[0.00001]", "[1.001358e-05]"),
])
def test_halfvec_rounds_to_half_precision(conn, text, shown):
    got = one(conn, "select %s::halfvec::real[]::float8[]", text)
    assert got == [ref.f16(float(x)) for x in text.strip("[]").split(",")]
    assert one(conn, "select %s::halfvec::text", text) == shown


@pytest.mark.parametrize("sql, message", [
    ("select '[65520]'::halfvec", '"65520" is out of range for type halfvec'),
    ("select '[]'::halfvec", "halfvec must have at least 1 dimension"),
    ("select '[1]'::halfvec(16001)", "dimensions for type halfvec cannot exceed 16000"),
    ("select '{1:1}/0'::sparsevec", "sparsevec must have at least 1 dimension"),
    ("select '{4:1}/3'::sparsevec", "sparsevec index out of bounds"),
    ("select '{0:1}/3'::sparsevec", "sparsevec index out of bounds"),
    ("select '{1:1,1:2}/3'::sparsevec", "sparsevec indices must not contain duplicates"),
    ("select '[1:1]/3'::sparsevec", 'invalid input syntax for type sparsevec: "[1:1]/3"'),
    ("select '{1:1}'::sparsevec", 'invalid input syntax for type sparsevec: "{1:1}"'),
    ("select '{1:nan}/2'::sparsevec", "NaN not allowed in sparsevec"),
    ("select '{1:1}/2'::sparsevec(3)", "expected 3 dimensions, not 2"),
    ("select '{1:1}/1'::sparsevec(1000000001)", "dimensions for type sparsevec cannot exceed 1000000000"),
])
def test_halfvec_and_sparsevec_input_is_checked(conn, sql, message):
    assert refused(conn, sql).diag.message_primary == message


def test_sparsevec_text_form(conn):
    assert one(conn, "select ' { 3:2 , 1:1.5, 2:0 } / 5 '::sparsevec::text") == "{1:1.5,3:2}/5"
    assert one(conn, "select '{}/3'::sparsevec::text") == "{}/3"


def test_bit_distances(conn):
    rng = random.Random(5)
    for _ in range(10):
        a, b = ("".join(rng.choice("01") for _ in range(70)) for _ in range(2))
        got = conn.execute("select hamming_distance(%s::bit(70), %s::bit(70)), %s::bit(70) <~> %s::bit(70), "
                           "jaccard_distance(%s::bit(70), %s::bit(70)), %s::bit(70) <%%> %s::bit(70)",
                           [a, b] * 4).fetchone()
        assert got == (ref.hamming(a, b),) * 2 + (ref.jaccard(a, b),) * 2
    assert one(conn, "select jaccard_distance('000'::bit(3), '000')") == 1
    assert refused(conn, "select hamming_distance('101'::bit(3), '1'::bit(1))").diag.message_primary == \
        "different bit lengths 3 and 1"


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
