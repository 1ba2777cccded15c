"""The guards of a deployment that hold while it runs: the lock, so two promotions never run at once."""

from __future__ import annotations

from dataclasses import dataclass

from dbharness.environments import Target
from dbharness.errors import PromotionRefused
from dbharness.pg import psycopg

LOCK_KEY = "dbharness-promote"


@dataclass
class Lock:
    """A session advisory lock per environment, so two promotions never run at once."""

    conn: psycopg.Connection
    target: Target

    def __enter__(self) -> Lock:
        got = self.conn.execute("select pg_try_advisory_lock(hashtext(%s))", (LOCK_KEY,)).fetchone()
        if not got or not got[0]:
            raise PromotionRefused(f"another promotion or rollback of {self.target.name} is running "
                                   "(advisory lock held); wait for it to finish and run again")
        return self

    def __exit__(self, *_exc: object) -> None:
        if not self.conn.closed:
            self.conn.execute("select pg_advisory_unlock(hashtext(%s))", (LOCK_KEY,))
