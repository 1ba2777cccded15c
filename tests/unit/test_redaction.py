"""No password reaches the screen, whatever it holds: with every reserved character at every place,
and with many drawn passwords, each form a user may type is either refused before connecting
(the refusal shows the scheme and the user, nothing else) or read by libpq as it was meant, so
nothing printed from it (the redacted URL, the driver's and the resolver's messages quoting each
part) holds any of the password, raw, percent-encoded or percent-decoded."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from dbharness.environments import parse, redact, scrub_message
from dbharness.errors import ConfigError
from tests.passwords import ROLE, forms, intended, leaks, letters, passwords, placed

PORT = 5432
SHOWN = {"url": f"postgresql://{ROLE}:***@127.0.0.1:{PORT}/secretdb",
         "keywords": f"user={ROLE} password=*** dbname=secretdb host=127.0.0.1 port={PORT}"}
REFUSED = {"url": f"postgresql://{ROLE}:***@***", "keywords": "(a connection string libpq cannot parse)"}
OPENINGS = (f"postgresql://{ROLE}:***@*** is refused before connecting: ",
            "the keyword string is refused before connecting: ", "not a connection string libpq accepts (")


def driver_message(params: dict[str, str], url: str) -> str:
    """What libpq and the resolver say about the parts they were given but the password (which
    they never quote), each quoted both ways, with the whole string repeated."""
    quoted = "; ".join(f'could not translate host name "{v}" to address; failed to resolve host \'{v}\''
                       for k, v in params.items() if k != "password")
    return f"{quoted}; invalid connection string {url}: unexpected"


def outcome(password: str, kind: str, url: str) -> str:
    """'refused' or 'read'; fails the test on anything printed that holds part of the password."""
    family = "url" if kind.startswith("url") else "keywords"
    try:
        params = parse(url)
    except ConfigError as exc:
        said = str(exc)
        assert said.startswith(OPENINGS), (kind, url, said)
        assert not letters(said) and not leaks(password, said), (kind, url, said)
        assert redact(url) == REFUSED[family], (kind, url)
        return "refused"
    meant = intended(PORT)
    read = {k: v for k, v in params.items() if k != "password"}
    assert read.items() <= meant.items(), (kind, url, read)  # nothing of the password in another part
    if read == meant:
        assert redact(url) == SHOWN[family], (kind, url)
    for said in (redact(url), scrub_message(driver_message(params, url), url)):
        assert not letters(said) and not leaks(password, said), (kind, url, said)
    return "read"


def test_every_reserved_character_at_every_place_is_refused_or_read_as_meant():
    seen: dict[str, set[str]] = {}
    for password in placed():
        for kind, url in forms(password, PORT).items():
            seen.setdefault(kind, set()).add(outcome(password, kind, url))
    # Typed as it is, each form is both refused (a misread) and read (a password it holds well):
    # the cases reach both. Percent-encoded or quoted, every password is read, exactly.
    assert all(found == {"refused", "read"} for kind, found in seen.items() if "as typed" in kind), seen
    assert seen["url encoded"] == seen["keywords quoted"] == {"read"}
    for password in placed():
        encoded, quoted = (forms(password, PORT)[k] for k in ("url encoded", "keywords quoted"))
        assert parse(encoded)["password"] == parse(quoted)["password"] == password


@pytest.mark.parametrize("password", ["@=Q:Q", "ab@cd:ef", "QX/ZK@W", "12/QX@Z", "QX ZK", "QX'ZK\\W", "Q%zzX",
                                      "Q%cdX", "QX?K=Z@W"])
def test_the_inputs_that_once_leaked(password):
    for kind, url in forms(password, PORT).items():
        outcome(password, kind, url)
    assert outcome(password, "url as typed", forms(password, PORT)["url as typed"]) == "refused" \
        or "@" not in password


@settings(max_examples=600, deadline=None)
@given(password=passwords())
def test_drawn_passwords_are_refused_or_read_as_meant(password):
    for kind, url in forms(password, PORT).items():
        outcome(password, kind, url)
