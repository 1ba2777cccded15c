"""Named environments: their URL from an environment variable (or .env), always shown redacted."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg
from dotenv import load_dotenv
from psycopg.conninfo import conninfo_to_dict

from dbharness.config import Environment, Settings
from dbharness.errors import ConfigError, PromotionRefused


def redact(url: str) -> str:
    """postgresql://user:***@host:port/db, or a keyword string with password=***."""
    if "://" in url:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(unparseable connection string)"
    return " ".join(f"{k}={'***' if k == 'password' else v}" for k, v in params.items())


def password_of(url: str) -> str | None:
    """The password inside a URL or keyword string, to scrub it from any message."""
    try:
        return conninfo_to_dict(url).get("password")  # type: ignore[return-value]
    except psycopg.ProgrammingError:
        return None


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
        """text with this target's password and URL replaced by their redacted forms."""
        secret = password_of(self.url)
        text = text.replace(self.url, self.shown)
        return text.replace(secret, "***") if secret else text

    def __str__(self) -> str:
        return f"{self.name} ({self.shown})"

    def connect(self, autocommit: bool = True) -> psycopg.Connection:
        """Connect, with errors that never show the password."""
        try:
            return psycopg.connect(self.url, autocommit=autocommit, connect_timeout=15,
                                   application_name=f"dbharness-{self.name}")
        except psycopg.Error as exc:
            raise PromotionRefused(f"cannot connect to {self}: {self.scrub(str(exc).strip())}") from None


def resolve(settings: Settings, name: str) -> Target:
    """The environment called name, its URL read from its variable (a .env file is read first)."""
    load_dotenv(settings.root / ".env", override=False)
    env = settings.environments.get(name)
    if env is None:
        known = ", ".join(sorted(settings.environments))
        raise ConfigError(f"unknown environment {name!r}; declared: {known} "
                          "(add [tool.dbharness.environments.NAME] to pyproject.toml)")
    url = os.environ.get(env.url_env, "").strip()
    if not url:
        raise ConfigError(f"{env.url_env} is not set: export it (or put it in .env) with the "
                          f"connection URL of {name}, e.g. postgresql://user:password@host:5432/postgres")
    return Target(env, url)
