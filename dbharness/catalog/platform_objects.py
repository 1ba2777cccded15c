"""What a project keeps in the platform's schemas and in the database itself, read as a snapshot
(see snapshot.py): buckets, cron jobs, the project's policies and triggers on platform tables,
event triggers, publications and their tables, default privileges, the project's grants on
platform objects, extensions, role settings, Vault secrets' names and pgmq queues.

Every query only reads (an environment is read in a read-only session); a kind whose table the
database lacks (no pg_cron, no Vault) is read as empty.
"""

from __future__ import annotations

import psycopg

from dbharness.errors import ConfigError
from dbharness.hosted import rules

Snapshot = dict[str, dict[str, object]]

# The platform's schemas: their objects are Supabase's (or the local engine's stand-in for them),
# compared only where a project writes into them (the kinds below).
PLATFORM_SCHEMAS = tuple(s for s in rules.PLATFORM_SCHEMAS if s != "information_schema") + (
    "_realtime", "_analytics", "pgsodium_masks", "graphql", "pgmq_public")

# Every privilege of an ACL, the owner's own included: a revoke shows as what is left.
_FULL_ACL = "(select coalesce(string_agg(a.txt, ', ' order by a.txt), '') from (select " \
    "coalesce(nullif(x.grantee::regrole::text, '-'), 'PUBLIC') || ':' || x.privilege_type " \
    "|| case when x.is_grantable then '*' else '' end as txt from aclexplode({col}) x) a)"

# A role whose grants are the project's: not a superuser, not one of the platform's own roles.
_PROJECT_ROLE = "not exists (select 1 from pg_roles r where r.oid = {oid} and (r.rolsuper " \
    "or r.rolname like 'supabase\\_%%' or r.rolname like 'pg\\_%%'))"

_OBJECT_ACLS = """
  select 'schema ' || n.nspname, n.nspowner, n.nspacl from pg_namespace n
  where n.nspname = any(%(platform)s)
  union all
  select case c.relkind when 'S' then 'sequence ' else 'table ' end || n.nspname || '.' || c.relname,
         c.relowner, c.relacl
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any(%(platform)s) and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
  union all
  select 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid)
         || ')', p.proowner, p.proacl
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname = any(%(platform)s)"""

