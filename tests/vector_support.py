"""What the vector extension's tests share: a database where postgres created vector, and small helpers."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from dbharness.builder import database
from dbharness.engines.base import Server
from dbharness.hosted import compat
from tests import vector_reference as ref


@contextmanager
def vector_database(server: Server, name: str) -> Iterator[Server]:
    """A database whose migrations (as postgres, not a superuser) created vector in extensions."""
    with database.scratch(server, name) as db:
        with psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
            compat.install(admin)
        with psycopg.connect(db.conninfo(), autocommit=True) as conn:
            conn.execute("create extension vector with schema extensions")
        yield db


@contextmanager
def rolled_back(db: Server) -> Iterator[psycopg.Connection]:
    """postgres's connection, with the library loaded (its settings defined); whatever a test does
    is rolled back."""
    with psycopg.connect(db.conninfo()) as conn:
        conn.execute("select '[1]'::vector")
        yield conn
        conn.rollback()


def one(conn: psycopg.Connection, sql: str, *params):
    """The single value a query returns."""
    return conn.execute(sql, params or None).fetchone()[0]


def refused(conn: psycopg.Connection, sql: str) -> psycopg.Error:
    """The error of a statement that must fail (the transaction goes on after it)."""
    conn.execute("savepoint s")
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(sql)
    conn.execute("rollback to savepoint s")
    return caught.value


def vectors(n: int, dim: int, seed: int) -> list[list[float]]:
    """n random vectors of single-precision elements."""
    rng = random.Random(seed)
    return [[ref.f32(rng.uniform(-2, 2)) for _ in range(dim)] for _ in range(n)]


def pairs(n: int, dim: int, seed: int) -> list[tuple[list[float], list[float]]]:
    """n pairs of random vectors."""
    vs = vectors(2 * n, dim, seed)
    return list(zip(vs[::2], vs[1::2], strict=True))
