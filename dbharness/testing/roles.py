"""Acting as the platform's API does on a test's connection: the role PostgREST switches to and
the JWT claims it sets (request.jwt.claims as JSON, with the role in it; the older
request.jwt.claim.sub, .role and .email that Supabase's auth.uid() still reads first), undone on
leaving the block; and users in auth.users to act as."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterator, Mapping
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


def _write(conn: psycopg.Connection, values: Mapping[str, str], local: Collection[str] = ()) -> None:
    # role first, as PostgREST sets it; the rest are placeholders any role may set
    calls = [f"pg_catalog.set_config(%s, %s, {'true' if name in local else 'false'})" for name in values]
    conn.execute("select " + ", ".join(calls), [part for item in values.items() for part in item])


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
    (`reset role` and no claims, outside any other block).

    Begun with no transaction open, the block is a transaction of its own: what it set is
    committed first (a rollback inside the block keeps the role: it would otherwise quietly bring
    back postgres, which bypasses RLS), and on leaving, what it did is committed (rolled back on an
    exception) before the session is restored. Begun inside the test's transaction, it joins it
    and leaves it open (if the test ends that transaction inside the block, a rollback there also
    undoes the role, and the block goes on as one of its own). A transaction that failed is rolled
    back on leaving, as it must be to restore anything.
    """
    joined = conn.info.transaction_status == TransactionStatus.INTRANS
    before = _read(conn)
    marker = f"dbharness.block_{uuid.uuid4().hex}"  # set for this transaction only: is it still open?
    _write(conn, {**claim_settings(role, claims), marker: "on"}, local={marker})
    if not joined and not conn.autocommit:
        conn.commit()
    failed = True
    try:
        yield conn
        failed = False
    finally:
        _leave(conn, before, marker if joined else None, failed)


def _leave(conn: psycopg.Connection, before: Mapping[str, str], marker: str | None, failed: bool) -> None:
    """Restore before, durably: inside the transaction the block joined while it is still open
    (its rollback would restore the same), else committed."""
    if conn.closed:
        return
    if conn.info.transaction_status == TransactionStatus.INERROR:
        conn.rollback()
    still_joined = marker is not None and conn.info.transaction_status == TransactionStatus.INTRANS \
        and conn.execute("select pg_catalog.current_setting(%s, true)", (marker,)).fetchone() == ("on",)
    if not still_joined and not conn.autocommit:
        if failed:
            conn.rollback()
        else:
            conn.commit()
    _restore(conn, before)
    if not still_joined and not conn.autocommit:
        conn.commit()


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
