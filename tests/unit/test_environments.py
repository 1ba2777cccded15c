"""Redaction follows libpq's parsing: no password is ever printed, whatever it holds."""

import os

import pytest

from dbharness import config
from dbharness.environments import ENCODE, parse, redact, resolve, scrub
from dbharness.errors import ConfigError

URL = "postgresql://postgres:{}@127.0.0.1:5432/db"


@pytest.mark.parametrize("password, shown", [
    ("ab#cd", "postgresql://postgres:***@127.0.0.1:5432/db"),
    ("a?b", "postgresql://postgres:***@127.0.0.1:5432/db"),
    ("p@ss", "postgresql://postgres:***@***"),  # refused (libpq: password 'p', host 'ss@127.0.0.1')
    ("a/b", "postgresql://postgres:***@***"),  # refused (libpq: host 'postgres', port 'a', dbname 'b@...')
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
    assert redact("postgresql://u:ab%zzcd@h/db") == "postgresql://u:***@***"
    assert redact("host=h password='a b") == "(a connection string libpq cannot parse)"


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
    from dbharness.environments import _mask_quoted

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
    assert "PRODUCTION_DATABASE_URL" not in os.environ  # .env is read into the settings, not the process


def test_resolve_messages_in_full(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    settings = config.load(tmp_path)
    with pytest.raises(ConfigError) as err:
        resolve(settings, "qa")
    assert str(err.value) == ("unknown environment 'qa'; declared: production, staging "
                              "(add [tool.dbharness.environments.NAME] to pyproject.toml)")
    monkeypatch.setenv("STAGING_DATABASE_URL", "   ")
    with pytest.raises(ConfigError) as err:
        resolve(config.load(tmp_path), "staging")
    assert str(err.value) == ("STAGING_DATABASE_URL is not set: export it (or put it in .env) with the connection "
                              "URL of staging, e.g. postgresql://user:password@host:5432/postgres")
    monkeypatch.setenv("STAGING_DATABASE_URL", "  postgresql://u:pw@h/d  ")
    target = resolve(config.load(tmp_path), "staging")
    assert (target.url, target.name, str(target)) == ("postgresql://u:pw@h/d", "staging",
                                                      "staging (postgresql://u:***@h/d)")
    with pytest.raises(ConfigError) as err:
        parse("postgresql://u:ab%zzcd@h/db")
    assert str(err.value) == ('not a connection string libpq accepts (invalid percent-encoded token: "***"); '
                              + ENCODE)
    assert ENCODE.startswith("percent-encode these characters of the password (and of the user): @ as %40, "
                             ": as %3A, / as %2F, ? as %3F, # as %23, [ as %5B, ] as %5D, % as %25, = as %3D, "
                             "a space as %20, \" as %22, ' as %27 (python3 -c ")


def test_a_failed_connection_is_refused_without_the_password(tmp_path, monkeypatch):
    import socket

    from dbharness.errors import PromotionRefused

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once closed
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.setenv("STAGING_DATABASE_URL", f"postgresql://u:topsecret@127.0.0.1:{port}/d?application_name=x")
    target = resolve(config.load(tmp_path), "staging")
    with pytest.raises(PromotionRefused) as err:
        target.connect()
    text = str(err.value)
    assert text.startswith(f"cannot connect to staging (postgresql://u:***@127.0.0.1:{port}/d?application_name=x): ")
    assert "topsecret" not in text and '"127.0.0.1"' in text and "Connection refused" in text
    assert target.scrub("x postgresql://u:topsecret@127.0.0.1/d y") == "x postgresql://u:***@127.0.0.1/d y"


def test_redaction_keeps_what_is_safe_and_hides_what_is_not():
    assert redact("postgresql://user@host/db") == "postgresql://user@host/db"
    assert redact("postgresql:///db?host=/var/run/postgresql") == "postgresql:///db?host=/var/run/postgresql"
    assert redact("postgresql://u:p@h:5432,h2:5433/d") == "postgresql://u:***@h:5432,h2:5433/d"
    assert redact("postgresql://u:p@h,h2:5432/d") == "postgresql://u:***@h,h2:5432/d"  # libpq: ports ',5432'
    assert redact("postgresql://u:p@h,h2:5/d?port=5") == "postgresql://u:***@h:5,h2:5/d"  # one port for all
    assert redact("postgresql://u:p@h/d?port=1,2,3") == "postgresql://u:***@h:1,2,3/d"  # libpq refuses it later
    assert redact("postgresql://u:p@[::1]:5432,[fe80::1%25eth0]/d") == "postgresql://u:***@[::1]:5432,[fe80::1%eth0]/d"
    assert redact("postgresql://a%40b:p@h/d") == "postgresql://a%40b:***@h/d"  # an encoded '@' is the user's
    assert redact("dbname=d host=h") == "dbname=d host=h"
    assert scrub("no secrets here") == "no secrets here"
    from dbharness.environments import _mask_quoted

    assert _mask_quoted('"h" "x"', "postgresql://u:p@h/d") == '"h" "***"'
    assert _mask_quoted('"port" "a"', "not a url at all %zz") == '"port" "***"'


def test_missing_parts_of_a_url_and_values_that_need_quoting():
    assert redact("postgresql:///d") == "postgresql:///d"
    assert redact("postgresql://h") == "postgresql://h/"
    assert redact("postgresql://h/d?application_name=a*b/c%20d") == "postgresql://h/d?application_name=a*b/c%20d"


def test_the_targets_own_url_is_redacted_even_where_the_structural_pass_cannot_see_it(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    url = "postgresql://u:ab'cd@h/d"
    monkeypatch.setenv("STAGING_DATABASE_URL", url)
    target = resolve(config.load(tmp_path), "staging")
    assert target.scrub(f"oops {url}") == "oops postgresql://u:***@h/d"


def test_an_unset_variable_is_not_set(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.delenv("STAGING_DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="^STAGING_DATABASE_URL is not set"):
        resolve(config.load(tmp_path), "staging")


def test_scrubbing_twice_changes_nothing_and_keeps_the_punctuation_after_a_url():
    once = scrub("cannot connect to staging (postgresql://postgres:pw@127.0.0.1:5432/pr?sslmode=disable) refused: "
                 "no (postgresql://u:x@h/postgres): failed")
    assert once == ("cannot connect to staging (postgresql://postgres:***@127.0.0.1:5432/pr?sslmode=disable) "
                    "refused: no (postgresql://u:***@h/postgres): failed")
    assert scrub(once) == once


def test_what_the_driver_and_the_resolver_quote_is_masked_and_no_run_of_the_password_survives():
    from dbharness.environments import scrub_message, secret_text

    url = "postgresql://postgres:ab@cdSECRET@127.0.0.1:1/postgres"
    said = scrub_message("failed to resolve host 'cdSECRET@127.0.0.1': [Errno -2] Name or service not known", url)
    assert said == "failed to resolve host '***': [Errno -2] Name or service not known"
    assert secret_text(url) == ["ab%40cdSECRET", "ab@cdSECRET"]  # raw and encoded; refused, so libpq's is not
    assert secret_text("postgresql://u:a%40bcde@h/d") == ["a%2540bcde", "a%40bcde", "a@bcde"]
    assert secret_text("host=h password=ab cdSECRET dbname=x") == ["ab cdSECRET", "ab%20cdSECRET"]
    assert secret_text("postgresql://u@h/d?password=QXZK") == ["QXZK"]  # what libpq reads as the password
    assert secret_text("postgresql://u@h/d") == [] and secret_text("host=h") == []
    assert "SECR" not in scrub_message("odd: cdSECRET and SECRETS", url)
    kept = scrub_message('connection to server at "127.0.0.1", port 1 failed: Connection refused',
                         "postgresql://postgres:QXZKW@127.0.0.1:1/postgres")
    assert kept == 'connection to server at "127.0.0.1", port 1 failed: Connection refused'


def test_a_percent_escape_that_is_not_utf8_is_a_usage_error_not_a_traceback():
    with pytest.raises(ConfigError, match="a percent-escape that is not UTF-8 text"):
        parse("postgresql://postgres:ab%cdSECRET@127.0.0.1:1/postgres")
    assert redact("postgresql://postgres:ab%cdSECRET@127.0.0.1:1/postgres") == "postgresql://postgres:***@***"


def test_every_run_of_four_or_more_characters_is_masked_and_shorter_runs_are_not():
    from dbharness.environments import _mask_fragments

    secret = ["ABCDEFGH"]
    assert _mask_fragments("x ABC y", secret) == "x ABC y"  # three characters say nothing
    assert _mask_fragments("x ABCD y", secret) == "x *** y"
    assert _mask_fragments("x EFGH y", secret) == "x *** y"  # the last run of four
    assert _mask_fragments("x BCDEF y", secret) == "x *** y"  # an odd length
    assert _mask_fragments("x ABCDEFGH y", secret) == "x *** y"  # the whole, in one piece
    assert _mask_fragments("x DEFGHI y", secret) == "x ***I y"


def test_what_may_be_the_password_is_found_by_the_urls_grammar():
    from dbharness.environments import connect_error, secret_text

    assert secret_text("postgresql://u:pa:ss@h/d") == ["pa%3Ass", "pa:ss"]  # the user's ':' only
    assert secret_text("postgresql://u:QXZK@h/d?options=a://b") == ["QXZK"]  # the first '://'
    assert secret_text("postgresql://h:5432/d") == []  # no '@': no password
    assert secret_text("postgresql://u:ab%cdQX@h/d") == ["ab%25cdQX", "ab%EF%BF%BDQX", "ab%cdQX", "ab\ufffdQX"]
    assert secret_text("host=h password=QXZKW") == ["QXZKW"]  # the last keyword
    assert secret_text("host=h password='QX ZK' dbname=d") == ["%27QX%20ZK%27", "'QX ZK'", "QX ZK", "QX%20ZK"]
    assert connect_error(UnicodeDecodeError("utf-8", b"\xcd", 0, 1, "bad"), "postgresql://u:x@h/d") == (
        "the URL has a percent-escape that is not UTF-8 text; percent-encode the password's UTF-8")


def test_the_percent_escape_message_in_full():
    with pytest.raises(ConfigError) as err:
        parse("postgresql://u:%cd@h/d")
    assert str(err.value) == ("not a connection string libpq accepts (a percent-escape that is not UTF-8 text); "
                              "percent-encode each byte of the password's UTF-8, e.g. %C3%A9 for é")


def test_a_password_that_needed_percent_encoding_is_refused_showing_the_scheme_and_the_user_only(tmp_path, monkeypatch):
    from dbharness.environments import MORE_THAN_ONE_AT

    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.setenv("STAGING_DATABASE_URL", "postgresql://secret_user:@=Q:Q@127.0.0.1:1/secretdb")
    with pytest.raises(ConfigError) as err:
        resolve(config.load(tmp_path), "staging")
    assert str(err.value) == ("STAGING_DATABASE_URL: postgresql://secret_user:***@*** is refused before connecting: "
                              f"{MORE_THAN_ONE_AT}; {ENCODE}")
    assert MORE_THAN_ONE_AT == ("it holds more than one '@', and libpq ends the password at the first one, so the "
                                "rest of the password would be taken for the host")


@pytest.mark.parametrize("url, reason", [
    ("postgresql://u:ab@cd:ef@h:5432/d", "MORE_THAN_ONE_AT"),
    ("postgresql://u:p@h/d?application_name=a@b", "MORE_THAN_ONE_AT"),  # an '@' anywhere else: %40
    ("postgresql://u:a/b@h/d", "AT_AFTER_SLASH"),  # libpq: host 'u', port 'a', database 'b@h/d'
    ("postgresql://u:12/b@h/d", "AT_AFTER_SLASH"),  # a port that is a number, still misread
    ("postgresql://h/d?application_name=a@b", "AT_AFTER_SLASH"),
    ("postgresql://host?user=me&password=QXZK@h/d", "NOT_A_USER"),  # libpq: user 'host?user=me&password=QXZK'
    ("postgresql://u[1]:p@h/d", "NOT_A_USER"),
    ("postgresql://u:p@h%40x/d", "NOT_A_HOST"),
    ("postgresql://u:p@h%20x/d", "NOT_A_HOST"),
    ("postgresql://u:p@h,a%3Db/d", "NOT_A_HOST"),  # each host of a list
    ("postgresql://u:p@h/d?hostaddr=abc", "NOT_A_HOST"),
    ("postgresql://u:p@h:5x/d", "NOT_A_PORT"),
    ("postgresql://u:p@h:5,h2:x/d", "NOT_A_PORT"),
    ("postgresql://u:p@h/d?port=%D9%A1", "NOT_A_PORT"),  # a digit of another script is no port number
    ("host='a b' port=1", "NOT_A_HOST"),
    ("host=h port=5q", "NOT_A_PORT"),
    ("host=h hostaddr=a.b", "NOT_A_HOST"),
])
def test_parts_that_cannot_be_what_libpq_reads_them_as_are_refused(url, reason):
    from dbharness import environments

    assert environments.misread(url, environments.conninfo_to_dict(url)) == getattr(environments, reason)
    with pytest.raises(ConfigError, match="is refused before connecting: "):
        parse(url)


@pytest.mark.parametrize("url", [
    "postgresql://u:p@h:5432,h2:5433/d", "postgresql://u:p@h:/d", "postgresql://u:p@[::1]:5432/d",
    "postgresql://u:p@[fe80::1%25eth0]/d", "postgresql://u:p@%2Ftmp%2Fsock/d", "postgresql://u:p@h/d?host=/x,/y&port=1,2",
    "postgresql://u:p@h/d?hostaddr=10.0.0.1,::1", "postgresql://a%40b:p@h/d", "postgresql://u.ref_1~x+y-z:p@h/d",
    "postgresql://u:a:b?c#d[e]f=g'h\"i@h/d", "postgresql:///d", "postgres://h", "postgresql://h,/d",
    "host=h password='a b' user=u", "host=/var/run/postgresql port=5432", "dbname=d host=h password='x://y@z'",
])
def test_what_libpq_reads_as_meant_is_accepted(url):
    from dbharness import environments

    assert environments.misread(url, environments.conninfo_to_dict(url)) is None


def test_a_repeated_keyword_is_refused_and_named():
    from dbharness.environments import QUOTE, misread

    said = "the keyword host is given twice (libpq takes the last)"
    assert misread("host=h password=QX host=ZK", {}) == said
    assert misread("HOST=h password='QX' Host=ZK", {}) == said  # keywords are case-blind
    assert misread("host=h password='QX host=ZK'", {}) is None  # quoted: one host
    assert misread("host=h password=QX\\ host=ZK", {}) is None  # an escaped space: one host
    assert misread("foo=1 foo=2", {}) is None  # no option of libpq's: libpq refuses it on its own
    with pytest.raises(ConfigError) as err:
        parse("host=h password=QX host=ZK")
    assert str(err.value) == f"the keyword string is refused before connecting: {said}; {QUOTE}"
    assert QUOTE == ("quote a password that holds a space, a quote or a backslash: password='...', with \\' for "
                     "' and \\\\ for \\ inside")


@pytest.mark.parametrize("url, shown", [
    ("postgresql://secret_user:a@b@h/d", "postgresql://secret_user:***@***"),
    ("postgres://u@x@h/d", "postgres://u@***"),  # no password: none shown
    ("postgresql://:p@q@h/d", "postgresql://***:***@***"),  # no user
    ("postgresql://u%40x:p@q@h/d", "postgresql://***:***@***"),  # a user that is not plainly one
    ("postgresql://h/d%zz", "postgresql://***"),  # no '@': whatever precedes the '/' may be a host, not shown
    ("postgresql://h:5x/d", "postgresql://***"),  # the first ':' is no user's
    ("host=h password=QX host=ZK", "the keyword string"),
])
def test_a_refused_string_shows_its_scheme_and_a_plain_user_only(url, shown):
    from dbharness.environments import unread

    assert unread(url) == shown
    assert redact(url) == (shown if url.startswith("postgres") else "(a connection string libpq cannot parse)")


def test_a_keyword_string_is_one_even_when_a_value_holds_a_url():
    from dbharness.environments import is_url

    keywords = "host=h password='postgresql://QX@ZK' user=u"
    assert not is_url(keywords) and is_url("postgresql://h") and is_url("postgres://h") and not is_url(" postgresql://h")
    assert redact(keywords) == "user=u password=*** host=h"


def test_libpq_reasons_are_cut_before_the_first_value_they_quote():
    with pytest.raises(ConfigError, match=r"\(invalid percent-encoded token: \"\*\*\*\"\); ") as err:
        parse('postgresql://u:%QX"ZKW@h/d')  # a quote in the password ended libpq's quoting early
    assert "Z" not in str(err.value) and "K" not in str(err.value)
    for url, reason in [("host=h password=QX ZK", "missing '=' after \"***\""),
                        ("host=h password='QX", "unterminated quoted string in connection info string"),
                        ("postgresql://u@[::1/d", "end of string reached when looking for matching ']' in IPv6 host "
                                                  "address in URI: \"***\""),
                        ("postgresql://h/d?a=b=c", "extra key/value separator '=' in URI query parameter: \"***\""),
                        ("postgresql://[::1]x/d", "unexpected character \"***\"")]:
        with pytest.raises(ConfigError) as err:
            parse(url)
        assert str(err.value).startswith(f"not a connection string libpq accepts ({reason}); "), (url, str(err.value))


def test_the_edges_of_the_grammar_that_redaction_and_the_last_guard_follow():
    from dbharness.environments import QUOTE, _after_scheme, _mask_fragments, _mask_quoted, secret_text

    assert _after_scheme("postgresql://u@h/d?application_name=a://b") == ("postgresql", "u@h/d?application_name=a://b")
    assert redact("postgresql://u:p@h,h2/d?port=1,2,3") == "postgresql://u:***@h,h2:1,2,3/d"  # as given
    assert redact("postgresql://a%2Ab%2Fc:p@h/x%2Fy%2Az") == "postgresql://a*b%2Fc:***@h/x%2Fy*z"
    assert _mask_fragments("x FGH y", ["ABCDEFGH"]) == "x FGH y"  # the last three characters say nothing
    assert _mask_quoted('"pw" "h"', "postgresql://u:pw@h/d") == '"***" "h"'  # the password is never safe
    assert secret_text("host=h password=a/bcde") == ["a%2Fbcde", "a/bcde"]  # encoded with its '/'
    assert secret_text("host=h password='QX ZKX") == ["%27QX%20ZKX", "'QX ZKX", "QX ZKX", "QX%20ZKX"]  # regions only
    assert secret_text("postgresql://u@h") == []
    with pytest.raises(ConfigError) as err:
        parse("host=h password='QX")
    assert str(err.value).endswith(QUOTE)


@pytest.mark.parametrize("url, reason", [
    ("postgresql://u:p@h/d?application_name=a://b@c", "MORE_THAN_ONE_AT"),  # the first '://' starts it
    ("postgresql://u:a@b@h/d?application_name=x://y", "MORE_THAN_ONE_AT"),
])
def test_a_url_is_read_from_its_first_scheme_separator(url, reason):
    from dbharness import environments

    assert environments.misread(url, environments.conninfo_to_dict(url)) == getattr(environments, reason)
    assert environments.unread(url) == "postgresql://u:***@***"
