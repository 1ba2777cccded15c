-- What the platform does after an extension is created on postgres's behalf.
--
-- What: pg_catalog.dbharness_after_create(extname), which the dbharness_rules server module runs
--   as the superuser right after it creates an allow-listed extension for postgres (the
--   platform's supautils runs its extension-custom-scripts/<name>/after-create.sql there):
--   - pg_cron: postgres may use schema cron and its functions, and gets every privilege on its
--     tables (with grant option) but only select on cron.job;
--   - supabase_vault: postgres gets usage on vault, select, delete, truncate and references on
--     vault.secrets and vault.decrypted_secrets, and execute on create_secret, update_secret and
--     the decrypting function, all with grant option; service_role gets usage, select, delete
--     and execute;
--   - dblink: only the superuser keeps execute on dblink_connect_u;
--   - postgres_fdw: the wrapper belongs to postgres;
--   - pgmq: the extension and everything it made belong to postgres (the platform's pgmq
--     after-create script), and so does schema pgmq when create extension made it, so that
--     postgres creates queues there (pgmq.create makes tables in pgmq and adds them to the
--     extension, which takes its owner).
--   compat also runs it for the Vault it creates, as the platform's image build does.
-- Why: a foreign key to vault.secrets needs references, cron.schedule needs usage on cron, and
--   a project may write its own grants on these objects (grant option).
-- Executable by no one but the superuser. On the real image it is made but never called: supautils
--   runs the platform's own scripts there.

-- @provide function pg_catalog.dbharness_after_create(text)
create function pg_catalog.dbharness_after_create(extname text) returns void
  language plpgsql set search_path = pg_catalog
  as $fn$
  declare
    r record;
  begin
    if extname = 'pg_cron' then
      grant usage on schema cron to postgres with grant option;
      grant all on all functions in schema cron to postgres with grant option;
      alter default privileges for role supabase_admin in schema cron
        grant all on sequences to postgres with grant option;
      alter default privileges for role supabase_admin in schema cron
        grant all on tables to postgres with grant option;
      alter default privileges for role supabase_admin in schema cron
        grant all on functions to postgres with grant option;
      grant all privileges on all tables in schema cron to postgres with grant option;
      revoke all on table cron.job from postgres;
      grant select on table cron.job to postgres with grant option;
    elsif extname = 'supabase_vault' then
      grant usage on schema vault to postgres with grant option;
      grant select, delete, truncate, references on vault.secrets, vault.decrypted_secrets
        to postgres with grant option;
      grant execute on function vault.create_secret(text, text, text, uuid),
        vault.update_secret(uuid, text, text, text, uuid), vault._decrypt(text)
        to postgres with grant option;
      grant usage on schema vault to service_role;
      grant select, delete on vault.secrets, vault.decrypted_secrets to service_role;
      grant execute on function vault.create_secret(text, text, text, uuid),
        vault.update_secret(uuid, text, text, text, uuid), vault._decrypt(text) to service_role;
    elsif extname = 'dblink' then
      for r in select p.oid, (pg_catalog.aclexplode(p.proacl)).grantee from pg_catalog.pg_proc p
               where p.proname = 'dblink_connect_u' loop
        continue when r.grantee = 'supabase_admin'::regrole;
        execute format('revoke all on function %s(%s) from %s', r.oid::regproc,
                       pg_catalog.pg_get_function_identity_arguments(r.oid),
                       case when r.grantee = 0 then 'public' else r.grantee::regrole::text end);
      end loop;
    elsif extname = 'pgmq' then
      update pg_catalog.pg_extension set extowner = 'postgres'::regrole where pg_extension.extname = 'pgmq';
      if (select owner.rolsuper from pg_catalog.pg_namespace n
          join pg_catalog.pg_roles owner on owner.oid = n.nspowner where n.nspname = 'pgmq') then
        alter schema pgmq owner to postgres;
      end if;
      for r in select d.classid, d.objid from pg_catalog.pg_depend d join pg_catalog.pg_extension e
               on e.oid = d.refobjid and d.refclassid = 'pg_catalog.pg_extension'::regclass
               where e.extname = 'pgmq' and d.deptype = 'e' loop
        if r.classid = 'pg_catalog.pg_proc'::regclass then
          execute format('alter function %s owner to postgres', r.objid::regprocedure);
        elsif r.classid = 'pg_catalog.pg_type'::regclass then
          execute format('alter type %s owner to postgres', r.objid::regtype);
        elsif r.classid = 'pg_catalog.pg_class'::regclass then
          execute format('alter table %s owner to postgres', r.objid::regclass);
        end if;
      end loop;
    elsif extname = 'postgres_fdw' then
      -- only a superuser may own a foreign-data wrapper: postgres is one for this statement
      alter role postgres superuser;
      alter foreign data wrapper postgres_fdw owner to postgres;
      alter role postgres nosuperuser;
    end if;
  end
  $fn$;
revoke all on function pg_catalog.dbharness_after_create(text) from public;
