"""Named environments: their URL from an environment variable (or .env), always shown redacted.

Redaction follows libpq's own parsing (psycopg's conninfo tools): the password is never printed,
and a string whose parts cannot be what libpq reads them as (a second '@', a port that is not a
number: a password that needed percent-encoding) is refused unread, so no part of a password is
printed as a host, a port or a user. Messages are scrubbed by structure, never by searching.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dbharness.config import Environment, Settings
from dbharness.errors import ConfigError, PromotionRefused
from dbharness.pg import psycopg

HIDDEN = "***"
KEEP = "*"  # left unquoted in a redacted URL, so the hidden password reads as ***
QUERY_KEEP = KEEP + "/"  # a socket directory in the query stays readable
URL_IN_TEXT = re.compile(r"postgres(?:ql)?://[^\s'\"]+")
NOT_URL_END = ").,:;]}>"  # punctuation after a URL in a sentence, never the end of the URL itself
QUOTED_ANY = re.compile(r"\"[^\"]*\"|'[^']*'")
PASSWORD_KEY = re.compile(r"password\s*=\s*", re.IGNORECASE)
NEXT_KEY = re.compile(r"\s+[a-z_]+\s*=", re.IGNORECASE)
FRAGMENT = 4  # no run of this many characters of a password may be printed
PASSWORD_IN_TEXT = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
LIBPQ_TOKENS = {'missing "=" after': "missing '=' after", 'separator "=" in': "separator '=' in",
                'matching "]" in': "matching ']' in", '(expected ":" or "/")': "(expected ':' or '/')"}
OPTION_NAMES = {"host", "hostaddr", "port", "user", "dbname", "password", "sslmode", "options",
                "application_name", "connect_timeout", "passfile", "service"}
# libpq's keyword grammar: key = value, the value 'quoted' (\\ and \' inside) or a run without spaces
KEYWORD = re.compile(r"([^\s=]+)\s*=\s*(?:'(?:[^'\\]|\\.)*'|(?:[^\s\\]|\\.)*)")
HOST = re.compile(r"[A-Za-z0-9._-]+|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(?:%[A-Za-z0-9_.-]+)?|/.*", re.DOTALL)
ADDRESS = re.compile(r"[0-9.]+|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(?:%[A-Za-z0-9_.-]+)?")
PORT = re.compile(r"[0-9]*")
URL_USER = re.compile(r"[A-Za-z0-9._~%+-]*")  # unreserved characters and percent-escapes
PLAIN_USER = re.compile(r"[A-Za-z0-9._~+-]+")  # a user name that may be shown as it was typed
ENCODE = ("percent-encode these characters of the password (and of the user): @ as %40, : as %3A, "
          "/ as %2F, ? as %3F, # as %23, [ as %5B, ] as %5D, % as %25, = as %3D, a space as %20, "
          "\" as %22, ' as %27 (python3 -c 'import getpass, urllib.parse; "
          "print(urllib.parse.quote(getpass.getpass(), safe=\"\"))' prints a password encoded)")
QUOTE = ("quote a password that holds a space, a quote or a backslash: password='...', with \\' for "
         "' and \\\\ for \\ inside")
MORE_THAN_ONE_AT = ("it holds more than one '@', and libpq ends the password at the first one, so the "
                    "rest of the password would be taken for the host")
AT_AFTER_SLASH = ("its '@' comes after a '/', and libpq ends the host at the first '/' and reads no user "
                  "or password, so what comes before the '/' (a user and part of a password) would be "
                  "taken for a host and a port")
NOT_A_USER = "its user name holds characters a URL reserves"
NOT_A_HOST = "its host is not a host name, an IP address or a socket directory"
NOT_A_PORT = "its port is not a number"


def _after_scheme(url: str) -> tuple[str, str]:
    """A URL's scheme, and all that follows its first '://' (a value in its query may hold one)."""
    scheme, _, rest = url.partition("://")
    return scheme, rest


def is_url(text: str) -> bool:
    """libpq's test: a URL starts with its scheme; anything else is a keyword string (whose values
    may hold '://')."""
    return text.startswith(("postgresql://", "postgres://"))


