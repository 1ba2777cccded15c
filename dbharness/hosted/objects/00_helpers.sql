-- Helpers for the sections that follow, for this session only (pg_temp): nothing is left behind.
--
-- What: pg_temp.hand_over(schema, role) gives role the ownership of every table, view, function,
--   enum and composite type of schema that whoever runs compat just made there (the services own
--   their objects on the platform: supabase_auth_admin the auth tables, supabase_storage_admin
--   storage's, ...).
-- Why: one definition for the three schemas that need it.

-- @provide session-helpers
create or replace function pg_temp.hand_over(target text, new_owner text) returns void
  language plpgsql
  as $fn$
  declare
    obj record;
  begin
    for obj in select c.oid::regclass as name from pg_catalog.pg_class c
               where c.relnamespace = target::regnamespace and c.relkind in ('r', 'p', 'v')
                 and c.relowner = current_user::regrole
    loop
      execute format('alter table %s owner to %I', obj.name, new_owner);
    end loop;
    for obj in select p.oid::regprocedure as name from pg_catalog.pg_proc p
               where p.pronamespace = target::regnamespace and p.proowner = current_user::regrole
    loop
      execute format('alter function %s owner to %I', obj.name, new_owner);
    end loop;
    for obj in select t.oid::regtype as name from pg_catalog.pg_type t
               left join pg_catalog.pg_class c on c.oid = t.typrelid
               where t.typnamespace = target::regnamespace and t.typowner = current_user::regrole
                 and (t.typtype = 'e' or c.relkind = 'c')
    loop
      execute format('alter type %s owner to %I', obj.name, new_owner);
    end loop;
  end
  $fn$;
