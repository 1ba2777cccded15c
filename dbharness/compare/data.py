"""The data of the tables a seed or a migration fills, compared row by row: by primary key where
both sides have the same one (a table without one: as a multiset of rows), over the columns both
sides have. Columns whose values differ on every build are left out, and said: the time a side
was built (now() in a migration or the seed), a salted password hash, a gen_random_uuid().

Rows are named by their key only: no value of a row is ever printed (an environment's rows are
its users')."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql as psql

from dbharness.catalog.platform_objects import PLATFORM_SCHEMAS
from dbharness.catalog.snapshot import EXCLUDED_SCHEMAS
from dbharness.catalog.snapshot_diff import Difference
from dbharness.compare.builds import Opened, Window

# Tables of the platform that a seed fills (users as the dashboard makes them, objects); the
# platform's other tables are its own (buckets and cron jobs are kinds of their own).
PLATFORM_TABLES = ("auth.users", "auth.identities", "storage.objects")
SALTED = {"auth.users": ("encrypted_password",)}  # crypt(..., gen_salt()): a new salt every build
SHOWN_ROWS = 10  # rows named per table and kind of difference; the rest are counted
SLACK = datetime.timedelta(seconds=1)  # timestamp(0) rounds a build's now() by up to half a second
TIMED = "the time a side was built (now() in a migration or the seed)"
SALTED_WHY = "a salted hash, new on every build"
RANDOM = "a value made at random on each build (gen_random_uuid()): no row of one build has the other's"

_TABLES = """
  select n.nspname || '.' || c.relname, c.oid, n.nspname, c.relname
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p') and not c.relispartition and n.nspname <> all(%(excluded)s)
    and n.nspname not like 'pg\\_%%'
    and (n.nspname <> all(%(platform)s) or n.nspname || '.' || c.relname = any(%(extra)s))
    and (%(only)s::text[] is null or n.nspname || '.' || c.relname = any(%(only)s))
    and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')"""
_COLUMNS = """
  select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a
  where a.attrelid = %s and a.attnum > 0 and not a.attisdropped order by a.attnum"""
_KEY = """
  select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid
    and a.attnum = any(i.indkey)
  where i.indrelid = %s and i.indisprimary order by array_position(i.indkey, a.attnum)"""
_WITH_ZONE = psql.SQL("coalesce(bool_or({} between %(start)s and %(end)s), false)")
# a timestamp without time zone holds now() as the build's session saw it: in the server's zone
_WITHOUT_ZONE = psql.SQL("coalesce(bool_or({} between (%(start)s at time zone %(zone)s) "
                         "and (%(end)s at time zone %(zone)s)), false)")


@dataclass(frozen=True)
class Table:
    """One side's table: where it is, its columns (name, type) in order, its primary key."""

    name: str
    ident: psql.Composable
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]


Pair = tuple[Table, Table]
Sides = tuple[Opened, Opened]


def tables(conn: psycopg.Connection, only: set[str] | None = None) -> dict[str, Table]:
    """Every table whose rows may be compared (of only, when given), by name."""
    found = {}
    params = {"excluded": list(EXCLUDED_SCHEMAS), "platform": list(PLATFORM_SCHEMAS),
              "extra": list(PLATFORM_TABLES), "only": None if only is None else sorted(only)}
    for name, oid, nsp, rel in conn.execute(_TABLES, params).fetchall():
        columns = tuple((c, t) for c, t in conn.execute(_COLUMNS, (oid,)).fetchall())
        key = tuple(k for (k,) in conn.execute(_KEY, (oid,)).fetchall())
        found[name] = Table(name, psql.Identifier(nsp, rel), columns, key)
    return found


def _one(conn: psycopg.Connection, query: psql.Composed, params: Mapping[str, Any] | None = None) -> tuple:
    row = conn.execute(query, params).fetchone()
    return tuple(row) if row else ()


def _has_rows(conn: psycopg.Connection, table: Table) -> bool:
    return bool(_one(conn, psql.SQL("select exists (select from {})").format(table.ident))[0])


def _build_time(conn: psycopg.Connection, table: Table, window: Window) -> set[str]:
    """The columns holding a time inside the side's build (a build's now(), or clock_timestamp())."""
    times = [(c, t) for c, t in table.columns if t.startswith("timestamp")]
    if not times:
        return set()
    checks = [(_WITH_ZONE if "with time zone" in typ else _WITHOUT_ZONE).format(psql.Identifier(col))
              for col, typ in times]
    query = psql.SQL("select {} from {}").format(psql.SQL(", ").join(checks), table.ident)
    held = _one(conn, query, {"start": window.start - SLACK, "end": window.end + SLACK,
                              "zone": window.zone})
    return {col for (col, _), yes in zip(times, held, strict=True) if yes}


def _held(sides: Sides, pair: Pair, col: str) -> bool:
    """True when a built side holds a value in the column."""
    query = psql.SQL("select exists (select from {} where {} is not null)")
    return any(_one(o.conn, query.format(t.ident, psql.Identifier(col)))[0]
               for o, t in zip(sides, pair, strict=True) if o.window is not None)


def _random(sides: Sides, pair: Pair, cols: list[str]) -> set[str]:
    """Between two builds, the uuid columns whose values no row of the other build has: made by
    gen_random_uuid() in a migration or the seed, so new on every build."""
    if any(o.window is None for o in sides):
        return set()
    found = set()
    for col in (c for c, t in pair[0].columns if t == "uuid" and c in cols):
        values = []
        for opened, table in zip(sides, pair, strict=True):
            query = psql.SQL("select array_agg(distinct {0}) filter (where {0} is not null) from {1}")
            values.append(set(_one(opened.conn, query.format(psql.Identifier(col), table.ident))[0] or ()))
        if values[0] and values[1] and not values[0] & values[1]:
            found.add(col)
    return found