# kind -> (a table the kind is read from, or None when it is in every database; the query)
QUERIES: dict[str, tuple[str | None, str]] = {
    "bucket": ("storage.buckets", """
      select b.id, to_jsonb(b) - 'id' - 'created_at' - 'updated_at' from storage.buckets b"""),
    # jobid is a sequence's number: the same jobs made in another order get other ids
    "cron_job": ("cron.job", """
      select coalesce(j.jobname, '(unnamed) ' || j.schedule || ' ' || left(j.command, 60)),
        json_build_object('schedule', j.schedule, 'command', j.command, 'database', j.database,
                          'username', j.username, 'active', j.active)
      from cron.job j"""),
    # policies a project writes on the platform's tables (storage.objects, ...); an extension's own
    # tables (cron.job) keep the extension's policies
    "policy": (None, """
      select n.nspname || '.' || c.relname || '.' || p.polname, json_build_object(
        'command', p.polcmd, 'permissive', p.polpermissive,
        'roles', (select string_agg(x.name, ', ' order by x.name)  -- a set: the order written is lost
                  from (select case r when 0 then 'public' else r::regrole::text end
                        from unnest(p.polroles) r) x(name)),
        'using', pg_get_expr(p.polqual, p.polrelid), 'with check', pg_get_expr(p.polwithcheck, p.polrelid),
        'comment', obj_description(p.oid, 'pg_policy'))
      from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any(%(platform)s)
        and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')"""),
    "trigger": (None, """
      select n.nspname || '.' || c.relname || '.' || t.tgname, json_build_object(
        'definition', pg_get_triggerdef(t.oid), 'enabled', t.tgenabled,
        'comment', obj_description(t.oid, 'pg_trigger'))
      from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
      join pg_proc p on p.oid = t.tgfoid join pg_namespace pn on pn.oid = p.pronamespace
      where n.nspname = any(%(platform)s) and not t.tgisinternal and pn.nspname <> all(%(platform)s)"""),
    "event_trigger": (None, """
      select e.evtname, json_build_object('event', e.evtevent, 'function', e.evtfoid::regproc::text,
        'tags', (select string_agg(tag, ', ' order by tag) from unnest(e.evttags) tag),
        'enabled', e.evtenabled, 'comment', obj_description(e.oid, 'pg_event_trigger'))
      from pg_event_trigger e join pg_proc p on p.oid = e.evtfoid
      join pg_namespace pn on pn.oid = p.pronamespace
      where pn.nspname <> all(%(platform)s)
        and not exists (select 1 from pg_depend d where d.objid = e.oid and d.deptype = 'e')"""),
    "publication": (None, """
      select p.pubname, json_build_object('owner', p.pubowner::regrole::text,
        'all tables', p.puballtables, 'insert', p.pubinsert, 'update', p.pubupdate,
        'delete', p.pubdelete, 'truncate', p.pubtruncate, 'via partition root', p.pubviaroot,
        'comment', obj_description(p.oid, 'pg_publication'))
      from pg_publication p"""),
    # as the publication was written: its tables (pg_publication_tables, which lists them all,
    # takes a third of a second), their column lists and row filters, and its schemas
    "publication_table": (None, """
      select p.pubname || ' ' || n.nspname || '.' || c.relname, json_build_object(
        'columns', (select string_agg(a.attname, ', ' order by a.attnum) from pg_attribute a
                    where a.attrelid = c.oid and a.attnum = any(r.prattrs)),
        'row filter', pg_get_expr(r.prqual, r.prrelid))
      from pg_publication_rel r join pg_publication p on p.oid = r.prpubid
      join pg_class c on c.oid = r.prrelid join pg_namespace n on n.oid = c.relnamespace
      union all
      select p.pubname || ' tables in schema ' || n.nspname, '{}'::json
      from pg_publication_namespace s join pg_publication p on p.oid = s.pnpubid
      join pg_namespace n on n.oid = s.pnnspid"""),
    "default_privileges": (None, f"""
      select d.defaclrole::regrole::text || ' in ' || coalesce(n.nspname, 'every schema') || ' on '
        || case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions'
                                when 'T' then 'types' else 'schemas' end,
        json_build_object('privileges', {_FULL_ACL.format(col='d.defaclacl')})
      from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace
      where {_PROJECT_ROLE.format(oid='d.defaclrole')}"""),
    "grant": (None, f"""
      select g.name, json_build_object('privileges', string_agg(g.txt, ', ' order by g.txt))
      from (select o.name, coalesce(nullif(x.grantee::regrole::text, '-'), 'PUBLIC') || ':'
                   || x.privilege_type || case when x.is_grantable then '*' else '' end
                   || ' by ' || x.grantor::regrole::text
            from ({_OBJECT_ACLS}) o(name, owner, acl), aclexplode(o.acl) x
            where x.grantor <> o.owner and {_PROJECT_ROLE.format(oid='x.grantor')}) g(name, txt)
      group by g.name"""),
    "extension": (None, """
      select e.extname, json_build_object('schema', e.extnamespace::regnamespace::text,
        'version', e.extversion)
      from pg_extension e"""),
    "role_setting": (None, f"""
      select coalesce(r.rolname, 'every role')
               || case when s.setdatabase = 0 then '' else ' in this database' end,
             json_object_agg(split_part(c.setting, '=', 1), substr(c.setting, strpos(c.setting, '=') + 1))
      from pg_db_role_setting s left join pg_roles r on r.oid = s.setrole, unnest(s.setconfig) c(setting)
      where s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
        and c.setting not like 'dbharness%%' and (s.setrole = 0 or {_PROJECT_ROLE.format(oid='s.setrole')})
      group by 1"""),
    # the name and description only: a secret's value is never read
    "vault_secret": ("vault.secrets", """
      select s.name, json_build_object('description', s.description)
      from vault.secrets s where s.name is not null"""),
    "pgmq_queue": ("pgmq.meta", """
      select m.queue_name, to_jsonb(m) - 'queue_name' - 'created_at' from pgmq.meta m"""),
}
KINDS = tuple(QUERIES)


def _exists(conn: psycopg.Connection, table: str) -> bool:
    row = conn.execute("select to_regclass(%s) is not null", (table,)).fetchone()
    return bool(row and row[0])


def take(conn: psycopg.Connection) -> Snapshot:
    """Every platform object the project may have made or changed, keyed '<kind> <name>'."""
    picture: Snapshot = {}
    for kind, (table, query) in QUERIES.items():
        if table is not None and not _exists(conn, table):
            continue
        try:
            rows = conn.execute(query, {"platform": list(PLATFORM_SCHEMAS)}).fetchall()
        except psycopg.errors.InsufficientPrivilege as exc:
            raise ConfigError(f"cannot read the {kind.replace('_', ' ')}s ({table or 'the catalog'}): "
                              f"{exc.diag.message_primary}; connect as a role that may read it "
                              "(postgres, on Supabase)") from None
        for name, props in rows:
            picture[f"{kind} {name}"] = props
    return picture
