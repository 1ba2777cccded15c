"""Pure decisions of deploy: status against history rows, refusals, confirmation words."""

from pathlib import Path

import pytest

from dbharness.config import Environment
from dbharness.deploy import guards, plan
from dbharness.errors import PromotionRefused
from dbharness.history import HistoryRow, statements_of
from dbharness.migrations import MigrationFile


def files(tmp_path: Path) -> list[MigrationFile]:
    out = []
    for version, sql in (("1", "create table public.a (id int);"), ("2", "create table public.b (id int);"),
                         ("3", "create table public.c (id int);")):
        path = tmp_path / f"{version}_f{version}.sql"
        path.write_text(sql + "\n")
        out.append(MigrationFile(version, f"f{version}", path))
    return out


def row(mf: MigrationFile) -> HistoryRow:
    return HistoryRow(mf.version, mf.name, statements_of(mf))


def test_compare_sorts_applied_pending_and_drift(tmp_path):
    fs = files(tmp_path)
    st = plan.compare(fs, {"1": row(fs[0]), "9": HistoryRow("9", "hotfix", None)})
    assert [f.version for f in st.applied] == ["1"]
    assert [f.version for f in st.pending] == ["2", "3"]
    assert [r.version for r in st.drift] == ["9"]


def test_drift_and_out_of_order_refusals(tmp_path):
    fs = files(tmp_path)
    st = plan.compare(fs, {"1": row(fs[0]), "3": row(fs[2]), "9": HistoryRow("9", None, None)})
    refusals = plan.drift_refusals(st, None)
    assert refusals[0].endswith("(drift): 9_?")
    assert refusals[1].endswith("(3), out of order: 2_f2")
    assert plan.drift_refusals(plan.compare(fs, {}), None) == []


def test_required_environment_must_have_the_same_statements(tmp_path):
    fs = files(tmp_path)
    rows = {"1": row(fs[0]), "2": HistoryRow("2", "f2", ["create table public.b (id bigint)"])}
    refusals = plan.required_refusals(fs, "staging", rows)
    assert refusals[0] == "not yet applied in staging, which staging must get first: 3_f3"
    assert "changed since they were applied in staging" in refusals[1] and ": 2_f2;" in refusals[1]
    assert plan.required_refusals(fs[:1], "staging", rows) == []


def test_confirmation_needs_the_environment_name():
    guards.confirm("production", 2, True, None, "promote to")  # --yes
    with pytest.raises(PromotionRefused, match="needs confirmation"):
        guards.confirm("production", 2, False, None, "promote to")
    for answer in ("yes", "y", "", "staging", "Production"):
        with pytest.raises(PromotionRefused, match="was not confirmed"):
            guards.confirm("production", 2, False, lambda _q, a=answer: a, "promote to")
    asked: list[str] = []
    guards.confirm("production", 2, False, lambda q: asked.append(q) or " production\n", "promote to")
    assert asked == ["promote to 2 file(s) on production? Type the environment name to go on: "]


def test_environment_default_is_kept():
    assert Environment("production", "PRODUCTION_DATABASE_URL", "staging").requires == "staging"
