"""Named environments: their URL from an environment variable (or .env), always shown redacted.

Redaction follows libpq's own parsing (psycopg's conninfo tools): what libpq takes as the
password is never printed, whatever characters it holds, and messages are scrubbed by structure
(connection strings found in them are parsed and redacted), never by searching for the password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dbharness.config import Environment, Settings
from dbharness.errors import ConfigError, PromotionRefused

HIDDEN = "***"
KEEP = "*"  # left unquoted in a redacted URL, so the hidden password reads as ***
URL_IN_TEXT = re.compile(r"postgres(?:ql)?://[^\s'\"]+")
NOT_URL_END = ").,:;]}>"  # punctuation after a URL in a sentence, never the end of the URL itself
QUOTED_ANY = re.compile(r"\"[^\"]*\"|'[^']*'")
PASSWORD_KEY = re.compile(r"password\s*=\s*", re.IGNORECASE)
NEXT_KEY = re.compile(r"\s+[a-z_]+\s*=", re.IGNORECASE)
FRAGMENT = 4  # no run of this many characters of a password may be printed
PASSWORD_IN_TEXT = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
QUOTED = re.compile(r'"[^"]*"')
OPTION_NAMES = {"host", "hostaddr", "port", "user", "dbname", "password", "sslmode", "options",
                "application_name", "connect_timeout", "passfile", "service"}


def parse(url: str) -> dict[str, str]:
    """libpq's reading of a URL or keyword string; a ConfigError (without the secret) otherwise."""
    try:
        return {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    except UnicodeDecodeError:
        raise ConfigError("not a connection string libpq accepts (a percent-escape that is not UTF-8 "
                          "text); percent-encode each byte of the password's UTF-8, e.g. %C3%A9 for "
                          "é") from None
    except psycopg.ProgrammingError as exc:
        # Equivalent mutants: libpq always explains why it cannot parse a string, so the empty case
        # never happens.
        # pragma: no mutate start
        reason = QUOTED.sub('"***"', str(exc).strip().splitlines()[0] if str(exc).strip() else "")
        # pragma: no mutate end
        raise ConfigError(f"not a connection string libpq accepts ({reason}); percent-encode "
                          "special characters of the password (%23 for #, %40 for @)") from None


def _shown(key: str, value: str) -> str:
    """A parsed value as it may be printed: the password never; a value holding '@' (part of a
    mistyped password, as libpq split it) or a port that is not a number, hidden too."""
    if key == "password" or "@" in value or (key == "port" and not value.replace(",", "").isdigit()):
        return HIDDEN
    return value


def redact(url: str) -> str:
    """The connection string as libpq reads it, password hidden: a URL stays a URL."""
    try:
        params = {k: _shown(k, v) for k, v in parse(url).items()}
    except ConfigError:
        return "(a connection string libpq cannot parse)"
    if "://" not in url:
        return make_conninfo(**params)
    host = params.get("host", "")
    socket = host.startswith("/")  # a Unix socket directory goes in the query
    auth = quote(params.get("user", ""), safe=KEEP) + (":" + HIDDEN if "password" in params else "")
    netloc = (auth + "@" if auth else "") + ("" if socket else host)
    netloc += f":{params['port']}" if "port" in params else ""
    query = "&".join(f"{k}={quote(v, safe=KEEP + '/')}" for k, v in params.items()
                     if k not in ("user", "password", "port", "dbname") and (k != "host" or socket))
    path = quote(params.get("dbname", ""), safe=KEEP)
    return f"postgresql://{netloc}/{path}" + (f"?{query}" if query else "")


def _mask_quoted(text: str, url: str) -> str:
    """libpq and the resolver quote the values they complain about ("..." or '...'); keep only
    those that may be shown."""
    try:
        safe = {v for k, v in parse(url).items() if _shown(k, v) == v} | OPTION_NAMES
    except ConfigError:
        safe = set(OPTION_NAMES)
    return QUOTED_ANY.sub(lambda m: m.group(0) if m.group(0)[1:-1] in safe else m.group(0)[0] + HIDDEN
                          + m.group(0)[0], text)


def secret_text(url: str) -> list[str]:
    """What of url may be a password, however it was typed: in a URL, everything between the
    user's ':' and the last '@' (libpq splits at the first, so an unencoded '@' leaves the rest in
    the host), raw and percent-decoded; in a keyword string, the text after password= up to the
    next keyword. Used only as a last guard on messages that quote what they were given."""
    if "://" in url:
        rest = url.split("://", 1)[1]
        userinfo = rest[:rest.rfind("@")] if "@" in rest else ""
        region = userinfo.split(":", 1)[1] if ":" in userinfo else ""
        return [r for r in {region, unquote(region, errors="replace")} if r]
    found = PASSWORD_KEY.search(url)
    if not found:
        return []
    value = url[found.end():]
    following = NEXT_KEY.search(value)
    value = value[:following.start()] if following else value
    return [v for v in {value, value.strip("'")} if v]


def _mask_fragments(text: str, secrets: list[str]) -> str:
    """text without any run of FRAGMENT or more characters of the secrets, longest runs first."""
    for secret in secrets:
        for length in range(len(secret), FRAGMENT - 1, -1):
            for start in range(len(secret) - length + 1):
                piece = secret[start:start + length]
                if piece in text:
                    text = text.replace(piece, HIDDEN)
    return text


def _redact_in_text(found: str) -> str:
    """A URL found in a sentence, redacted; punctuation after it stays outside it."""
    body = found.rstrip(NOT_URL_END)
    return redact(body) + found[len(body):]


def scrub(text: str, url: str | None = None) -> str:
    """text with every connection string in it redacted (the given one first, then any URL or
    password= it holds), by structure: a short password never mangles other words. Scrubbing
    twice changes nothing more."""
    if url:
        text = text.replace(url, redact(url))
    text = URL_IN_TEXT.sub(lambda m: _redact_in_text(m.group(0)), text)
    return PASSWORD_IN_TEXT.sub(lambda m: m.group(1) + HIDDEN, text)


def scrub_message(text: str, url: str) -> str:
    """A driver's or resolver's message about url, safe to print: redacted by structure (scrub),
    the values it quotes masked unless libpq parsed them as safe to show, and, as a last guard,
    no run of FRAGMENT characters of what may be the password."""
    return _mask_fragments(_mask_quoted(scrub(text, url), url), secret_text(url))


@dataclass(frozen=True)
class Target:
    """An environment with its URL; str() and shown are always redacted."""

    env: Environment
    url: str

    @property
    def name(self) -> str:
        return self.env.name

    @property
    def shown(self) -> str:
        return redact(self.url)

    def scrub(self, text: str) -> str:
        """text with this target's URL, any other connection string, and any run of what may be
        its password, redacted."""
        return _mask_fragments(scrub(text, self.url), secret_text(self.url))

    def __str__(self) -> str:
        return f"{self.name} ({self.shown})"

    def connect(self, autocommit: bool = True) -> psycopg.Connection:
        """Connect, with errors that never show the password."""
        try:
            return psycopg.connect(self.url, autocommit=autocommit, connect_timeout=15,
                                   application_name=f"dbharness-{self.name}")
        except (psycopg.Error, UnicodeError, ValueError) as exc:
            raise PromotionRefused(f"cannot connect to {self}: {connect_error(exc, self.url)}") from None


def connect_error(exc: BaseException, url: str) -> str:
    """Why a connection failed, in words that never show the password."""
    if isinstance(exc, UnicodeError):
        return "the URL has a percent-escape that is not UTF-8 text; percent-encode the password's UTF-8"
    return scrub_message(str(exc).strip(), url)


def configured(settings: Settings) -> list[str]:
    """The environments whose URL is set (by its variable or the project's .env)."""
    return [name for name in settings.environments if name in settings.urls]


def resolve(settings: Settings, name: str) -> Target:
    """The environment called name, with its URL (from its variable, else the project's .env)."""
    env = settings.environments.get(name)
    if env is None:
        known = ", ".join(sorted(settings.environments))
        raise ConfigError(f"unknown environment {name!r}; declared: {known} "
                          "(add [tool.dbharness.environments.NAME] to pyproject.toml)")
    url = settings.urls.get(name, "")
    if not url and settings.dotenv_error:
        raise ConfigError(f"{env.url_env} is not set, and {settings.dotenv_error}")
    if not url:
        raise ConfigError(f"{env.url_env} is not set: export it (or put it in .env) with the "
                          f"connection URL of {name}, e.g. postgresql://user:password@host:5432/postgres")
    try:
        parse(url)
    except ConfigError as exc:
        raise ConfigError(f"{env.url_env}: {exc}") from None
    return Target(env, url)
