begin;
select plan(5);
do $$ begin create extension if not exists dblink with schema extensions; end $$;
select has_extension('dblink', 'a test may create an allow-listed extension in a DO block');
select policies_are('storage', 'objects', array['Read own files'], 'the guarded policy was made');
select has_extension('pg_trgm', 'the procedure created pg_trgm');
select ok(exists (select from pg_catalog.pg_db_role_setting
                  where setrole = 'authenticator'::regrole
                    and 'pgrst.db_pre_request=public.check_request' = any(setconfig)),
          'authenticator has the pre-request hook');
select lives_ok($$insert into public.integrations (secret_id)
                  values (vault.create_secret('sk-live', 'stripe'))$$,
                'a row may reference a Vault secret');
select * from finish();
rollback;
