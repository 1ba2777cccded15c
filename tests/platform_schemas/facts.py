"""Every fact of the auth, storage and realtime schemas as one sorted line each, read from the catalog.

A fact names the object and what a migration or a dump can meet of it: a table's kind, owner and
row security, a column's type, nullability, default and generation, constraints, indexes,
types, functions (signature, language, volatility, security, settings, owner), triggers,
policies, comments, sequences and every grant (grantee, privilege and grant option; the grantor
is left out). tests/platform_schemas/reference.txt holds the same lines for a new Supabase
project; the test compares the two.
"""

from __future__ import annotations

import psycopg

SCHEMAS = ("auth", "storage", "realtime")

# Each query returns one text column, one fact per row; %(s)s is the list of schemas.
_NS = "n.nspname = any(%(s)s)"
QUERIES = [
    # schemas
    f"""select 'schema ' || n.nspname || ' owner=' || pg_get_userbyid(n.nspowner)
        from pg_namespace n where {_NS}""",
    f"""select 'grant schema ' || n.nspname || ' to ' || {{grantee}} || ': ' || {{privs}}
        from pg_namespace n, lateral aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
        where {_NS} group by n.nspname, a.grantee""",
    # tables, views, sequences
    f"""select case c.relkind when 'S' then 'sequence ' else 'table ' end || n.nspname || '.' || c.relname
          || ' kind=' || c.relkind::text || ' owner=' || pg_get_userbyid(c.relowner)
          || case when c.relkind in ('r', 'p') then ' rls=' || c.relrowsecurity || ' force=' || c.relforcerowsecurity
             else '' end
          || case when c.relkind = 'p' then ' partition by ' || pg_get_partkeydef(c.oid) else '' end
          || case when c.relispartition then ' partition of ' || i.inhparent::regclass::text
                  || ' ' || pg_get_expr(c.relpartbound, c.oid) else '' end
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        left join pg_inherits i on i.inhrelid = c.oid
        where {_NS} and c.relkind in ('r', 'p', 'v', 'm', 'S')""",
    f"""select 'grant ' || case c.relkind when 'S' then 'sequence ' else 'table ' end || n.nspname || '.'
          || c.relname || ' to ' || {{grantee}} || ': ' || {{privs}}
        from pg_class c join pg_namespace n on n.oid = c.relnamespace,
        lateral aclexplode(coalesce(c.relacl, acldefault((case c.relkind when 'S' then 's' else 'r' end)::"char",
                                                         c.relowner))) a
        where {_NS} and c.relkind in ('r', 'p', 'v', 'm', 'S') group by n.nspname, c.relname, c.relkind, a.grantee""",
    # columns
    f"""select 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
          || case when a.attnotnull then ' not null' else ' null' end
          || case when a.attgenerated = 's' then ' generated ' || pg_get_expr(d.adbin, d.adrelid)
                  when d.adbin is not null then ' default ' || pg_get_expr(d.adbin, d.adrelid) else '' end
          || case a.attidentity when 'a' then ' identity always' when 'd' then ' identity by default' else '' end
          || case when a.attcollation <> 0 and a.attcollation <> t.typcollation
                  then ' collate ' || (select collname from pg_collation where oid = a.attcollation) else '' end
        from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        join pg_type t on t.oid = a.atttypid
        left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where {_NS} and c.relkind in ('r', 'p', 'v', 'm') and a.attnum > 0 and not a.attisdropped""",
    # constraints (not null is a column fact on PostgreSQL 15)
    f"""select 'constraint ' || n.nspname || '.' || c.relname || '.' || k.conname || ' '
          || pg_get_constraintdef(k.oid) || case when k.convalidated then '' else ' (not validated)' end
        from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
        where {_NS}""",
    # indexes
    f"""select 'index ' || n.nspname || '.' || ic.relname || ' ' || pg_get_indexdef(ic.oid)
        from pg_index x join pg_class ic on ic.oid = x.indexrelid join pg_namespace n on n.oid = ic.relnamespace
        where {_NS}""",
    # enum and composite types
    f"""select 'type ' || n.nspname || '.' || t.typname || ' owner=' || pg_get_userbyid(t.typowner) || ' '
          || case t.typtype
               when 'e' then 'enum (' || (select string_agg(quote_literal(e.enumlabel), ', ' order by e.enumsortorder)
                                          from pg_enum e where e.enumtypid = t.oid) || ')'
               else 'composite (' || (select string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod),
                                                        ', ' order by a.attnum)
                                      from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0) || ')'
             end
        from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where {_NS} and (t.typtype = 'e' or (t.typtype = 'c' and
              (select relkind from pg_class where oid = t.typrelid) = 'c'))""",
    # functions
    f"""select 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_arguments(p.oid) || ') returns '
          || pg_get_function_result(p.oid) || ' language=' || l.lanname
          || ' volatility=' || p.provolatile::text || case when p.proisstrict then ' strict' else '' end
          || case when p.prosecdef then ' security definer' else '' end
          || coalesce(' set ' || array_to_string(p.proconfig, ' set '), '')
          || ' owner=' || pg_get_userbyid(p.proowner)
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
        where {_NS}""",
    f"""select 'grant function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid)
          || ') to ' || {{grantee}} || ': ' || {{privs}}
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace,
        lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
        where {_NS} group by n.nspname, p.proname, p.oid, a.grantee""",
    # triggers
    f"""select 'trigger ' || n.nspname || '.' || c.relname || '.' || g.tgname || ' ' || pg_get_triggerdef(g.oid)
        from pg_trigger g join pg_class c on c.oid = g.tgrelid join pg_namespace n on n.oid = c.relnamespace
        where {_NS} and not g.tgisinternal""",
    # policies
    f"""select 'policy ' || n.nspname || '.' || c.relname || '.' || p.polname || ' cmd=' || p.polcmd::text
          || ' permissive=' || p.polpermissive
          || ' roles=' || (select string_agg(case r when 0 then 'public' else r::regrole::text end, ',' order by 1)
                           from unnest(p.polroles) r)
          || coalesce(' using ' || pg_get_expr(p.polqual, p.polrelid), '')
          || coalesce(' check ' || pg_get_expr(p.polwithcheck, p.polrelid), '')
        from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
        where {_NS}""",
    # comments on tables, columns and functions
    f"""select 'comment ' || case when d.objsubid = 0 then 'table ' || n.nspname || '.' || c.relname
                               else 'column ' || n.nspname || '.' || c.relname || '.' || a.attname end
          || ' ' || quote_literal(d.description)
        from pg_description d join pg_class c on c.oid = d.objoid and d.classoid = 'pg_class'::regclass
        join pg_namespace n on n.oid = c.relnamespace
        left join pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid
        where {_NS}""",
    f"""select 'comment function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid)
          || ') ' || quote_literal(d.description)
        from pg_description d join pg_proc p on p.oid = d.objoid and d.classoid = 'pg_proc'::regclass
        join pg_namespace n on n.oid = p.pronamespace
        where {_NS}""",
]
GRANTEE = "case a.grantee when 0 then 'public' else pg_get_userbyid(a.grantee) end"
PRIVS = ("string_agg(a.privilege_type || case when a.is_grantable then '*' else '' end, ','"
         " order by a.privilege_type)")


def facts(conn: psycopg.Connection, schemas: tuple[str, ...] = SCHEMAS) -> list[str]:
    """The facts of schemas in conn's database, sorted."""
    found: list[str] = []
    with conn.transaction():
        conn.execute("set local search_path = pg_catalog")  # every name printed schema-qualified
        for query in QUERIES:
            sql = query.replace("{grantee}", GRANTEE).replace("{privs}", PRIVS)
            found += [row[0] for row in conn.execute(sql, {"s": list(schemas)})]
    return sorted(found)