def parse(url: str) -> dict[str, str]:
    """libpq's reading of a URL or keyword string, refused (a ConfigError without the secret) when
    libpq cannot parse it or when its parts cannot be what libpq reads them as."""
    try:
        params = {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    except UnicodeDecodeError:
        raise ConfigError("not a connection string libpq accepts (a percent-escape that is not UTF-8 "
                          "text); percent-encode each byte of the password's UTF-8, e.g. %C3%A9 for "
                          "é") from None
    except psycopg.ProgrammingError as exc:
        raise ConfigError(f"not a connection string libpq accepts ({_libpq_reason(exc)}); "
                          + (ENCODE if is_url(url) else QUOTE)) from None
    reason = misread(url, params)
    if reason:
        raise ConfigError(f"{unread(url)} is refused before connecting: {reason}; "
                          + (ENCODE if is_url(url) else QUOTE))
    return params


def _libpq_reason(exc: Exception) -> str:
    """libpq's reason for refusing a string, cut before the first value it quotes (a value may hold
    a quote itself, so no quote of it can be trusted to end it); its own quoted tokens kept."""
    # pragma: no mutate start (libpq always says why, so the empty case never happens)
    reason = (str(exc).strip().splitlines() or [""])[0]
    # pragma: no mutate end
    for token, kept in LIBPQ_TOKENS.items():
        reason = reason.replace(token, kept)
    return reason.partition('"')[0].rstrip() + (' "***"' if '"' in reason else "")


def misread(url: str, params: dict[str, str]) -> str | None:
    """Why libpq's reading (params) of url cannot be what was meant, or None. A second '@', a '/'
    before the '@', a port that is not a number: almost surely a password that needed
    percent-encoding (or, in a keyword string, quoting), which libpq split into other parts."""
    if is_url(url):
        rest = _after_scheme(url)[1]
        if rest.count("@") > 1:
            return MORE_THAN_ONE_AT
        userinfo, at, _ = rest.partition("@")  # pragma: no mutate (one '@' at most: rpartition alike)
        if at and "/" in userinfo:
            return AT_AFTER_SLASH
        if at and not URL_USER.fullmatch(userinfo.partition(":")[0]):
            return NOT_A_USER
    else:
        keys = [m.group(1).lower() for m in KEYWORD.finditer(url)]
        twice = sorted({k for k in keys if keys.count(k) > 1} & OPTION_NAMES)
        if twice:
            return f"the keyword {twice[0]} is given twice (libpq takes the last)"
    # pragma: no mutate start (an absent host is none to check: any other default that is a host is alike)
    if any(not HOST.fullmatch(h) for h in params.get("host", "").split(",") if h):
        # pragma: no mutate end
        return NOT_A_HOST
    if any(not ADDRESS.fullmatch(a) for a in params.get("hostaddr", "").split(",") if a):
        return NOT_A_HOST
    if any(not PORT.fullmatch(p) for p in params.get("port", "").split(",")):
        return NOT_A_PORT
    return None


def unread(url: str) -> str:
    """A string shown unread: a URL's scheme and a user name that is plainly one, nothing else."""
    if not is_url(url):
        return "the keyword string"
    scheme, rest = _after_scheme(url)
    name = re.split("[:@/]", rest)[0]
    after = rest[len(name):len(name) + 1]
    if after not in (":", "@") or "@" not in rest:
        return f"{scheme}://{HIDDEN}"
    shown = name if PLAIN_USER.fullmatch(name) else HIDDEN
    return f"{scheme}://{shown}" + (":" + HIDDEN if after == ":" else "") + "@" + HIDDEN


def _hosts(host: str, port: str | None) -> str:
    """A URL's hosts and ports as libpq pairs them (one port serves all), IPv6 in brackets."""
    hosts = [f"[{h}]" if ":" in h else h for h in host.split(",")]
    ports = (port or "").split(",")
    ports = ports * len(hosts) if len(ports) == 1 else ports
    if len(ports) != len(hosts):  # libpq refuses it when connecting; show it as it was given
        return ",".join(hosts) + f":{port}"
    # pragma: no mutate start (the lengths are equal here: strict cannot be observed)
    return ",".join(h + (f":{p}" if p else "") for h, p in zip(hosts, ports, strict=True))
    # pragma: no mutate end


def redact(url: str) -> str:
    """The connection string as libpq reads it, password hidden (parse refused any other part that
    could hold some of it): a URL stays a URL."""
    try:
        params = {k: HIDDEN if k == "password" else v for k, v in parse(url).items()}
    except ConfigError:
        return unread(url) if is_url(url) else "(a connection string libpq cannot parse)"
    if not is_url(url):
        return make_conninfo(**params)
    host = params.get("host", "")
    socket = host.startswith("/")  # a Unix socket directory goes in the query
    auth = quote(params.get("user", ""), safe=KEEP) + (":" + HIDDEN if "password" in params else "")
    netloc = (auth + "@" if auth else "") + ("" if socket else _hosts(host, params.get("port")))
    query = "&".join(f"{k}={quote(v, safe=QUERY_KEEP)}" for k, v in params.items()
                     if k not in ("user", "password", "port", "dbname") and (k != "host" or socket))
    path = quote(params.get("dbname", ""), safe=KEEP)
    return f"postgresql://{netloc}/{path}" + (f"?{query}" if query else "")


def _mask_quoted(text: str, url: str) -> str:
    """libpq and the resolver quote the values they complain about ("..." or '...'); keep only
    those that may be shown."""
    try:
        safe = {v for k, v in parse(url).items() if k != "password"} | OPTION_NAMES
    except ConfigError:
        safe = set(OPTION_NAMES)
    return QUOTED_ANY.sub(lambda m: m.group(0) if m.group(0)[1:-1] in safe else m.group(0)[0] + HIDDEN
                          + m.group(0)[0], text)


def secret_text(url: str) -> list[str]:
    """What of url may be a password, raw, percent-decoded and percent-encoded (the last guard on
    messages): in a URL, all between the user's ':' and the last '@'; in a keyword string, the text
    after password= up to the next keyword; and what libpq reads as the password."""
    found: set[str] = set()
    if is_url(url):
        region = _after_scheme(url)[1].rpartition("@")[0].partition(":")[2]
        found = {region, unquote(region)}  # undecodable escapes as U+FFFD
    elif key := PASSWORD_KEY.search(url):
        value = url[key.end():]
        following = NEXT_KEY.search(value)
        value = value[:following.start()] if following else value
        found = {value, value.strip("'")}
    with contextlib.suppress(ConfigError):  # unreadable or refused: the regions above are all there is
        found.add(parse(url).get("password", ""))
    found |= {quote(text, safe="") for text in found}
    return sorted(text for text in found if text)


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
            # No prepared statements: through a pooler, the next statement may reach another
            # server session, where a statement prepared in this one does not exist.
            return psycopg.connect(self.url, autocommit=autocommit, connect_timeout=15,
                                   application_name=f"dbharness-{self.name}", prepare_threshold=None)
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
