"""Acting as the platform's API does on a test's connection: the role PostgREST switches to and
the JWT claims it sets (request.jwt.claims as JSON, with the role in it; the older
request.jwt.claim.sub, .role and .email that Supabase's auth.uid() still reads first), undone on
leaving the block; and users in auth.users to act as."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

# What the block sets, and how it is read back to be restored.
SETTINGS = ("role", "request.jwt.claims", "request.jwt.claim.sub", "request.jwt.claim.role",
            "request.jwt.claim.email")
UserId = uuid.UUID | str


def _read(conn: psycopg.Connection) -> dict[str, str]:
    row = conn.execute("select " + ", ".join(["pg_catalog.current_setting(%s, true)"] * len(SETTINGS)),
                       SETTINGS).fetchone()
    return {name: value or "" for name, value in zip(SETTINGS, row or (), strict=True)}


def _write(conn: psycopg.Connection, values: Mapping[str, str]) -> None:
    # role first, as PostgREST sets it; the rest are placeholders any role may set
    conn.execute("select " + ", ".join(["pg_catalog.set_config(%s, %s, false)"] * len(values)),
                 [part for item in values.items() for part in item])


def _settle(conn: psycopg.Connection, was_idle: bool) -> None:
    # A block begun outside a transaction commits what it set, so a rollback inside it keeps the
    # role (a rollback would otherwise quietly bring back postgres, which bypasses RLS); one begun
    # inside the test's transaction leaves that transaction to the test.
    if was_idle and not conn.autocommit:
        conn.commit()


def claim_settings(role: str, claims: Mapping[str, Any]) -> dict[str, str]:
    """The settings PostgREST makes of a request's role and JWT claims (the role put in the claims
    too), with the older one-claim-per-setting names."""
    full = {**claims, "role": role}
    return {"role": role, "request.jwt.claims": json.dumps(full, default=str),
            "request.jwt.claim.sub": str(full.get("sub") or ""), "request.jwt.claim.role": role,
            "request.jwt.claim.email": str(full.get("email") or "")}


@contextmanager
def acting_as(conn: psycopg.Connection, role: str, claims: Mapping[str, Any]) -> Iterator[psycopg.Connection]:
    """conn acts as role with claims inside the block; afterwards it is back to what it was
    (`reset role` and no claims, outside any other block). A transaction that failed inside the
    block is rolled back on leaving it: the session cannot be restored in a failed transaction."""
    was_idle = conn.info.transaction_status == TransactionStatus.IDLE
    before = _read(conn)
    _write(conn, claim_settings(role, claims))
    _settle(conn, was_idle)
    try:
        yield conn
    finally:
        if conn.info.transaction_status == TransactionStatus.INERROR:
            conn.rollback()
        if not conn.closed:
            was_idle = conn.info.transaction_status == TransactionStatus.IDLE
            _restore(conn, before)
            _settle(conn, was_idle)


def _restore(conn: psycopg.Connection, before: Mapping[str, str]) -> None:
    role = before["role"]
    conn.execute(sql.SQL("reset role") if role in ("", "none") else
                 sql.SQL("set role {}").format(sql.Identifier(role)))
    _write(conn, {k: v for k, v in before.items() if k != "role"})


def as_anon(conn: psycopg.Connection) -> Any:
    """Context manager: conn acts as a request without a user's JWT (role anon)."""
    return acting_as(conn, "anon", {})


def as_authenticated(conn: psycopg.Connection, claims: Mapping[str, Any] | UserId) -> Any:
    """Context manager: conn acts as a signed-in user; claims is the JWT's claims (sub, the user's
    id, required) or just the user's id."""
    given = {"sub": str(claims)} if isinstance(claims, uuid.UUID | str) else dict(claims)
    if not given.get("sub"):
        raise ValueError("as_authenticated needs the user's id: pass it, or claims with 'sub'")
    return acting_as(conn, "authenticated", given)


def as_service_role(conn: psycopg.Connection) -> Any:
    """Context manager: conn acts as the service_role key does (edge functions, backends)."""
    return acting_as(conn, "service_role", {})


def create_user(conn: psycopg.Connection, email: str | None = None, *, user_id: UserId | None = None,
                user_metadata: Mapping[str, Any] | None = None) -> uuid.UUID:
    """Insert a confirmed e-mail user into auth.users, as GoTrue's sign-up writes one, in conn's
    transaction (as postgres: outside the role blocks); returns its id."""
    made = uuid.UUID(str(user_id)) if user_id is not None else uuid.uuid4()
    conn.execute(
        "insert into auth.users (instance_id, id, aud, role, email, encrypted_password, "
        "email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at) "
        "values ('00000000-0000-0000-0000-000000000000', %s, 'authenticated', 'authenticated', %s, "
        "'', now(), %s, %s, now(), now())",
        (made, email or f"user-{made.hex[:12]}@example.test",
         json.dumps({"provider": "email", "providers": ["email"]}), json.dumps(dict(user_metadata or {}))))
    return made