def _row(names: tuple[str, ...] | list[str]) -> psql.Composable:
    if not names:
        return psql.SQL("''")
    return psql.SQL("row({})::text").format(psql.SQL(", ").join(psql.Identifier(n) for n in names))


def _hashes(conn: psycopg.Connection, table: Table, key: tuple[str, ...], cols: list[str]) -> list[tuple]:
    query = psql.SQL("select {}, md5({}) from {}").format(_row(key), _row(cols), table.ident)
    return [tuple(r) for r in conn.execute(query).fetchall()]


def _changed_columns(sides: Sides, pair: Pair, key: tuple[str, ...], cols: list[str],
                     keys: list[str]) -> dict[str, list[str]]:
    """For each of keys (rows both sides have, changed), the columns whose values differ."""
    hashed = psql.SQL(", ").join(psql.SQL("md5({}::text)").format(psql.Identifier(c)) for c in cols)
    per_side = []
    for opened, table in zip(sides, pair, strict=True):
        query = psql.SQL("select {}, {} from {} where {} = any(%s)").format(
            _row(key), hashed, table.ident, _row(key))
        per_side.append({r[0]: r[1:] for r in opened.conn.execute(query, (keys,)).fetchall()})
    one, other = per_side
    return {k: [c for c, x, y in zip(cols, one.get(k, ()), other.get(k, ()), strict=False) if x != y]
            for k in keys}


def _listed(name: str, keys: list[str], what: str,
            detail: dict[str, list[str]] | None = None) -> list[Difference]:
    out = []
    for k in keys[:SHOWN_ROWS]:
        columns = (detail or {}).get(k)
        shown = f"row {k} {what}" + (f" (in {', '.join(columns)})" if columns else "")
        out.append(Difference(f"data {name}", shown))
    if len(keys) > SHOWN_ROWS:
        out.append(Difference(f"data {name}", f"{len(keys) - SHOWN_ROWS} more rows {what}"))
    return out


def _keyed(sides: Sides, pair: Pair, key: tuple[str, ...], cols: list[str]) -> list[Difference]:
    """Rows by key: those only one side has, and those whose values differ (with the columns)."""
    a, b = (dict(_hashes(o.conn, t, key, cols)) for o, t in zip(sides, pair, strict=True))
    name = pair[0].name
    changed = sorted(k for k in a.keys() & b.keys() if a[k] != b[k])
    detail = _changed_columns(sides, pair, key, cols, changed[:SHOWN_ROWS]) if changed else {}
    return (_listed(name, sorted(a.keys() - b.keys()), f"only in {sides[0].side.label}")
            + _listed(name, sorted(b.keys() - a.keys()), f"only in {sides[1].side.label}")
            + _listed(name, changed, "differs", detail))


def _keyless(sides: Sides, pair: Pair, cols: list[str]) -> list[Difference]:
    """Rows of a table without a primary key, told apart by their values (never printed)."""
    a, b = (Counter(h for _, h in _hashes(o.conn, t, (), cols)) for o, t in zip(sides, pair, strict=True))
    out = []
    for mine, theirs, opened in ((a, b, sides[0]), (b, a, sides[1])):
        extra = sum((mine - theirs).values())
        if extra:
            out.append(Difference(f"data {pair[0].name}", f"{extra} rows only in {opened.side.label} "
                                  "(no primary key: rows are told apart by their values)"))
    return out


def _note(table: str, columns: list[str], why: str) -> str:
    subject = "it holds" if len(columns) == 1 else "they hold"
    return f"{table}: {', '.join(columns)} not compared: {subject} {why}"


def _compare_table(sides: Sides, pair: Pair) -> tuple[list[Difference], list[str]]:
    """One table's rows on both sides, over the columns both have, less those left out (said)."""
    theirs = {c for c, _ in pair[1].columns}
    common = [c for c, _ in pair[0].columns if c in theirs]
    timed: set[str] = set()
    for opened, table in zip(sides, pair, strict=True):
        if opened.window is not None:
            timed |= _build_time(opened.conn, table, opened.window)
    salted = {c for c in SALTED.get(pair[0].name, ()) if c in common and _held(sides, pair, c)}
    random = _random(sides, pair, [c for c in common if c not in timed])
    notes = [_note(pair[0].name, [c for c in common if c in left], why)
             for left, why in ((timed, TIMED), (salted, SALTED_WHY), (random, RANDOM)) if left]
    cols = [c for c in common if c not in timed | salted | random]
    key = pair[0].key if pair[0].key == pair[1].key and all(k in cols for k in pair[0].key) else ()
    return (_keyed(sides, pair, key, cols) if key else _keyless(sides, pair, cols)), notes


@dataclass
class DataComparison:
    """What the rows showed: differences, the columns left out (notes), how many tables."""

    differences: list[Difference]
    notes: list[str]
    tables: int = 0


def compare(a: Opened, b: Opened) -> DataComparison:
    """The rows of every table both sides have and a built side filled."""
    built = [(o, tables(o.conn)) for o in (a, b) if o.window is not None]
    if not built:
        return DataComparison([], ["data: not compared: neither side was built here, so no seed or "
                                   "migration says which tables to compare"])
    filled = {name for o, found in built for name, t in found.items() if _has_rows(o.conn, t)}
    known = {id(o): found for o, found in built}
    # an environment is asked only about the tables a build filled
    ta, tb = (known[id(o)] if id(o) in known else tables(o.conn, filled) for o in (a, b))
    result = DataComparison([], [])
    for name in sorted(filled & ta.keys() & tb.keys()):
        found, said = _compare_table((a, b), (ta[name], tb[name]))
        result.differences += found
        result.notes += said
        result.tables += 1
    return result
