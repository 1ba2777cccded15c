"""Which findings lint gates: only those in migrations newer than what already shipped."""

import os

from dbharness import config
from dbharness.lint import gate
from dbharness.lint.gate import Gate


def test_lint_from_and_the_history_each_mark_older_versions_shipped():
    assert not Gate().shipped("20240101000000")
    g = Gate(lint_from="20250101000000")
    assert g.shipped("20241231235959") and not g.shipped("20250101000000")
    h = Gate(shipped_upto="20250101000000")
    assert h.shipped("20250101000000") and not h.shipped("20250101000001")
    both = Gate(lint_from="20240101000000", shipped_upto="20250101000000")
    assert both.shipped("20230101000000") and both.shipped("20250101000000")
    assert not both.shipped("20250201000000")


def test_a_finding_is_shipped_by_the_version_of_its_file():
    g = Gate(lint_from="20250101000000")
    assert gate.is_shipped("supabase/migrations/20240101000000_init.sql:3", g)
    assert gate.is_shipped("supabase/rollbacks/20240101000000_init.sql:1", g)
    assert not gate.is_shipped("supabase/migrations/20250102000000_new.sql:3", g)
    assert not gate.is_shipped("public.trades", g)  # a database object: always gated
    assert gate.version_of("/abs/supabase/migrations/7_x.sql:12") == "7"


def test_the_gate_reads_lint_from_and_says_why(tmp_path, monkeypatch):
    monkeypatch.delenv("STAGING_DATABASE_URL", raising=False)
    monkeypatch.delenv("PRODUCTION_DATABASE_URL", raising=False)
    (tmp_path / "pyproject.toml").write_text('[tool.dbharness.lint]\nlint_from = "20250101000000"\n')
    g = gate.gate(config.load(tmp_path))
    assert g == Gate("20250101000000", None, "older than lint_from 20250101000000")


def test_an_environment_that_cannot_be_read_gates_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("STAGING_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nope")
    monkeypatch.delenv("PRODUCTION_DATABASE_URL", raising=False)
    recorded = gate.newest_recorded(config.load(tmp_path))
    assert recorded == [("staging", None, "staging: history not read (OperationalError)")]
    assert gate.gate(config.load(tmp_path)) == Gate(None, None, "", ("staging: history not read (OperationalError)",))


def test_a_url_in_dotenv_counts_as_set(tmp_path, monkeypatch):
    monkeypatch.delenv("STAGING_DATABASE_URL", raising=False)
    monkeypatch.delenv("PRODUCTION_DATABASE_URL", raising=False)
    (tmp_path / ".env").write_text("STAGING_DATABASE_URL=postgresql://postgres@127.0.0.1:1/nope\n")
    try:
        assert [name for name, _, _ in gate.newest_recorded(config.load(tmp_path))] == ["staging"]
    finally:
        os.environ.pop("STAGING_DATABASE_URL", None)  # .env wrote it; leave the process as it was
