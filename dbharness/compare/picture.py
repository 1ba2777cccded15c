"""What is compared of one side's catalog: the user schemas as rollback-check sees them, and what
a project keeps in the platform's schemas and the database (platform_objects)."""

from __future__ import annotations

import psycopg

from dbharness.catalog import platform_objects, snapshot
from dbharness.catalog.platform_objects import PLATFORM_SCHEMAS

Snapshot = dict[str, dict[str, object]]

# The kinds of the comparison, in the order their JUnit cases and lines come.
KINDS = ("schema", "relation", "column", "constraint", "index", "policy", "function", "trigger",
         "sequence", "type", *(k for k in platform_objects.KINDS if k not in ("policy", "trigger")), "data")


def schema_of(key: str) -> str:
    """The schema a snapshot key's object lies in ('column public.t.a' -> 'public')."""
    kind, _, name = key.partition(" ")
    return name if kind == "schema" else name.partition(".")[0]


def _kept(key: str) -> bool:
    """An object of a user schema (the platform's schemas are read by platform_objects: what a
    project writes there, such as policies on storage.objects and triggers on auth.users)."""
    return schema_of(key) not in PLATFORM_SCHEMAS


def objects(conn: psycopg.Connection) -> Snapshot:
    """Every compared object of the database conn reads, keyed '<kind> <name>'."""
    picture = {k: v for k, v in snapshot.take(conn).items() if _kept(k)}
    picture.update(platform_objects.take(conn))
    return picture
