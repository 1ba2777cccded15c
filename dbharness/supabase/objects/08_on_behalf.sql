-- What Supabase's supautils does for postgres, emulated: statements run on its behalf.
--
-- What: pg_catalog.dbharness_on_behalf(statement), owned by the bootstrap superuser and
--   executable by postgres only. The harness sends through it exactly the statements the
--   platform lets postgres run although it lacks the privilege (platform.py holds the lists):
--   CREATE/ALTER/DROP EXTENSION of an extension on the platform's allow-list, CREATE/ALTER/DROP
--   POLICY and DROP TRIGGER on the auth, storage and realtime tables of supautils'
--   policy_grants. Everything else runs as postgres and fails as it would on Supabase.
--   After an extension is created, postgres gets usage and every privilege, with grant option,
--   on the schemas the extension made (cron, net, ...), as the platform's after-create scripts
--   give (only for schemas this statement made).
-- Why: migrations run as postgres, which is not a superuser on Supabase.
-- Not created where supautils is loaded (the real image): it does this itself there.

-- @provide on-behalf
create function pg_catalog.dbharness_on_behalf(statement text) returns void
  language plpgsql security definer
  as $fn$
  declare
    made record;
    before oid[] := array(select d.objid from pg_catalog.pg_depend d
                          where d.classid = 'pg_catalog.pg_namespace'::regclass and d.deptype = 'e');
  begin
    if statement !~* '^\s*(create|alter|drop)\s+(extension|policy|trigger)\M'
       and statement !~* '^\s*create\s+(or\s+replace\s+)?policy\M' then
      raise exception 'dbharness_on_behalf runs only the statements the platform runs for postgres'
        using errcode = '42501';
    end if;
    execute statement;
    for made in
      select n.nspname from pg_catalog.pg_depend d
      join pg_catalog.pg_namespace n on n.oid = d.objid
      where d.classid = 'pg_catalog.pg_namespace'::regclass and d.deptype = 'e'
        and d.objid <> all(before)
    loop
      execute format('grant usage on schema %I to postgres with grant option', made.nspname);
      execute format('grant all on all tables in schema %I to postgres with grant option', made.nspname);
      execute format('grant all on all sequences in schema %I to postgres with grant option', made.nspname);
      execute format('grant all on all functions in schema %I to postgres with grant option', made.nspname);
    end loop;
  end
  $fn$;
revoke all on function pg_catalog.dbharness_on_behalf(text) from public;
grant execute on function pg_catalog.dbharness_on_behalf(text) to postgres;
