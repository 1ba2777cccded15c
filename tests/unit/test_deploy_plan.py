"""Pure decisions of deploy: status against history rows, refusals, confirmation words."""

from pathlib import Path

import pytest

from dbharness.builder.history import HistoryRow, statements_of
from dbharness.config import Environment
from dbharness.deploy import plan
from dbharness.errors import PromotionRefused
from dbharness.sql.migrations import MigrationFile


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
    plan.confirm("production", 2, True, None, "promote to")  # --yes
    with pytest.raises(PromotionRefused, match="needs confirmation"):
        plan.confirm("production", 2, False, None, "promote to")
    for answer in ("yes", "y", "", "staging", "Production"):
        with pytest.raises(PromotionRefused, match="was not confirmed"):
            plan.confirm("production", 2, False, lambda _q, a=answer: a, "promote to")
    asked: list[str] = []
    plan.confirm("production", 2, False, lambda q: asked.append(q) or " production\n", "promote to")
    assert asked == ["promote to 2 file(s) on production? Type the environment name to go on: "]


def test_environment_default_is_kept():
    assert Environment("production", "PRODUCTION_DATABASE_URL", "staging").requires == "staging"


def test_refusals_in_full_with_several_entries(tmp_path):
    fs = files(tmp_path)
    st = plan.compare(fs, {"3": row(fs[2]), "8": HistoryRow("8", "a", None), "9": HistoryRow("9", None, None)})
    assert plan.drift_refusals(st, None) == [
        "the environment has versions the repository lacks (drift): 8_a, 9_?",
        "pending versions older than the newest applied one (3), out of order: 1_f1, 2_f2"]
    assert plan.drift_refusals(st, "1") == [
        "the environment has versions the repository lacks (drift): 8_a, 9_?",
        "pending versions older than the newest applied one (3), out of order: 1_f1"]
    same = plan.compare(fs, {"2": row(fs[1])})
    assert plan.drift_refusals(same, "1") == [
        "pending versions older than the newest applied one (2), out of order: 1_f1"]
    assert plan.drift_refusals(plan.compare(fs, {"1": row(fs[0])}), None) == []
    assert plan.compare(fs, {}).problems == []
    rows = {"1": HistoryRow("1", "f1", ["other"]), "2": HistoryRow("2", "f2", ["other"])}
    assert plan.required_refusals(fs, "qa", rows) == [
        "not yet applied in qa, which qa must get first: 3_f3",
        "changed since they were applied in qa (its recorded statements differ from the file): 1_f1, 2_f2; "
        "restore the file or ship a new migration"]


class Target:
    def __str__(self) -> str:
        return "staging (postgresql://h/d)"


def test_plan_lines(tmp_path):
    fs = files(tmp_path)
    (tmp_path / "4_idx.sql").write_text("create index concurrently i on public.a (id);\n")
    fs.append(MigrationFile("4", "idx", tmp_path / "4_idx.sql"))
    assert plan.plan_lines(plan.Plan(Target(), [])) == ["staging (postgresql://h/d): up to date, nothing to apply"]
    assert plan.plan_lines(plan.Plan(Target(), [fs[0], fs[3]])) == [
        "Plan for staging (postgresql://h/d):",
        "  1_f1  [in a transaction]",
        "  4_idx  [outside a transaction (CONCURRENTLY)]"]


def test_confirmation_messages_in_full():
    with pytest.raises(PromotionRefused) as err:
        plan.confirm("production", 2, False, None, "roll back")
    assert str(err.value) == "roll back production needs confirmation: run it in a terminal, or pass --yes"
    with pytest.raises(PromotionRefused) as err:
        plan.confirm("production", 2, False, lambda _q: "no", "promote to")
    assert str(err.value) == "promote to production was not confirmed; nothing was changed"


def test_several_missing_files_are_listed_with_commas(tmp_path):
    fs = files(tmp_path)
    assert plan.required_refusals(fs, "qa", {}) == ["not yet applied in qa, which qa must get first: 1_f1, 2_f2, 3_f3"]
