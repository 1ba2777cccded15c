"""What differs between two catalog snapshots, worded for people."""

from dbharness.catalog.snapshot_diff import Difference, diff


def test_missing_left_behind_and_changed_in_key_order():
    before = {"column public.t.a": {"type": "int", "default": "1"}, "index public.i": {"def": "x"},
              "column public.t.b": {"type": "text", "comment": None}}
    after = {"column public.t.a": {"type": "bigint", "default": "1"}, "index public.j": {"def": "y"},
             "column public.t.b": {"type": "text", "comment": "new"}}
    assert [str(d) for d in diff(before, after)] == [
        "public.i (index): existed before, missing after",
        "public.j (index): did not exist before, left behind",
        "public.t.a (column): type differs: before 'int', after 'bigint'",
        "public.t.b (column): comment differs: before none, after 'new'",
    ]


def test_a_property_only_one_side_has_and_empty_values():
    before = {"table public.t": {"rls": True, "owner": ""}}
    after = {"table public.t": {"rls": True, "acl": "x"}}
    assert [str(d) for d in diff(before, after)] == [
        "public.t (table): acl differs: before none, after 'x'"]
    assert diff(after, after) == [] and diff({}, {}) == []


def test_difference_wording():
    assert str(Difference("constraint public.t.c", "validated differs")) == "public.t.c (constraint): validated differs"
    assert str(Difference("plain", "x")) == " (plain): x"


def test_an_empty_value_shows_as_none():
    assert [str(d) for d in diff({"t x": {"p": ""}}, {"t x": {"p": "v"}})] == ["x (t): p differs: before none, after 'v'"]
