"""How the client words what the server's platform rules say: missing and stubbed extensions."""

from types import SimpleNamespace

import pytest

from dbharness.hosted import rules


def _error(sqlstate: str, message: str) -> SimpleNamespace:
    return SimpleNamespace(sqlstate=sqlstate, diag=SimpleNamespace(message_primary=message))


@pytest.mark.parametrize("message, name", [
    ('could not open extension control file "/usr/share/postgresql/15/extension/pg_graphql.control": '
     "No such file or directory", "pg_graphql"),
    ('could not open extension control file "vector.control": No such file or directory', "vector"),
    ('could not open extension control file "/x/uuid-ossp.control": No such file', "uuid-ossp"),
])
def test_a_missing_control_file_names_the_extension(message, name):
    assert rules.missing_extension(_error("58P01", message)) == name


def test_the_newer_servers_words_name_the_extension():
    assert rules.missing_extension(_error("0A000", 'extension "pg_graphql" is not available')) == "pg_graphql"
    assert rules.missing_extension(_error("0A000", 'extension "x" is not available here')) is None
    assert rules.missing_extension(_error("0A000", "feature not supported")) is None


@pytest.mark.parametrize("sqlstate, message", [
    ("42501", 'could not open extension control file "/x/vector.control": No such file'),
    ("58P01", 'could not open file "/x/vector.sql": No such file or directory'),
    ("58P01", ""),
    ("0A000", 'could not open extension control file "/x/vector.control": No such file'),
    ("58P01", 'extension "vector" is not available'),
])
def test_other_errors_name_no_extension(sqlstate, message):
    assert rules.missing_extension(_error(sqlstate, message)) is None


def test_the_servers_stub_warning_names_the_extension():
    assert rules.stubbed("create extension pg_graphql skipped: stubbed") == "pg_graphql"
    assert rules.stubbed("create extension pg_graphql skipped: stubbed, or not") is None
    assert rules.stubbed("extension pg_graphql skipped: stubbed") is None


def test_created_extension_names_the_extension():
    assert rules.created_extension("create extension if not exists \"pg_graphql\" with schema graphql") == \
        rules.Extension("pg_graphql")
    assert rules.created_extension("-- the API\nCREATE EXTENSION vector") == rules.Extension("vector")
    assert rules.created_extension("drop extension pg_graphql") is None
    assert rules.created_extension("select 'create extension x'; select 1") is None
    assert rules.created_extension("create extension") is None
    assert rules.created_extension("select 1") is None


def test_the_unavailable_message_is_one_line_with_both_choices():
    text = rules.unavailable_message("pgsodium")
    assert "\n" not in text
    assert text.startswith('extension "pgsodium" is not available on this server; run with --engine docker')
    assert 'stub_extensions = ["pgsodium"]' in text
