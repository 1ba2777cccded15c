"""The offline vector extension's operators, functions and aggregates, for vector, halfvec,
sparsevec and bit, against values computed here (tests/vector_reference.py)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import psycopg
import pytest

from tests import vector_reference as ref
from tests.vector_support import one, pairs, refused, rolled_back, vector_database, vectors


@pytest.fixture(scope="module")
def vector_db(server):
    with vector_database(server, "vector_functions") as db:
        yield db


@pytest.fixture
def conn(vector_db) -> Iterator[psycopg.Connection]:
    with rolled_back(vector_db) as c:
        yield c


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
