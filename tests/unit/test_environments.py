"""Redaction follows libpq's parsing: no password is ever printed, whatever it holds."""

import os

import pytest

from dbharness import config
from dbharness.deploy.environments import parse, redact, resolve, scrub
from dbharness.errors import ConfigError

URL = "postgresql://postgres:{}@127.0.0.1:5432/db"


@pytest.mark.parametrize("password, shown", [
    ("ab#cd", "postgresql://postgres:***@127.0.0.1:5432/db"),
    ("a?b", "postgresql://postgres:***@127.0.0.1:5432/db"),
    ("p@ss", "postgresql://postgres:***@***:5432/db"),  # libpq: password 'p', host 'ss@127.0.0.1'
    ("a/b", "postgresql://postgres:***/***"),  # libpq: host 'postgres', port 'a', dbname 'b@...'
    ("x", "postgresql://postgres:***@127.0.0.1:5432/db"),
    ("s3cret%20pw", "postgresql://postgres:***@127.0.0.1:5432/db"),
])
def test_urls_are_redacted_as_libpq_reads_them(password, shown):
    assert redact(URL.format(password)) == shown


def test_query_parameters_and_keyword_strings():
    assert redact("postgresql://u:pw@h:5/d?sslmode=disable&application_name=a%20b") == \
        "postgresql://u:***@h:5/d?application_name=a%20b&sslmode=disable"
    assert redact("host=h password='a b' user=u dbname=d") == "user=u password=*** dbname=d host=h"
    assert redact("postgresql://h/d") == "postgresql://h/d"
    assert redact("postgresql://u:ab%zzcd@h/db") == "(a connection string libpq cannot parse)"


def test_a_parse_error_never_shows_the_secret():
    with pytest.raises(ConfigError) as err:
        parse("postgresql://u:ab%zzcd@h/db")
    assert "zz" not in str(err.value) and "invalid percent-encoded token" in str(err.value)


def test_scrub_works_on_structure_not_text():
    url = URL.format("x")
    assert scrub("password authentication failed for user x at max", url) == \
        "password authentication failed for user x at max"
    assert scrub(f"could not reach {url} now", url) == f"could not reach {redact(url)} now"
    assert scrub("other postgresql://a:b@c/d and password=zz and password='y z'") == \
        "other postgresql://a:***@c/d and password=*** and password=***"
    assert scrub('schema "auth" does not exist', url) == 'schema "auth" does not exist'
    from dbharness.deploy.environments import _mask_quoted

    assert _mask_quoted('invalid integer value "a" for connection option "port"', URL.format("a/b")) == \
        'invalid integer value "***" for connection option "port"'


def test_resolve_refuses_an_unparseable_url_without_printing_it(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.setenv("STAGING_DATABASE_URL", "postgresql://u:ab%zzcd@h/db")
    with pytest.raises(ConfigError, match="STAGING_DATABASE_URL: not a connection string libpq accepts") as err:
        resolve(config.load(tmp_path), "staging")
    assert "zz" not in str(err.value)


def test_a_utf16_env_file_is_a_one_line_error(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / ".env").write_bytes("STAGING_DATABASE_URL=postgresql://h/d\n".encode("utf-16"))
    monkeypatch.delenv("STAGING_DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match=r"\.env is not UTF-8 text"):
        resolve(config.load(tmp_path), "staging")


def test_dotenv_fills_only_what_the_environment_lacks(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / ".env").write_text("STAGING_DATABASE_URL=postgresql://from-file/d\nPRODUCTION_DATABASE_URL=postgresql://p/d\n")
    monkeypatch.setenv("STAGING_DATABASE_URL", "postgresql://from-env/d")
    monkeypatch.delenv("PRODUCTION_DATABASE_URL", raising=False)
    settings = config.load(tmp_path)
    assert resolve(settings, "staging").url == "postgresql://from-env/d"
    assert resolve(settings, "production").url == "postgresql://p/d"
    os.environ.pop("PRODUCTION_DATABASE_URL", None)
