"""The pytest plugin's pure parts: the settings a role block makes of the claims (as PostgREST
makes them), the names of the session's databases, and how an unbuildable project is said."""

from __future__ import annotations

import json
import subprocess
import sys

from dbharness.errors import ConfigError, MigrationError
from dbharness.testing.roles import claim_settings
from dbharness.testing.session import Unusable, worker_name


def test_the_role_goes_into_the_claims_as_postgrest_puts_it():
    made = claim_settings("authenticated", {"sub": "u1", "email": "a@example.test", "role": "anon"})
    assert made["role"] == "authenticated"
    assert json.loads(made["request.jwt.claims"]) == {"sub": "u1", "email": "a@example.test",
                                                      "role": "authenticated"}
    assert (made["request.jwt.claim.sub"], made["request.jwt.claim.role"], made["request.jwt.claim.email"]) \
        == ("u1", "authenticated", "a@example.test")


def test_a_request_without_a_user_clears_the_older_claims():
    made = claim_settings("anon", {})
    assert json.loads(made["request.jwt.claims"]) == {"role": "anon"}
    assert made["request.jwt.claim.sub"] == "" and made["request.jwt.claim.email"] == ""


def test_the_xdist_worker_is_in_the_names(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    assert worker_name() == "main"
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    assert worker_name() == "gw3"
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "Gw-1.x")
    assert worker_name() == "gw_1_x"  # a database name without quoting


def test_a_long_error_is_said_whole_once_then_by_its_first_line():
    failed = Unusable(MigrationError("m.sql:3: boom (SQLSTATE 42P01)\n  statement: x"), "could not build:")
    assert failed.why() == "could not build:\nm.sql:3: boom (SQLSTATE 42P01)\n  statement: x"
    second = failed.why()
    assert second.startswith("could not build: m.sql:3: boom (SQLSTATE 42P01) (the whole message")
    assert "statement" not in second


def test_a_one_line_error_is_said_whole_every_time():
    failed = Unusable(ConfigError("no supabase/ folder"), "dbharness:")
    assert [failed.why(), failed.why()] == ["dbharness: no supabase/ folder"] * 2


def test_loading_the_plugin_imports_nothing_heavy():
    code = ("import sys, dbharness.pytest_plugin as p; "
            "print(sorted(m for m in ('psycopg', 'pglast', 'dbharness.testing', 'dbharness.builder') "
            "if m in sys.modules)); print(p.as_anon.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]"  # every pytest run where the package is installed loads the plugin
    assert out[1] == "dbharness.testing.roles"  # the helpers, imported when asked for
