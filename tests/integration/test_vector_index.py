"""The offline vector extension's hnsw and ivfflat indexes and pgvector's settings: every operator
class builds, a nearest-neighbour query through the index gives what a sequential scan gives (and
what is computed here), DML and VACUUM keep it so, storage options and settings are validated."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator

import psycopg
import pytest

from tests import vector_reference as ref
from tests.vector_support import refused, rolled_back, vector_database

_names = itertools.count()


@pytest.fixture(scope="module")
def vector_db(server):
    with vector_database(server, "vector_index") as db:
        yield db


@pytest.fixture
def conn(vector_db) -> Iterator[psycopg.Connection]:
    with rolled_back(vector_db) as c:
        yield c


@pytest.fixture
def auto(vector_db) -> Iterator[psycopg.Connection]:
    """An autocommit connection (VACUUM, CREATE INDEX CONCURRENTLY); its tables are dropped after."""
    with psycopg.connect(vector_db.conninfo(), autocommit=True) as c:
        yield c
        for (name,) in c.execute("select tablename from pg_tables where schemaname = 'public' "
                                 "and tablename like 'dml%'").fetchall():
            c.execute(f"drop table public.{name}")


def dense(rng: random.Random, dim: int, rounding: Callable[[float], float]) -> list[float]:
    return [rounding(rng.uniform(-1, 1)) for _ in range(dim)]


def sparse(rng: random.Random, dim: int) -> list[float]:
    return [ref.f32(rng.uniform(-1, 1)) if rng.random() < 0.4 else 0.0 for _ in range(dim)]


def bits(rng: random.Random, dim: int) -> str:
    return "".join(rng.choice("01") for _ in range(dim))


# (type, its values and text form, operator -> distance computed here)
TYPES = {
    "vector": (lambda rng: dense(rng, 8, ref.f32), ref.literal),
    "halfvec": (lambda rng: dense(rng, 8, ref.f16), ref.literal),
    "sparsevec": (lambda rng: sparse(rng, 8), ref.sparse_literal),
    "bit": (lambda rng: bits(rng, 16), str),
}
DISTANCE = {"<->": ref.l2, "<#>": lambda a, b: -ref.dot(a, b), "<=>": ref.cosine, "<+>": ref.l1,
            "<~>": ref.hamming, "<%>": ref.jaccard}
OPCLASSES = [
    ("hnsw", "vector", "vector_l2_ops", "<->"), ("hnsw", "vector", "vector_ip_ops", "<#>"),
    ("hnsw", "vector", "vector_cosine_ops", "<=>"), ("hnsw", "vector", "vector_l1_ops", "<+>"),
    ("ivfflat", "vector", "vector_l2_ops", "<->"), ("ivfflat", "vector", "vector_ip_ops", "<#>"),
    ("ivfflat", "vector", "vector_cosine_ops", "<=>"),
    ("hnsw", "halfvec", "halfvec_l2_ops", "<->"), ("hnsw", "halfvec", "halfvec_ip_ops", "<#>"),
    ("hnsw", "halfvec", "halfvec_cosine_ops", "<=>"), ("hnsw", "halfvec", "halfvec_l1_ops", "<+>"),
    ("ivfflat", "halfvec", "halfvec_l2_ops", "<->"), ("ivfflat", "halfvec", "halfvec_ip_ops", "<#>"),
    ("ivfflat", "halfvec", "halfvec_cosine_ops", "<=>"),
    ("hnsw", "sparsevec", "sparsevec_l2_ops", "<->"), ("hnsw", "sparsevec", "sparsevec_ip_ops", "<#>"),
    ("hnsw", "sparsevec", "sparsevec_cosine_ops", "<=>"), ("hnsw", "sparsevec", "sparsevec_l1_ops", "<+>"),
    ("hnsw", "bit", "bit_hamming_ops", "<~>"), ("hnsw", "bit", "bit_jaccard_ops", "<%>"),
    ("ivfflat", "bit", "bit_hamming_ops", "<~>"),
]
TYPMOD = {"vector": 8, "halfvec": 8, "sparsevec": 8, "bit": 16}


def cast(typ: str) -> str:
    """What a value is cast to: a bare bit is bit(1)."""
    return f"bit({TYPMOD['bit']})" if typ == "bit" else typ


def fill(conn: psycopg.Connection, table: str, typ: str, n: int, seed: int) -> dict[int, object]:
    """A table of n rows with random values (and one NULL); returns the values by id."""
    make, text = TYPES[typ]
    rng = random.Random(seed)
    values = {i: make(rng) for i in range(1, n + 1)}
    conn.execute(f"create table public.{table} (id int primary key, e {typ}({TYPMOD[typ]}))")
    with conn.cursor() as cur:
        cur.executemany(f"insert into public.{table} values (%s, %s::{cast(typ)})",
                        [(i, text(v)) for i, v in values.items()])
    conn.execute(f"insert into public.{table} values (0, null)")
    return values


def nearest(conn: psycopg.Connection, table: str, typ: str, op: str, query: str, limit: int,
            through_index: bool) -> list[tuple[int, float]]:
    """(id, distance) of a nearest-neighbour query, through the index or by a sequential scan."""
    conn.execute(f"set local enable_seqscan = {'off' if through_index else 'on'}")
    conn.execute(f"set local enable_indexscan = {'on' if through_index else 'off'}")
    op = op.replace("%", "%%")
    sql = (f"select id, e {op} %s::{cast(typ)} from public.{table} "
           f"order by e {op} %s::{cast(typ)} limit {limit}")
    plan = "\n".join(r[0] for r in conn.execute("explain " + sql, [query, query]))
    assert (f"Index Scan using {table}_e_idx" in plan) == through_index, plan
    return [tuple(r) for r in conn.execute(sql, [query, query])]


def computed(values: dict[int, object], op: str, query: object, limit: int) -> list[tuple[int, float]]:
    return sorted(((i, DISTANCE[op](v, query)) for i, v in values.items()), key=lambda r: (r[1], r[0]))[:limit]


def same_answer(got: list[tuple[int, float]], expected: list[tuple[int, float]], values: dict[int, object],
                op: str, query: object) -> None:
    """The same rows, nearest first; where distances tie (bit's are integers), any of the tied rows."""
    assert [d for _, d in got] == [d for _, d in expected]
    assert all(DISTANCE[op](values[i], query) == d for i, d in got)
    if len({d for _, d in expected}) == len(expected):
        assert got == expected


@pytest.mark.parametrize("am, typ, opclass, op", OPCLASSES, ids=[f"{a}-{c}" for a, _, c, _ in OPCLASSES])
def test_each_operator_class_answers_as_a_sequential_scan_does(conn, am, typ, opclass, op):
    table = f"nn{next(_names)}"
    values = fill(conn, table, typ, 120, seed=len(table))
    conn.execute(f"create index {table}_e_idx on public.{table} using {am} (e {opclass})")
    make, text = TYPES[typ]
    rng = random.Random(7)
    for _ in range(3):
        query = make(rng)
        expected = computed(values, op, query, 10)
        for through_index in (True, False):
            same_answer(nearest(conn, table, typ, op, text(query), 10, through_index), expected, values, op, query)


def test_hnsw_returns_at_most_ef_search_rows_unless_the_scan_is_iterative(conn):
    fill(conn, "cap", "vector", 100, seed=1)
    conn.execute("create index cap_e_idx on public.cap using hnsw (e vector_l2_ops)")
    conn.execute("create index cap_ivf_idx on public.cap using ivfflat (e vector_l2_ops) with (lists = 4)")
    query = ref.literal([0.5] * 8)
    count = "select count(*) from (select id from public.cap order by e <-> %s::vector limit 60) s"
    conn.execute("set local enable_seqscan = off")
    conn.execute("drop index public.cap_ivf_idx")
    assert conn.execute(count, [query]).fetchone()[0] == 40  # hnsw.ef_search's default, as pgvector
    conn.execute("set local hnsw.ef_search = 55")
    assert conn.execute(count, [query]).fetchone()[0] == 55
    conn.execute("set local hnsw.iterative_scan = strict_order")
    assert conn.execute(count, [query]).fetchone()[0] == 60
    conn.execute("drop index public.cap_e_idx")
    conn.execute("create index cap_ivf_idx on public.cap using ivfflat (e vector_l2_ops) with (lists = 4)")
    assert conn.execute(count, [query]).fetchone()[0] == 60  # every list is read, whatever probes says


def test_null_and_zero_vectors_are_not_indexed_for_cosine_as_on_the_platform(conn):
    conn.execute("create table public.z (id int, e vector(2))")
    conn.execute("insert into public.z values (1, '[1,0]'), (2, '[0,0]'), (3, null), (4, '[0,1]')")
    conn.execute("create index z_cos on public.z using hnsw (e vector_cosine_ops)")
    conn.execute("set local enable_seqscan = off")
    assert [r[0] for r in conn.execute("select id from public.z order by e <=> '[1,0.1]' limit 5")] == [1, 4]
    conn.execute("drop index public.z_cos")
    conn.execute("create index z_l2 on public.z using hnsw (e vector_l2_ops)")
    assert [r[0] for r in conn.execute("select id from public.z order by e <-> '[1,0.1]' limit 5")] == [1, 2, 4]


def test_inserts_updates_deletes_and_vacuum_keep_the_index_right(auto):
    values = fill(auto, "dml", "vector", 300, seed=3)
    auto.execute("create index dml_e_idx on public.dml using hnsw (e vector_cosine_ops)")
    rng = random.Random(4)
    for i in range(1, 101):
        auto.execute("delete from public.dml where id = %s", [i])
        del values[i]
    for i in range(101, 151):
        values[i] = dense(rng, 8, ref.f32)
        auto.execute("update public.dml set e = %s::vector where id = %s", [ref.literal(values[i]), i])
    for i in range(301, 351):
        values[i] = dense(rng, 8, ref.f32)
        auto.execute("insert into public.dml values (%s, %s::vector)", [i, ref.literal(values[i])])

    def agrees() -> None:
        for _ in range(3):
            query = dense(rng, 8, ref.f32)
            expected = computed(values, "<=>", query, 15)
            with auto.transaction():
                for through_index in (True, False):
                    assert nearest(auto, "dml", "vector", "<=>", ref.literal(query), 15, through_index) == expected

    agrees()
    size = auto.execute("select pg_relation_size('public.dml_e_idx')").fetchone()[0]
    auto.execute("vacuum public.dml")
    agrees()
    for i in range(351, 451):  # VACUUM's freed space is used again
        values[i] = dense(rng, 8, ref.f32)
        auto.execute("insert into public.dml values (%s, %s::vector)", [i, ref.literal(values[i])])
    assert auto.execute("select pg_relation_size('public.dml_e_idx')").fetchone()[0] <= size
    agrees()
    auto.execute("reindex index public.dml_e_idx")
    agrees()
    auto.execute("drop index public.dml_e_idx")
    auto.execute("create index concurrently dml_e_idx on public.dml using hnsw (e vector_cosine_ops)")
    agrees()


def test_an_unlogged_table_and_truncate(conn):
    conn.execute("create unlogged table public.u (id int, e vector(2))")
    conn.execute("create index u_e_idx on public.u using hnsw (e vector_l2_ops)")
    conn.execute("insert into public.u values (1, '[1,1]'), (2, '[5,5]')")
    conn.execute("truncate public.u")
    conn.execute("insert into public.u values (3, '[2,2]')")
    conn.execute("set local enable_seqscan = off")
    assert conn.execute("select array_agg(id) from (select id from public.u order by e <-> '[0,0]' limit 3) s"
                        ).fetchone()[0] == [3]


def test_the_largest_vectors_an_index_takes(conn):
    conn.execute("create table public.big (id int, v vector(2000), h halfvec(4000), b bit(64000))")
    conn.execute("insert into public.big select i, array_fill(i::real, array[2000]), "
                 "array_fill(i::real, array[4000]), repeat(i::text, 64000)::bit(64000) from generate_series(0, 1) i")
    for column, opclass in (("v", "vector_l2_ops"), ("h", "halfvec_l2_ops"), ("b", "bit_hamming_ops")):
        conn.execute(f"create index on public.big using hnsw ({column} {opclass})")
    conn.execute("set local enable_seqscan = off")
    assert conn.execute("select id from public.big order by v <-> array_fill(1::real, array[2000])::vector "
                        "limit 1").fetchone()[0] == 1


@pytest.mark.parametrize("sql, message", [
    ("create index on public.o using hnsw (e vector_l2_ops) with (m = 1)", 'value 1 out of bounds for option "m"'),
    ("create index on public.o using hnsw (e vector_l2_ops) with (m = 101)", 'value 101 out of bounds for option "m"'),
    ("create index on public.o using hnsw (e vector_l2_ops) with (ef_construction = 3)",
     'value 3 out of bounds for option "ef_construction"'),
    ("create index on public.o using hnsw (e vector_l2_ops) with (ef_construction = 1001)",
     'value 1001 out of bounds for option "ef_construction"'),
    ("create index on public.o using hnsw (e vector_l2_ops) with (m = 40, ef_construction = 64)",
     "ef_construction must be greater than or equal to 2 * m"),
    ("create index on public.o using hnsw (e vector_l2_ops) with (lists = 10)", 'unrecognized parameter "lists"'),
    ("create index on public.o using ivfflat (e vector_l2_ops) with (lists = 0)",
     'value 0 out of bounds for option "lists"'),
    ("create index on public.o using ivfflat (e vector_l2_ops) with (lists = 32769)",
     'value 32769 out of bounds for option "lists"'),
    ("create index on public.o using ivfflat (e vector_l2_ops) with (m = 16)", 'unrecognized parameter "m"'),
    ("create index on public.o using hnsw (e)", 'data type vector has no default operator class for access method "hnsw"'),
    ("create index on public.o using hnsw (n vector_l2_ops)", "column does not have dimensions"),
    ("create index on public.o using hnsw (w vector_l2_ops)", "column cannot have more than 2000 dimensions for hnsw index"),
    ("create index on public.o using ivfflat (w vector_l2_ops)",
     "column cannot have more than 2000 dimensions for ivfflat index"),
    ("create index on public.o using hnsw (h halfvec_l2_ops)", "column cannot have more than 4000 dimensions for hnsw index"),
    ("create index on public.o using ivfflat (one vector_cosine_ops)", "dimensions must be greater than one for this opclass"),
    ("create index on public.o using hnsw (vb bit_hamming_ops)", "type not supported for hnsw index"),
])
def test_index_options_and_columns_are_checked(conn, sql, message):
    conn.execute("create table public.o (e vector(3), n vector, w vector(2001), h halfvec(4001), one vector(1), "
                 "vb varbit(8))")
    assert refused(conn, sql).diag.message_primary == message


def test_the_ivfflat_default_operator_class_and_accepted_options(conn):
    conn.execute("create table public.d (e vector(3), s sparsevec(5))")
    conn.execute("create index on public.d using ivfflat (e) with (lists = 1)")
    conn.execute("create index on public.d using hnsw (e vector_l2_ops) with (m = 2, ef_construction = 4)")
    conn.execute("create index on public.d using hnsw (s sparsevec_l2_ops)")
    conn.execute("insert into public.d (s) values ('{1:1,5:2}/5')")
    assert conn.execute("select count(*) from public.d").fetchone()[0] == 1


def test_a_sparsevec_with_too_many_elements_for_hnsw_is_refused(conn):
    conn.execute("create table public.sp (s sparsevec(2000))")
    conn.execute("create index on public.sp using hnsw (s sparsevec_l2_ops)")
    error = refused(conn, "insert into public.sp select array_fill(1::real, array[2000])::sparsevec")
    assert error.diag.message_primary == "sparsevec cannot have more than 1000 non-zero elements for hnsw index"


SETTINGS = [  # (name, default, a valid value, a refused value, the refusal)
    ("hnsw.ef_search", "40", "100", "0", '0 is outside the valid range for parameter "hnsw.ef_search" (1 .. 1000)'),
    ("hnsw.iterative_scan", "off", "relaxed_order", "on_demand",
     'invalid value for parameter "hnsw.iterative_scan": "on_demand"'),
    ("hnsw.max_scan_tuples", "20000", "5000", "0",
     '0 is outside the valid range for parameter "hnsw.max_scan_tuples" (1 .. 2147483647)'),
    ("hnsw.scan_mem_multiplier", "1", "2", "0.5",
     '0.5 is outside the valid range for parameter "hnsw.scan_mem_multiplier" (1 .. 1000)'),
    ("ivfflat.probes", "1", "10", "32769",
     '32769 is outside the valid range for parameter "ivfflat.probes" (1 .. 32768)'),
    ("ivfflat.iterative_scan", "off", "relaxed_order", "strict_order",
     'invalid value for parameter "ivfflat.iterative_scan": "strict_order"'),
    ("ivfflat.max_probes", "32768", "50", "0",
     '0 is outside the valid range for parameter "ivfflat.max_probes" (1 .. 32768)'),
]


@pytest.mark.parametrize("name, default, good, bad, refusal", SETTINGS, ids=[s[0] for s in SETTINGS])
def test_settings_show_set_and_refuse_as_pgvectors(conn, name, default, good, bad, refusal):
    assert conn.execute(f"show {name}").fetchone()[0] == default
    conn.execute(f"set local {name} = {good}")
    assert conn.execute(f"show {name}").fetchone()[0] == good
    error = refused(conn, f"set local {name} = {bad}")
    assert (error.sqlstate, error.diag.message_primary) == ("22023", refusal)


def test_the_setting_prefixes_are_reserved(conn):
    assert refused(conn, "set hnsw.ef_serch = 10").diag.message_primary == 'invalid configuration parameter name "hnsw.ef_serch"'


@pytest.mark.parametrize("expression, opclass, order", [
    ("(e::halfvec(8))", "halfvec_l2_ops", "e::halfvec(8) <-> %s::halfvec"),
    ("(binary_quantize(e)::bit(8))", "bit_hamming_ops", "binary_quantize(e)::bit(8) <~> binary_quantize(%s::vector)"),
    ("(subvector(e, 1, 3)::vector(3))", "vector_cosine_ops", "subvector(e, 1, 3)::vector(3) <=> subvector(%s::vector, 1, 3)"),
], ids=["halfvec", "binary-quantize", "subvector"])
def test_expression_indexes_as_pgvectors_guide_writes_them(conn, expression, opclass, order):
    fill(conn, "ex", "vector", 120, seed=9)
    conn.execute(f"create index ex_expr on public.ex using hnsw ({expression} {opclass})")
    query = ref.literal(dense(random.Random(10), 8, ref.f32))
    sql = f"select {order}, id from public.ex order by {order} limit 10"
    conn.execute("set local enable_seqscan = off")
    assert "Index Scan using ex_expr" in "\n".join(r[0] for r in conn.execute("explain " + sql, [query] * 2))
    by_index = conn.execute(sql, [query] * 2).fetchall()
    conn.execute("set local enable_seqscan = on")
    conn.execute("set local enable_indexscan = off")
    by_scan = conn.execute(sql, [query] * 2).fetchall()
    assert [d for d, _ in by_index] == [d for d, _ in by_scan]
    if len({d for d, _ in by_scan}) == len(by_scan):  # no ties (bit distances tie): the same rows too
        assert by_index == by_scan
