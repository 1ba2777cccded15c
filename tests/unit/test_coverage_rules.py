"""The rules of schema coverage: what each kind of assertion pins, read from the parse tree."""

from pathlib import Path

from dbharness.catalog.schema_facts import Fact
from dbharness.coverage.pins import Facts, calls, measure, pins_of

T = "public.t"
FACTS = [
    Fact("table", T, T), Fact("rls", T, T, detail="True"),
    Fact("column", f"{T}.a", T, ("a",)), Fact("type", f"{T}.a", T, ("a",), "integer"),
    Fact("nullability", f"{T}.a", T, ("a",), "not null"), Fact("default", f"{T}.a", T, ("a",), "0"),
    Fact("column", f"{T}.b", T, ("b",)), Fact("nullability", f"{T}.b", T, ("b",), "null"),
    Fact("check", f"{T}.t_a_check", T, ("a",), "CHECK ((a >= 0))"),
    Fact("check", f"{T}.t_b_check", T, ("b",), "CHECK ((b <> ''::text))"),
    Fact("foreign_key", f"{T}.t_b_fkey", T, ("b",)), Fact("primary_key", f"{T}.t_pkey", T, ("a",)),
    Fact("unique", f"{T}.t_b_key", T, ("b",)), Fact("index", "public.t_ab_idx", T, ("a", "b")),
    Fact("policy", f"{T}.own", T), Fact("policy", f"{T}.admin", T),
    Fact("privilege", f"{T}:authenticated", T, detail="authenticated"),
    Fact("privilege", f"{T}:anon", T, detail="anon"),
    Fact("column_privilege", f"{T}.b:authenticated", T, ("b",), "authenticated"),
    Fact("function", "public.f(integer)"), Fact("trigger", f"{T}.trg", T),
    Fact("comment", f"{T}.a", T, ("a",), "the a"),
]
INDEX = Facts(FACTS, ("public",))


def pinned(sql: str, helpers: dict[str, str] | None = None) -> set[str]:
    return set().union(*(p for _, p in pins_of(INDEX, sql, helpers or {})))


def test_structural_assertions_with_and_without_a_schema():
    assert pinned("select has_table('public', 't', 'x')") == {"table public.t"}
    assert pinned("select col_type_is('t', 'a', 'integer')") == {"type public.t.a"}
    assert pinned("select col_not_null('public', 't', 'a', 'd')") == {"nullability public.t.a"}
    assert pinned("select col_is_null('public', 't', 'b')") == {"nullability public.t.b"}
    assert pinned("select col_default_is('public', 't', 'a', 0, 'd')") == {"default public.t.a"}
    assert pinned("select columns_are('public', 't', array['a', 'b'])") == {"column public.t.a", "column public.t.b"}
    assert pinned("select has_index('public', 't', 't_ab_idx', 'd')") == {"index public.t_ab_idx"}
    assert pinned("select policies_are('public', 't', array['own', 'admin'])") == {"policy public.t.own",
                                                                                  "policy public.t.admin"}
    assert pinned("select has_function('public', 'f', 'd')") == {"function public.f(integer)"}
    assert pinned("select has_trigger('public', 't', 'trg')") == {"trigger public.t.trg"}
    assert pinned("select ok(true)") == set()


def test_constraints_by_their_columns():
    assert pinned("select col_is_pk('public', 't', 'a')") == {"primary_key public.t.t_pkey"}
    assert pinned("select fk_ok('public', 't', 'b', 'public', 'u', 'id')") == {"foreign_key public.t.t_b_fkey"}
    assert pinned("select col_has_check('public', 't', array['b'])") == {"check public.t.t_b_check"}
    assert pinned("select has_check('public', 't')") == {"check public.t.t_a_check", "check public.t.t_b_check"}
    assert pinned("select is_indexed('public', 't', array['a', 'b'])") == {"index public.t_ab_idx"}
    assert pinned("select col_is_unique('public', 't', 'b')") == {"unique public.t.t_b_key"}


def test_privileges_per_role_and_values_rows():
    assert pinned("select table_privs_are('public', 't', 'anon', array[]::text[])") == {"privilege public.t:anon"}
    assert pinned("select column_privs_are('public', 't', 'b', 'authenticated', array['SELECT'])") == \
        {"column_privilege public.t.b:authenticated"}
    sql = ("select table_privs_are('public', t, r, p, format('%s on %s', r, t)) from (values ('t', 'anon', "
           "array[]::text[]), ('t', 'authenticated', array['SELECT'])) as m (t, r, p)")
    assert pinned(sql) == {"privilege public.t:anon", "privilege public.t:authenticated"}


def test_behaviour_by_sqlstate_and_the_columns_written():
    assert pinned("select throws_ok($$update public.t set a = -1$$, '23514', null, 'x')") == {"check public.t.t_a_check"}
    assert pinned("select throws_ok($$insert into public.t (a, b) values (1, null)$$, '23502')") == \
        {"nullability public.t.a", "nullability public.t.b"}
    assert pinned("select throws_ok($$insert into t (b) values ('x')$$, '23503')") == {"foreign_key public.t.t_b_fkey"}
    assert pinned("select throws_ok($$update public.t set b = 'x'$$, '23505')") == {"unique public.t.t_b_key",
                                                                                   "index public.t_ab_idx"}
    assert pinned("select throws_ok($$truncate public.t$$, '42501')") == {
        "privilege public.t:anon", "privilege public.t:authenticated", "policy public.t.own", "policy public.t.admin"}
    assert pinned("select throws_ok(format('update public.t set %I = %s', c, v), '42501') from (values ('b', '1')) "
                  "as m (c, v)") >= {"column_privilege public.t.b:authenticated"}
    assert pinned("select throws_ok($$update public.t set a = 1$$, '22000')") == set()
    assert pinned("select lives_ok($$update public.t set a = 1$$)") == set()


def test_rls_helpers_and_calls():
    assert pinned("select is((select relrowsecurity from pg_class where oid = 'public.t'::regclass), true)") == \
        {"rls public.t"}
    assert pinned("select matches(tests.column_comment('public.t', 'a'), 'the')", {"tests.column_comment": "comment"}) \
        == {"comment public.t.a"}
    assert list(calls("select extensions.has_table('x')")) == [("has_table", ["x"])]
    assert list(calls("not sql at all")) == []


def test_measure_first_pin_exclusions_and_stale_ones(tmp_path):
    path = tmp_path / "a.test.sql"
    path.write_text("begin;\nselect plan(2);\nselect has_table('public', 't');\nselect has_table('t');\nrollback;\n")
    cov = measure(FACTS, ("public",), [path], {}, {"trigger public.t.trg": "tested elsewhere", "table x": "gone"},
                  display=lambda p: Path(p).name)
    assert cov.pins["table public.t"].where == "a.test.sql:3" and cov.pins["table public.t"].by == "has_table"
    assert cov.excluded == {"trigger public.t.trg": "tested elsewhere"} and cov.stale == ["table x"]
    assert len(cov.counted) == len(FACTS) - 1 and len(cov.unpinned) == len(FACTS) - 2
    assert round(cov.percent, 1) == round(100 / (len(FACTS) - 1), 1)
